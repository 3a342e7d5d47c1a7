// A bounds-checked reader for the Thrift compact protocol, just enough to
// walk a Parquet FileMetaData: field headers, integers, binaries, and
// skipping any value. Every length is checked against the bytes left and
// nesting is bounded, so hostile input ends in a FormatError.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace jobmon::detail {

enum class ThriftType : std::uint8_t {
  stop = 0, bool_true = 1, bool_false = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6,
  double_ = 7, binary = 8, list = 9, set = 10, map = 11, struct_ = 12, uuid = 13,
};

struct ThriftFieldHeader {
  ThriftType type = ThriftType::stop;
  std::int32_t id = 0;
};

struct ThriftListHeader {
  ThriftType element = ThriftType::stop;
  std::uint64_t size = 0;
};

class ThriftCompactReader {
 public:
  ThriftCompactReader(std::string_view data, int max_depth) : data_(data), max_depth_(max_depth) {}

  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }

  // Reads the next field header of the current struct; `previous_id` is the
  // id of the previous field of the same struct (0 at its start).
  ThriftFieldHeader read_field_header(std::int32_t previous_id);
  ThriftListHeader read_list_header();

  std::uint64_t read_varint();
  std::int64_t read_zigzag64();
  std::int32_t read_zigzag32();
  std::string_view read_binary();

  // Skips a value of `type` (a field's value; bools in fields carry no bytes).
  void skip(ThriftType type) { skip_value(type, false, 0); }
  // Skips the rest of a struct whose header was just consumed.
  void skip_struct_body(int depth) { skip_struct(depth); }

 private:
  std::uint8_t read_byte();
  void need(std::uint64_t bytes) const;
  void skip_value(ThriftType type, bool in_container, int depth);
  void skip_struct(int depth);
  void skip_elements(ThriftType element, std::uint64_t count, int depth);
  [[noreturn]] void fail(const std::string& what) const;

  std::string_view data_;
  std::size_t pos_ = 0;
  int max_depth_;
};

}  // namespace jobmon::detail
