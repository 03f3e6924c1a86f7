#include "runtime/formats/gguf_file.h"

#include <cstring>
#include <limits>

namespace specmap::formats {

namespace {

std::string at_byte(std::uint64_t offset) { return " (at byte " + std::to_string(offset) + ")"; }

// Reads little-endian values from the buffer; every read checks the bytes are there first.
// Errors are thrown as InputError and turned into a Result by parse_gguf.
class Cursor {
 public:
  Cursor(std::span<const std::uint8_t> bytes, const std::string& label) : bytes_(bytes), label_(label) {}

  [[nodiscard]] std::uint64_t pos() const { return pos_; }
  [[nodiscard]] std::uint64_t remaining() const { return bytes_.size() - pos_; }

  [[noreturn]] void fail(const std::string& message, std::uint64_t offset,
                         const std::string& key = "") const {
    throw InputError{Error{message + at_byte(offset), label_, 0, 0, key}};
  }

  // `what` names the field for the message when the file ends before it.
  void need(std::uint64_t n, const char* what, const std::string& key = "") const {
    if (n > remaining())
      fail(std::string("file is truncated: ") + what + " needs " + std::to_string(n) + " bytes, " +
               std::to_string(remaining()) + " left",
           pos_, key);
  }

  template <class T>
  T read(const char* what, const std::string& key = "") {
    need(sizeof(T), what, key);
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));  // the host is little-endian like the file
    pos_ += sizeof(T);
    return value;
  }

  std::string read_string(const char* what, std::uint64_t max_length, const std::string& key = "") {
    const std::uint64_t start = pos_;
    const auto length = read<std::uint64_t>(what, key);
    if (length > max_length)
      fail(std::string(what) + " is " + std::to_string(length) + " bytes long, more than the " +
               std::to_string(max_length) + " allowed",
           start, key);
    need(length, what, key);
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), static_cast<std::size_t>(length));
    pos_ += length;
    return s;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  const std::string& label_;
  std::uint64_t pos_ = 0;
};

GgufValueType read_value_type(Cursor& in, const std::string& key) {
  const std::uint64_t at = in.pos();
  const auto raw = in.read<std::uint32_t>("value type", key);
  if (raw >= kGgufValueTypeCount) in.fail("unknown value type " + std::to_string(raw), at, key);
  return static_cast<GgufValueType>(raw);
}

void read_scalar(Cursor& in, GgufValueType type, GgufValue& v, const std::string& key) {
  switch (type) {
    case GgufValueType::u8:
      v.uint = in.read<std::uint8_t>("u8 value", key);
      break;
    case GgufValueType::u16:
      v.uint = in.read<std::uint16_t>("u16 value", key);
      break;
    case GgufValueType::u32:
      v.uint = in.read<std::uint32_t>("u32 value", key);
      break;
    case GgufValueType::u64:
      v.uint = in.read<std::uint64_t>("u64 value", key);
      break;
    case GgufValueType::i8:
      v.sint = in.read<std::int8_t>("i8 value", key);
      break;
    case GgufValueType::i16:
      v.sint = in.read<std::int16_t>("i16 value", key);
      break;
    case GgufValueType::i32:
      v.sint = in.read<std::int32_t>("i32 value", key);
      break;
    case GgufValueType::i64:
      v.sint = in.read<std::int64_t>("i64 value", key);
      break;
    case GgufValueType::f32:
      v.real = in.read<float>("f32 value", key);
      break;
    case GgufValueType::f64:
      v.real = in.read<double>("f64 value", key);
      break;
    case GgufValueType::boolean: {
      const std::uint64_t at = in.pos();
      const auto b = in.read<std::uint8_t>("bool value", key);
      if (b > 1) in.fail("bool value is " + std::to_string(b) + ", not 0 or 1", at, key);
      v.uint = b;
      break;
    }
    case GgufValueType::string:
      v.text = in.read_string("string value", std::numeric_limits<std::uint64_t>::max(), key);
      break;
    case GgufValueType::array:
      break;  // handled by read_value
  }
}

void read_value(Cursor& in, GgufValueType type, GgufValue& v, const std::string& key, int depth);

void read_array(Cursor& in, GgufValue& v, const std::string& key, int depth) {
  if (depth >= kGgufMaxArrayNesting)
    in.fail("arrays nested deeper than " + std::to_string(kGgufMaxArrayNesting), in.pos(), key);
  v.element_type = read_value_type(in, key);
  const std::uint64_t count_at = in.pos();
  const auto count = in.read<std::uint64_t>("array length", key);
  // Each element takes at least this many bytes, so a count the file cannot hold is caught
  // before anything is allocated for it.
  std::uint64_t min_size = gguf_value_type_size(v.element_type);
  if (v.element_type == GgufValueType::string) min_size = 8;
  if (v.element_type == GgufValueType::array) min_size = 12;
  if (count > in.remaining() / min_size)
    in.fail("file is truncated or corrupt: array of " + std::to_string(count) + " " +
                std::string(gguf_value_type_name(v.element_type)) + " elements does not fit in the " +
                std::to_string(in.remaining()) + " bytes left",
            count_at, key);
  const auto n = static_cast<std::size_t>(count);
  GgufValue element;
  switch (v.element_type) {
    case GgufValueType::string:
      v.strings.reserve(n);
      for (std::size_t i = 0; i < n; ++i)
        v.strings.push_back(in.read_string("string element", std::numeric_limits<std::uint64_t>::max(), key));
      break;
    case GgufValueType::array:
      v.arrays.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        v.arrays[i].offset = in.pos();
        read_value(in, GgufValueType::array, v.arrays[i], key, depth + 1);
      }
      break;
    case GgufValueType::f32:
    case GgufValueType::f64:
      v.reals.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        read_scalar(in, v.element_type, element, key);
        v.reals.push_back(element.real);
      }
      break;
    default:
      v.ints.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        read_scalar(in, v.element_type, element, key);
        const bool is_signed = v.element_type == GgufValueType::i8 || v.element_type == GgufValueType::i16 ||
                               v.element_type == GgufValueType::i32 || v.element_type == GgufValueType::i64;
        v.ints.push_back(is_signed ? element.sint : static_cast<std::int64_t>(element.uint));
      }
      break;
  }
}

void read_value(Cursor& in, GgufValueType type, GgufValue& v, const std::string& key, int depth) {
  v.type = type;
  if (type == GgufValueType::array)
    read_array(in, v, key, depth);
  else
    read_scalar(in, type, v, key);
}

bool is_power_of_two(std::uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

void read_alignment(Cursor& in, const GgufKeyValue& kv, GgufFile& file) {
  if (kv.value.type != GgufValueType::u32)
    in.fail("general.alignment must be a u32, found " + std::string(gguf_value_type_name(kv.value.type)),
            kv.value.offset, kv.key);
  if (!is_power_of_two(kv.value.uint) || kv.value.uint % 8 != 0)
    in.fail(
        "general.alignment " + std::to_string(kv.value.uint) + " is not a power of two and a multiple of 8",
        kv.value.offset, kv.key);
  file.alignment = kv.value.uint;
}

std::string tensor_label(const std::string& name) { return "tensor '" + name + "'"; }

GgufTensorInfo read_tensor_info(Cursor& in) {
  GgufTensorInfo t;
  t.info_offset = in.pos();
  t.name = in.read_string("tensor name", kGgufMaxTensorName);
  const std::string who = tensor_label(t.name);
  const std::uint64_t dims_at = in.pos();
  const auto n_dims = in.read<std::uint32_t>("tensor dimension count");
  if (n_dims == 0 || n_dims > kGgufMaxDims)
    in.fail(who + ": " + std::to_string(n_dims) + " dimensions (1 to " + std::to_string(kGgufMaxDims) +
                " allowed)",
            dims_at);
  std::uint64_t elements = 1;
  for (std::uint32_t d = 0; d < n_dims; ++d) {
    const std::uint64_t at = in.pos();
    const auto dim = in.read<std::uint64_t>("tensor dimension");
    if (dim == 0) in.fail(who + ": dimension " + std::to_string(d) + " is 0", at);
    if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / elements)
      in.fail(who + ": the product of its dimensions overflows 63 bits", at);
    elements *= dim;
    t.dims.push_back(dim);
  }
  const std::uint64_t type_at = in.pos();
  const auto type_id = in.read<std::uint32_t>("tensor type");
  const std::optional<GgufTensorType> type = gguf_tensor_type(type_id);
  if (!type)
    in.fail(who + " has type " + describe_ggml_type(type_id) +
                ", which specmap does not read (f32, f16, bf16, q8_0 and q4_0 are supported)",
            type_at);
  t.type = *type;
  const std::uint64_t block = gguf_block_elements(t.type);
  if (t.dims[0] % block != 0)
    in.fail(who + ": row length " + std::to_string(t.dims[0]) + " is not a multiple of the " +
                std::to_string(block) + "-weight blocks of " + std::string(gguf_tensor_type_name(t.type)),
            dims_at);
  // elements < 2^63 and block bytes <= 34 per 32 elements (or 4 per element): no overflow in 64 bits
  // after dividing first.
  const std::uint64_t blocks = elements / block;
  if (blocks > std::numeric_limits<std::uint64_t>::max() / gguf_block_bytes(t.type))
    in.fail(who + ": data size overflows 64 bits", dims_at);
  t.bytes = blocks * gguf_block_bytes(t.type);
  t.offset = in.read<std::uint64_t>("tensor data offset");
  return t;
}

void check_tensor_data(Cursor& in, GgufFile& file, std::span<const std::uint8_t> bytes) {
  const std::uint64_t data_size = file.file_size - file.data_offset;
  for (GgufTensorInfo& t : file.tensors) {
    const std::string who = tensor_label(t.name);
    // The offset field is the last 8 bytes of the tensor info.
    if (t.offset % file.alignment != 0)
      in.fail(who + ": data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                  std::to_string(file.alignment),
              t.info_offset);
    if (t.offset > data_size || t.bytes > data_size - t.offset)
      in.fail(who + ": data at file bytes " + std::to_string(file.data_offset) + " + " +
                  std::to_string(t.offset) + ", " + std::to_string(t.bytes) +
                  " bytes, extends beyond the end of the file (" + std::to_string(file.file_size) + " bytes)",
              t.info_offset);
    t.data = bytes.subspan(static_cast<std::size_t>(file.data_offset + t.offset),
                           static_cast<std::size_t>(t.bytes));
  }
}

}  // namespace

struct GgufReader {
  static GgufFile parse(std::span<const std::uint8_t> bytes, const std::string& label);
};

GgufFile GgufReader::parse(std::span<const std::uint8_t> bytes, const std::string& label) {
  Cursor in(bytes, label);
  GgufFile file;
  file.label = label;
  file.file_size = bytes.size();
  const auto magic = in.read<std::uint32_t>("magic");
  if (magic != kGgufMagic) in.fail("not a GGUF file: the magic is not 'GGUF'", 0);
  file.version = in.read<std::uint32_t>("version");
  if (file.version != kGgufVersion)
    in.fail("GGUF version " + std::to_string(file.version) + " is not supported (only version 3)", 4);
  const std::uint64_t counts_at = in.pos();
  const auto tensor_count = in.read<std::uint64_t>("tensor count");
  const auto kv_count = in.read<std::uint64_t>("metadata key/value count");
  // A key/value takes at least 8 + 4 + 1 bytes and a tensor info at least 8 + 4 + 8 + 4 + 8.
  if (kv_count > in.remaining() / 13)
    in.fail(
        "file is truncated or corrupt: " + std::to_string(kv_count) + " metadata key/values cannot fit in it",
        counts_at + 8);
  if (tensor_count > in.remaining() / 32)
    in.fail(
        "file is truncated or corrupt: " + std::to_string(tensor_count) + " tensor infos cannot fit in it",
        counts_at);

  file.metadata.reserve(static_cast<std::size_t>(kv_count));
  for (std::uint64_t i = 0; i < kv_count; ++i) {
    GgufKeyValue kv;
    kv.offset = in.pos();
    kv.key = in.read_string("metadata key", kGgufMaxKey);
    if (kv.key.empty()) in.fail("empty metadata key", kv.offset);
    const GgufValueType type = read_value_type(in, kv.key);
    kv.value.offset = in.pos();
    read_value(in, type, kv.value, kv.key, 0);
    if (!file.key_index_.emplace(kv.key, file.metadata.size()).second)
      in.fail("metadata key appears twice", kv.offset, kv.key);
    if (kv.key == "general.alignment") read_alignment(in, kv, file);
    file.metadata.push_back(std::move(kv));
  }

  file.tensors.reserve(static_cast<std::size_t>(tensor_count));
  for (std::uint64_t i = 0; i < tensor_count; ++i) {
    GgufTensorInfo t = read_tensor_info(in);
    if (!file.tensor_index_.emplace(t.name, file.tensors.size()).second)
      in.fail(tensor_label(t.name) + " appears twice", t.info_offset);
    file.tensors.push_back(std::move(t));
  }

  const std::uint64_t end_of_infos = in.pos();
  file.data_offset = end_of_infos + (file.alignment - end_of_infos % file.alignment) % file.alignment;
  if (!file.tensors.empty() && file.data_offset > file.file_size)
    in.fail("file is truncated: the data section would start at byte " + std::to_string(file.data_offset) +
                ", after the end of the file (" + std::to_string(file.file_size) + " bytes)",
            end_of_infos);
  if (file.data_offset > file.file_size) file.data_offset = file.file_size;
  check_tensor_data(in, file, bytes);
  return file;
}

namespace {
bool is_signed_type(GgufValueType t) {
  return t == GgufValueType::i8 || t == GgufValueType::i16 || t == GgufValueType::i32 ||
         t == GgufValueType::i64;
}
}  // namespace

std::size_t GgufValue::array_size() const {
  switch (element_type) {
    case GgufValueType::string:
      return strings.size();
    case GgufValueType::array:
      return arrays.size();
    case GgufValueType::f32:
    case GgufValueType::f64:
      return reals.size();
    default:
      return ints.size();
  }
}

bool GgufValue::is_integer() const {
  switch (type) {
    case GgufValueType::u8:
    case GgufValueType::u16:
    case GgufValueType::u32:
    case GgufValueType::u64:
    case GgufValueType::i8:
    case GgufValueType::i16:
    case GgufValueType::i32:
    case GgufValueType::i64:
      return true;
    default:
      return false;
  }
}

std::uint64_t GgufTensorInfo::elements() const {
  std::uint64_t n = 1;
  for (std::uint64_t d : dims) n *= d;  // bounded below 2^63 by the reader
  return n;
}

const GgufKeyValue* GgufFile::find(const std::string& key) const {
  auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata[it->second];
}

const GgufTensorInfo* GgufFile::tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors[it->second];
}

Error GgufFile::key_error(const std::string& key, const std::string& message) const {
  const GgufKeyValue* kv = find(key);
  if (kv == nullptr)
    return Error{message + " (the metadata ends at byte " + std::to_string(metadata_end()) + ")", label, 0, 0,
                 key};
  return Error{message + at_byte(kv->value.offset), label, 0, 0, key};
}

Error GgufFile::tensor_error(const GgufTensorInfo& tensor, const std::string& message) const {
  return Error{tensor_label(tensor.name) + ": " + message + " (tensor info at byte " +
                   std::to_string(tensor.info_offset) + ")",
               label};
}

std::uint64_t GgufFile::metadata_end() const {
  if (!tensors.empty()) return tensors.front().info_offset;
  return data_offset;
}

Result<std::uint64_t> GgufFile::uint_value(const std::string& key) const {
  const GgufKeyValue* kv = find(key);
  if (kv == nullptr) return key_error(key, "missing metadata key");
  const GgufValue& v = kv->value;
  if (!v.is_integer())
    return key_error(key, "expected an integer, found " + std::string(gguf_value_type_name(v.type)));
  const bool is_signed = is_signed_type(v.type);
  if (is_signed && v.sint < 0)
    return key_error(key, "expected a non-negative integer, found " + std::to_string(v.sint));
  return is_signed ? static_cast<std::uint64_t>(v.sint) : v.uint;
}

Result<double> GgufFile::real_value(const std::string& key) const {
  const GgufKeyValue* kv = find(key);
  if (kv == nullptr) return key_error(key, "missing metadata key");
  const GgufValue& v = kv->value;
  if (v.type == GgufValueType::f32 || v.type == GgufValueType::f64) return v.real;
  if (v.is_integer()) return is_signed_type(v.type) ? double(v.sint) : double(v.uint);
  return key_error(key, "expected a number, found " + std::string(gguf_value_type_name(v.type)));
}

Result<std::string> GgufFile::string_value(const std::string& key) const {
  const GgufKeyValue* kv = find(key);
  if (kv == nullptr) return key_error(key, "missing metadata key");
  if (kv->value.type != GgufValueType::string)
    return key_error(key, "expected a string, found " + std::string(gguf_value_type_name(kv->value.type)));
  return kv->value.text;
}

Result<bool> GgufFile::bool_value(const std::string& key) const {
  const GgufKeyValue* kv = find(key);
  if (kv == nullptr) return key_error(key, "missing metadata key");
  if (kv->value.type != GgufValueType::boolean)
    return key_error(key, "expected a bool, found " + std::string(gguf_value_type_name(kv->value.type)));
  return kv->value.uint != 0;
}

Result<GgufFile> parse_gguf(std::span<const std::uint8_t> bytes, const std::string& label) {
  try {
    return GgufReader::parse(bytes, label);
  } catch (const InputError& e) {
    return e.error;
  } catch (const std::bad_alloc&) {
    return Error{"not enough memory to read the file's metadata", label};
  }
}

Result<GgufFile> open_gguf(const std::string& path) {
  auto mapping = MappedFile::open(path);
  if (!mapping) return mapping.error();
  Result<GgufFile> file = parse_gguf((*mapping)->bytes(), path);
  if (!file) return file.error();
  file->mapping_ = std::move(mapping).value();
  return file;
}

}  // namespace specmap::formats
