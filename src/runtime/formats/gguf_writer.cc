#include "runtime/formats/gguf_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

namespace specmap::formats {

namespace {

template <class T>
void put(std::string& out, T value) {
  char buf[sizeof(T)];
  std::memcpy(buf, &value, sizeof(T));
  out.append(buf, sizeof(T));
}

void put_string(std::string& out, const std::string& s) {
  put<std::uint64_t>(out, s.size());
  out += s;
}

void put_scalar(std::string& out, GgufValueType type, const GgufValue& v) {
  switch (type) {
    case GgufValueType::u8:
      put<std::uint8_t>(out, static_cast<std::uint8_t>(v.uint));
      break;
    case GgufValueType::u16:
      put<std::uint16_t>(out, static_cast<std::uint16_t>(v.uint));
      break;
    case GgufValueType::u32:
      put<std::uint32_t>(out, static_cast<std::uint32_t>(v.uint));
      break;
    case GgufValueType::u64:
      put<std::uint64_t>(out, v.uint);
      break;
    case GgufValueType::i8:
      put<std::int8_t>(out, static_cast<std::int8_t>(v.sint));
      break;
    case GgufValueType::i16:
      put<std::int16_t>(out, static_cast<std::int16_t>(v.sint));
      break;
    case GgufValueType::i32:
      put<std::int32_t>(out, static_cast<std::int32_t>(v.sint));
      break;
    case GgufValueType::i64:
      put<std::int64_t>(out, v.sint);
      break;
    case GgufValueType::f32:
      put<float>(out, static_cast<float>(v.real));
      break;
    case GgufValueType::f64:
      put<double>(out, v.real);
      break;
    case GgufValueType::boolean:
      put<std::uint8_t>(out, static_cast<std::uint8_t>(v.uint));
      break;
    case GgufValueType::string:
      put_string(out, v.text);
      break;
    case GgufValueType::array:
      break;
  }
}

void put_value(std::string& out, const GgufValue& v) {
  if (v.type != GgufValueType::array) {
    put_scalar(out, v.type, v);
    return;
  }
  put<std::uint32_t>(out, static_cast<std::uint32_t>(v.element_type));
  put<std::uint64_t>(out, v.array_size());
  GgufValue element;
  switch (v.element_type) {
    case GgufValueType::string:
      for (const std::string& s : v.strings) put_string(out, s);
      break;
    case GgufValueType::array:
      for (const GgufValue& a : v.arrays) put_value(out, a);
      break;
    case GgufValueType::f32:
    case GgufValueType::f64:
      for (double r : v.reals) {
        element.real = r;
        put_scalar(out, v.element_type, element);
      }
      break;
    default:
      for (std::int64_t i : v.ints) {
        element.sint = i;
        element.uint = static_cast<std::uint64_t>(i);
        put_scalar(out, v.element_type, element);
      }
      break;
  }
}

std::uint64_t align_up(std::uint64_t x, std::uint64_t a) { return x + (a - x % a) % a; }

GgufValue scalar(GgufValueType type) {
  GgufValue v;
  v.type = type;
  return v;
}

}  // namespace

void GgufWriter::set(const std::string& key, GgufValue value) {
  put_string(metadata_, key);
  put<std::uint32_t>(metadata_, static_cast<std::uint32_t>(value.type));
  put_value(metadata_, value);
  ++metadata_count_;
}

void GgufWriter::set_u32(const std::string& key, std::uint32_t x) {
  GgufValue v = scalar(GgufValueType::u32);
  v.uint = x;
  set(key, std::move(v));
}
void GgufWriter::set_u64(const std::string& key, std::uint64_t x) {
  GgufValue v = scalar(GgufValueType::u64);
  v.uint = x;
  set(key, std::move(v));
}
void GgufWriter::set_i32(const std::string& key, std::int32_t x) {
  GgufValue v = scalar(GgufValueType::i32);
  v.sint = x;
  set(key, std::move(v));
}
void GgufWriter::set_f32(const std::string& key, float x) {
  GgufValue v = scalar(GgufValueType::f32);
  v.real = x;
  set(key, std::move(v));
}
void GgufWriter::set_bool(const std::string& key, bool x) {
  GgufValue v = scalar(GgufValueType::boolean);
  v.uint = x ? 1 : 0;
  set(key, std::move(v));
}
void GgufWriter::set_string(const std::string& key, const std::string& x) {
  GgufValue v = scalar(GgufValueType::string);
  v.text = x;
  set(key, std::move(v));
}
void GgufWriter::set_strings(const std::string& key, const std::vector<std::string>& x) {
  GgufValue v = scalar(GgufValueType::array);
  v.element_type = GgufValueType::string;
  v.strings = x;
  set(key, std::move(v));
}
void GgufWriter::set_f32s(const std::string& key, const std::vector<float>& x) {
  GgufValue v = scalar(GgufValueType::array);
  v.element_type = GgufValueType::f32;
  v.reals.assign(x.begin(), x.end());
  set(key, std::move(v));
}
void GgufWriter::set_i32s(const std::string& key, const std::vector<std::int32_t>& x) {
  GgufValue v = scalar(GgufValueType::array);
  v.element_type = GgufValueType::i32;
  v.ints.assign(x.begin(), x.end());
  set(key, std::move(v));
}

void GgufWriter::add_tensor(const std::string& name, std::vector<std::uint64_t> dims, std::uint32_t type_id,
                            std::string data) {
  GgufWriterTensor t;
  t.name = name;
  t.dims = std::move(dims);
  t.type_id = type_id;
  t.bytes = data.size();
  t.data = [d = std::move(data)] { return d; };
  tensors_.push_back(std::move(t));
}

void GgufWriter::add_tensor(GgufWriterTensor tensor) { tensors_.push_back(std::move(tensor)); }

std::string GgufWriter::header_and_infos() const {
  std::string out;
  put<std::uint32_t>(out, magic);
  put<std::uint32_t>(out, version);
  put<std::uint64_t>(out, tensors_.size());
  put<std::uint64_t>(out, metadata_count_);
  out += metadata_;
  std::uint64_t offset = 0;
  for (const GgufWriterTensor& t : tensors_) {
    put_string(out, t.name);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(t.dims.size()));
    for (std::uint64_t d : t.dims) put<std::uint64_t>(out, d);
    put<std::uint32_t>(out, t.type_id);
    put<std::uint64_t>(out, t.offset_override.value_or(offset));
    offset = align_up(offset + t.bytes, alignment_);
  }
  out.resize(align_up(out.size(), alignment_), '\0');
  return out;
}

std::string GgufWriter::bytes() const {
  std::string out = header_and_infos();
  const std::uint64_t data_start = out.size();
  for (const GgufWriterTensor& t : tensors_) {
    out.resize(data_start + align_up(out.size() - data_start, alignment_), '\0');
    out += t.data();
  }
  return out;
}

Status GgufWriter::write(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Error{"cannot create the file", path};
  const std::string header = header_and_infos();
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  std::uint64_t written = 0;
  for (const GgufWriterTensor& t : tensors_) {
    const std::uint64_t padded = align_up(written, alignment_);
    const std::string pad(padded - written, '\0');
    out.write(pad.data(), static_cast<std::streamsize>(pad.size()));
    const std::string data = t.data();
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    written = padded + data.size();
  }
  if (!out) return Error{"cannot write the file", path};
  return {};
}

std::uint16_t f32_to_f16_bits(float value) {
  std::uint32_t x;
  std::memcpy(&x, &value, 4);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  const std::uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u)
    return static_cast<std::uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds to >= 65520: infinity
  if (abs < 0x38800000u) {
    // Subnormal half (or zero): value / 2^-24, rounded to nearest even.
    float f;
    std::memcpy(&f, &abs, 4);
    const float scaled = f * 16777216.0f;  // exact: a power-of-two scale
    return static_cast<std::uint16_t>(sign | static_cast<std::uint32_t>(std::nearbyint(scaled)));
  }
  const std::uint32_t mantissa_round = abs + 0xfffu + ((abs >> 13) & 1u);
  return static_cast<std::uint16_t>(sign | ((mantissa_round - 0x38000000u) >> 13));
}

float f16_bits_to_f32(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  const std::uint32_t mantissa = h & 0x3ffu;
  float f;
  if (exponent == 0) {
    f = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -f : f;
  }
  std::uint32_t bits;
  if (exponent == 31)
    bits = sign | 0x7f800000u | (mantissa << 13);
  else
    bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  std::memcpy(&f, &bits, 4);
  return f;
}

std::uint16_t f32_to_bf16_bits(float value) {
  std::uint32_t x;
  std::memcpy(&x, &value, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((x >> 16) | 0x40u);  // quiet NaN
  return static_cast<std::uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

std::string encode_tensor(std::span<const float> values, std::uint32_t type_id) {
  std::string out;
  switch (type_id) {
    case kGgmlF32:
      for (float v : values) put<float>(out, v);
      break;
    case kGgmlF16:
      for (float v : values) put<std::uint16_t>(out, f32_to_f16_bits(v));
      break;
    case kGgmlBF16:
      for (float v : values) put<std::uint16_t>(out, f32_to_bf16_bits(v));
      break;
    case kGgmlQ8_0:
      for (std::size_t b = 0; b + 32 <= values.size(); b += 32) {
        float amax = 0;
        for (std::size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(values[b + j]));
        const float d = amax / 127.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        put<std::uint16_t>(out, f32_to_f16_bits(d));
        for (std::size_t j = 0; j < 32; ++j)
          put<std::int8_t>(out, static_cast<std::int8_t>(std::lround(values[b + j] * id)));
      }
      break;
    case kGgmlQ4_0:
      for (std::size_t b = 0; b + 32 <= values.size(); b += 32) {
        float amax = 0, max = 0;
        for (std::size_t j = 0; j < 32; ++j)
          if (std::fabs(values[b + j]) > amax) {
            amax = std::fabs(values[b + j]);
            max = values[b + j];
          }
        const float d = max / -8.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        put<std::uint16_t>(out, f32_to_f16_bits(d));
        for (std::size_t j = 0; j < 16; ++j) {
          const int lo = std::min(15, static_cast<int>(values[b + j] * id + 8.5f));
          const int hi = std::min(15, static_cast<int>(values[b + j + 16] * id + 8.5f));
          put<std::uint8_t>(out, static_cast<std::uint8_t>(lo | (hi << 4)));
        }
      }
      break;
    default:
      break;
  }
  return out;
}

}  // namespace specmap::formats
