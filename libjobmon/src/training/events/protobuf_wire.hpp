// A bounds-checked cursor over protobuf wire format, enough to pick the few
// fields a monitor needs out of a message without its schema compiled in:
// each field's number, wire type and value (a varint, a fixed32/fixed64 or a
// length-delimited view into the buffer). It never reads past the buffer;
// a varint over 10 bytes, a length past the end, a field number 0 or a group
// (wire types 3 and 4, long deprecated) stops it with malformed() set.
// The put_* writers below make such messages (tests, benchmarks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace jobmon::detail {

enum class WireType : std::uint8_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

// Little-endian loads from bytes the caller has checked are there (byte
// by byte: compilers make one load of it).
inline std::uint32_t load_le32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint32_t>(b[0]) | static_cast<std::uint32_t>(b[1]) << 8 |
         static_cast<std::uint32_t>(b[2]) << 16 | static_cast<std::uint32_t>(b[3]) << 24;
}
inline std::uint64_t load_le64(const char* p) {
  return static_cast<std::uint64_t>(load_le32(p)) | static_cast<std::uint64_t>(load_le32(p + 4)) << 32;
}

struct WireField {
  std::uint32_t number = 0;
  WireType type = WireType::varint;
  std::uint64_t integer = 0;  // varint, fixed32 or fixed64 bits
  std::string_view bytes;     // length_delimited: the payload
};

class WireReader {
 public:
  explicit WireReader(std::string_view message) : data_(message) {}

  // The next field, or false at the end of the message or when it is
  // malformed. Inline: it runs a few times per record of a 1 GB file.
  bool next(WireField& field) {
    if (pos_ >= data_.size()) return false;
    std::uint64_t key = 0;
    if (!read_varint(key)) return false;
    const std::uint64_t number = key >> 3;
    if (number == 0 || number > 0x1fffffffu) return fail();
    field.number = static_cast<std::uint32_t>(number);
    field.bytes = {};
    switch (key & 7u) {
      case 0:
        field.type = WireType::varint;
        return read_varint(field.integer);
      case 1:
        if (data_.size() - pos_ < 8) return fail();
        field.type = WireType::fixed64;
        field.integer = load_le64(data_.data() + pos_);
        pos_ += 8;
        return true;
      case 2: {
        std::uint64_t length = 0;
        if (!read_varint(length)) return false;
        if (length > data_.size() - pos_) return fail();
        field.type = WireType::length_delimited;
        field.bytes = data_.substr(pos_, static_cast<std::size_t>(length));
        pos_ += static_cast<std::size_t>(length);
        return true;
      }
      case 5:
        if (data_.size() - pos_ < 4) return fail();
        field.type = WireType::fixed32;
        field.integer = load_le32(data_.data() + pos_);
        pos_ += 4;
        return true;
      default:
        return fail();  // groups (3, 4) and the unused types 6, 7
    }
  }
  bool malformed() const { return malformed_; }

 private:
  bool read_varint(std::uint64_t& value) {
    if (pos_ < data_.size() && (static_cast<unsigned char>(data_[pos_]) & 0x80u) == 0) {
      value = static_cast<unsigned char>(data_[pos_++]);  // the usual one-byte key or length
      return true;
    }
    return read_long_varint(value);
  }
  bool read_long_varint(std::uint64_t& value);
  bool fail() {
    malformed_ = true;
    pos_ = data_.size();
    return false;
  }

  std::string_view data_;
  std::size_t pos_ = 0;
  bool malformed_ = false;
};

// Scalar reinterpretations of the raw bits (little-endian on the wire).
inline float wire_float(std::uint64_t bits) {
  const auto narrow = static_cast<std::uint32_t>(bits);
  float f;
  std::memcpy(&f, &narrow, sizeof f);
  return f;
}
inline double wire_double(std::uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}
// Writers, for the tests and benchmarks that make event files: one field
// each (key, then value) appended to `out`.
void put_varint(std::string& out, std::uint64_t value);
void put_varint_field(std::string& out, std::uint32_t number, std::uint64_t value);
void put_fixed32_field(std::string& out, std::uint32_t number, std::uint32_t bits);
void put_fixed64_field(std::string& out, std::uint32_t number, std::uint64_t bits);
void put_bytes_field(std::string& out, std::uint32_t number, std::string_view bytes);
inline void put_float_field(std::string& out, std::uint32_t number, float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  put_fixed32_field(out, number, bits);
}
inline void put_double_field(std::string& out, std::uint32_t number, double value) {
  std::uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  put_fixed64_field(out, number, bits);
}

}  // namespace jobmon::detail
