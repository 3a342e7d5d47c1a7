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

struct WireField {
  std::uint32_t number = 0;
  WireType type = WireType::varint;
  std::uint64_t integer = 0;  // varint, fixed32 or fixed64 bits
  std::string_view bytes;     // length_delimited: the payload
};

class WireReader {
 public:
  explicit WireReader(std::string_view message) : data_(message) {}

  // The next field, or false at the end of the message or when it is malformed.
  bool next(WireField& field);
  bool malformed() const { return malformed_; }

 private:
  bool read_varint(std::uint64_t& value);
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

// Little-endian loads from a byte view the caller has checked is long enough.
std::uint32_t load_le32(const char* p);
std::uint64_t load_le64(const char* p);

}  // namespace jobmon::detail
