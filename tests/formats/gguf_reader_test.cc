// The GGUF reader: every value type, alignment, and every malformed file class is an error
// naming the file, the key or tensor and the byte offset, never an out-of-bounds read.
#include <gtest/gtest.h>

#include <cstring>

#include "runtime/formats/gguf_file.h"
#include "runtime/formats/gguf_model.h"
#include "runtime/formats/tiny_gguf.h"

namespace specmap::formats {
namespace {

std::span<const std::uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Result<GgufFile> parse(const std::string& bytes) { return parse_gguf(span_of(bytes), "t.gguf"); }

std::string error_of(const std::string& bytes) {
  auto f = parse(bytes);
  EXPECT_FALSE(f.ok());
  return f ? std::string() : f.error().format();
}

GgufValue scalar(GgufValueType t) {
  GgufValue v;
  v.type = t;
  return v;
}

TEST(GgufReader, ReadsEveryValueTypeAndNestedArrays) {
  GgufWriter w;
  const GgufValueType ints[] = {GgufValueType::u8,  GgufValueType::i8,  GgufValueType::u16,
                                GgufValueType::i16, GgufValueType::u32, GgufValueType::i32,
                                GgufValueType::u64, GgufValueType::i64};
  for (GgufValueType t : ints) {
    GgufValue v = scalar(t);
    v.uint = 100;
    v.sint = -100;
    w.set(std::string("k.") + std::string(gguf_value_type_name(t)), v);
  }
  GgufValue f32 = scalar(GgufValueType::f32);
  f32.real = 0.5;
  w.set("k.f32", f32);
  GgufValue f64 = scalar(GgufValueType::f64);
  f64.real = 1e-300;
  w.set("k.f64", f64);
  w.set_bool("k.bool", true);
  w.set_string("k.string", "h\xc3\xa9llo");
  GgufValue inner = scalar(GgufValueType::array);
  inner.element_type = GgufValueType::i16;
  inner.ints = {-1, 2, -3};
  GgufValue outer = scalar(GgufValueType::array);
  outer.element_type = GgufValueType::array;
  outer.arrays = {inner, inner};
  w.set("k.nested", outer);
  w.set_strings("k.strings", {"a", "", "ccc"});

  auto f = parse(w.bytes());
  ASSERT_TRUE(f.ok()) << f.error().format();
  EXPECT_EQ(f->find("k.u8")->value.uint, 100u);
  EXPECT_EQ(f->find("k.i8")->value.sint, -100);
  EXPECT_EQ(f->find("k.u64")->value.uint, 100u);
  EXPECT_EQ(f->find("k.i64")->value.sint, -100);
  EXPECT_EQ(*f->uint_value("k.u16"), 100u);
  EXPECT_FALSE(f->uint_value("k.i32").ok());  // negative
  EXPECT_DOUBLE_EQ(*f->real_value("k.f32"), 0.5);
  EXPECT_DOUBLE_EQ(*f->real_value("k.f64"), 1e-300);
  EXPECT_TRUE(*f->bool_value("k.bool"));
  EXPECT_EQ(*f->string_value("k.string"), "h\xc3\xa9llo");
  const GgufValue& nested = f->find("k.nested")->value;
  ASSERT_EQ(nested.arrays.size(), 2u);
  EXPECT_EQ(nested.arrays[1].ints, (std::vector<std::int64_t>{-1, 2, -3}));
  EXPECT_EQ(f->find("k.strings")->value.strings, (std::vector<std::string>{"a", "", "ccc"}));
  auto wrong = f->string_value("k.u32");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().format().find("key 'k.u32'"), std::string::npos);
  EXPECT_NE(wrong.error().format().find("at byte"), std::string::npos);
}

TEST(GgufReader, TensorDataIsAlignedAndViewedInPlace) {
  GgufWriter w(64);
  w.set_u32("general.alignment", 64);
  const std::vector<float> a = {1, 2, 3};
  const std::vector<float> b(32, 0.25f);
  w.add_tensor("a", {3}, kGgmlF32, encode_tensor(a, kGgmlF32));
  w.add_tensor("b", {32}, kGgmlQ8_0, encode_tensor(b, kGgmlQ8_0));
  const std::string bytes = w.bytes();
  auto f = parse(bytes);
  ASSERT_TRUE(f.ok()) << f.error().format();
  EXPECT_EQ(f->alignment, 64u);
  EXPECT_EQ(f->data_offset % 64, 0u);
  const GgufTensorInfo* tb = f->tensor("b");
  ASSERT_NE(tb, nullptr);
  EXPECT_EQ(tb->offset, 64u);
  EXPECT_EQ(tb->bytes, 34u);
  EXPECT_EQ(reinterpret_cast<const char*>(tb->data.data()), bytes.data() + f->data_offset + 64);
  float first;
  std::memcpy(&first, f->tensor("a")->data.data(), 4);
  EXPECT_EQ(first, 1.0f);
}

TEST(GgufReader, WrongMagicAndVersion) {
  GgufWriter w;
  w.magic = 0x46554746;
  EXPECT_NE(error_of(w.bytes()).find("t.gguf: not a GGUF file"), std::string::npos);
  GgufWriter v;
  v.version = 2;
  const std::string e = error_of(v.bytes());
  EXPECT_NE(e.find("version 2"), std::string::npos) << e;
  EXPECT_NE(e.find("at byte 4"), std::string::npos) << e;
}

TEST(GgufReader, EveryTruncationIsAnErrorNamingTheByte) {
  TinyGgufSpec spec;
  spec.layers = 1;
  spec.d_model = 32;
  spec.d_ff = 32;
  spec.heads = 2;
  spec.kv_heads = 1;
  spec.block_type = kGgmlQ8_0;
  const std::string full = tiny_gguf(spec).bytes();
  ASSERT_TRUE(parse(full).ok());
  auto ok_model = read_gguf_model(*parse(full));
  ASSERT_TRUE(ok_model.ok()) << ok_model.error().format();
  // Every length inside the header and infos, then a sample through the data.
  auto f = parse(full);
  const std::size_t infos_end = f->data_offset;
  for (std::size_t n = 0; n < full.size(); n += (n < infos_end + 64 ? 1 : 331)) {
    const std::string cut = full.substr(0, n);
    auto r = parse(cut);
    ASSERT_FALSE(r.ok()) << n;
    const std::string msg = r.error().format();
    ASSERT_NE(msg.find("t.gguf: "), std::string::npos) << msg;
    ASSERT_NE(msg.find("byte"), std::string::npos) << msg;
  }
}

TEST(GgufReader, TensorOffsetsAndSizesBeyondTheFile) {
  GgufWriter w;
  w.add_tensor("x", {8}, kGgmlF32, std::string(32, '\0'));
  w.tensors()[0].offset_override = 1 << 20;
  std::string e = error_of(w.bytes());
  EXPECT_NE(e.find("tensor 'x'"), std::string::npos) << e;
  EXPECT_NE(e.find("beyond the end of the file"), std::string::npos) << e;
  EXPECT_NE(e.find("at byte 24"), std::string::npos) << e;  // the tensor info follows the 24-byte header

  GgufWriter big;  // the size runs past the end
  big.add_tensor("y", {8}, kGgmlF32, std::string(32, '\0'));
  big.tensors()[0].dims = {9000};
  e = error_of(big.bytes());
  EXPECT_NE(e.find("tensor 'y'"), std::string::npos) << e;
  EXPECT_NE(e.find("36000 bytes"), std::string::npos) << e;

  GgufWriter misaligned;
  misaligned.add_tensor("z", {8}, kGgmlF32, std::string(64, '\0'));
  misaligned.tensors()[0].offset_override = 4;
  e = error_of(misaligned.bytes());
  EXPECT_NE(e.find("not a multiple of the alignment 32"), std::string::npos) << e;
}

TEST(GgufReader, BadDimensionsAndTypes) {
  GgufWriter five;
  five.add_tensor("t5", {1, 1, 1, 1, 1}, kGgmlF32, std::string(4, '\0'));
  EXPECT_NE(error_of(five.bytes()).find("tensor 't5': 5 dimensions"), std::string::npos);

  GgufWriter overflow;
  overflow.add_tensor("big", {1ull << 32, 1ull << 32}, kGgmlF32, "");
  EXPECT_NE(error_of(overflow.bytes()).find("overflows"), std::string::npos);

  GgufWriter zero;
  zero.add_tensor("z", {0}, kGgmlF32, "");
  EXPECT_NE(error_of(zero.bytes()).find("dimension 0 is 0"), std::string::npos);

  GgufWriter q4k;
  q4k.add_tensor("blk.0.ffn_up.weight", {256}, 12, std::string(144, '\0'));
  std::string e = error_of(q4k.bytes());
  EXPECT_NE(e.find("tensor 'blk.0.ffn_up.weight' has type q4_K (ggml type 12)"), std::string::npos) << e;
  EXPECT_NE(e.find("at byte"), std::string::npos) << e;

  GgufWriter unknown;
  unknown.add_tensor("u", {4}, 200, std::string(4, '\0'));
  EXPECT_NE(error_of(unknown.bytes()).find("ggml type 200 (unknown)"), std::string::npos);

  GgufWriter ragged;
  ragged.add_tensor("r", {20}, kGgmlQ8_0, std::string(34, '\0'));
  EXPECT_NE(error_of(ragged.bytes()).find("not a multiple of the 32-weight blocks"), std::string::npos);
}

TEST(GgufReader, CountsAndLengthsBeyondTheFile) {
  GgufWriter w;
  w.set_string("k", "value");
  std::string bytes = w.bytes();
  // The key/value count is at byte 16: claim a billion.
  const std::uint64_t huge = 1000000000;
  std::memcpy(bytes.data() + 16, &huge, 8);
  EXPECT_NE(error_of(bytes).find("cannot fit in it"), std::string::npos);

  std::string lengths = w.bytes();
  const std::uint64_t long_key = 1ull << 40;  // the key's length at byte 24
  std::memcpy(lengths.data() + 24, &long_key, 8);
  std::string e = error_of(lengths);
  EXPECT_NE(e.find("metadata key is"), std::string::npos) << e;
  EXPECT_NE(e.find("at byte 24"), std::string::npos) << e;

  GgufWriter arr;
  arr.set_strings("a", {"x"});
  std::string array_bytes = arr.bytes();
  // key "a" (8 + 1), type (4), element type (4), count at 24 + 17.
  std::memcpy(array_bytes.data() + 41, &huge, 8);
  e = error_of(array_bytes);
  EXPECT_NE(e.find("key 'a'"), std::string::npos) << e;
  EXPECT_NE(e.find("does not fit"), std::string::npos) << e;

  GgufWriter dup;
  dup.set_u32("k", 1);
  dup.set_u32("k", 2);
  EXPECT_NE(error_of(dup.bytes()).find("appears twice"), std::string::npos);

  GgufWriter align;
  align.set_u32("general.alignment", 12);
  EXPECT_NE(error_of(align.bytes()).find("general.alignment 12"), std::string::npos);
}

TEST(GgufReader, DeeplyNestedArraysAreRefused) {
  GgufValue v;
  v.type = GgufValueType::array;
  v.element_type = GgufValueType::u8;
  for (int i = 0; i < 20; ++i) {
    GgufValue outer;
    outer.type = GgufValueType::array;
    outer.element_type = GgufValueType::array;
    outer.arrays = {v};
    v = outer;
  }
  GgufWriter w;
  w.set("deep", v);
  EXPECT_NE(error_of(w.bytes()).find("nested deeper"), std::string::npos);
}

}  // namespace
}  // namespace specmap::formats
