#include "hub/thrift_compact.hpp"

#include <fmt/format.h>

#include "jobmon/error.hpp"

namespace jobmon::detail {

void ThriftCompactReader::fail(const std::string& what) const {
  throw FormatError(fmt::format("corrupt Parquet footer: {} at byte {} of {}", what, pos_, data_.size()));
}

void ThriftCompactReader::need(std::uint64_t bytes) const {
  if (bytes > remaining()) fail(fmt::format("{} bytes needed, {} left", bytes, remaining()));
}

std::uint8_t ThriftCompactReader::read_byte() {
  need(1);
  return static_cast<std::uint8_t>(data_[pos_++]);
}

std::uint64_t ThriftCompactReader::read_varint() {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    const std::uint8_t byte = read_byte();
    // The 10th byte may only carry the top bit of a 64-bit value.
    if (shift == 63 && (byte & 0x7e) != 0) fail("varint overflows 64 bits");
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  fail("varint longer than 10 bytes");
}

std::int64_t ThriftCompactReader::read_zigzag64() {
  const std::uint64_t n = read_varint();
  return static_cast<std::int64_t>((n >> 1) ^ (~(n & 1) + 1));
}

std::int32_t ThriftCompactReader::read_zigzag32() {
  const std::int64_t value = read_zigzag64();
  if (value < INT32_MIN || value > INT32_MAX) fail("i32 out of range");
  return static_cast<std::int32_t>(value);
}

std::string_view ThriftCompactReader::read_binary() {
  const std::uint64_t length = read_varint();
  need(length);
  const std::string_view out = data_.substr(pos_, static_cast<std::size_t>(length));
  pos_ += static_cast<std::size_t>(length);
  return out;
}

ThriftFieldHeader ThriftCompactReader::read_field_header(std::int32_t previous_id) {
  const std::uint8_t byte = read_byte();
  ThriftFieldHeader header;
  const std::uint8_t type = byte & 0x0f;
  if (type > static_cast<std::uint8_t>(ThriftType::uuid)) fail(fmt::format("unknown field type {}", type));
  header.type = static_cast<ThriftType>(type);
  if (header.type == ThriftType::stop) return header;
  const int delta = byte >> 4;
  // Field ids are i16; computed wide so a hostile sequence cannot overflow.
  const std::int64_t id = delta != 0 ? static_cast<std::int64_t>(previous_id) + delta : read_zigzag64();
  if (id < INT16_MIN || id > INT16_MAX) fail(fmt::format("field id {} out of range", id));
  header.id = static_cast<std::int32_t>(id);
  return header;
}

ThriftListHeader ThriftCompactReader::read_list_header() {
  const std::uint8_t byte = read_byte();
  ThriftListHeader header;
  const std::uint8_t type = byte & 0x0f;
  if (type == 0 || type > static_cast<std::uint8_t>(ThriftType::uuid)) fail(fmt::format("unknown element type {}", type));
  header.element = static_cast<ThriftType>(type);
  header.size = byte >> 4;
  if (header.size == 15) header.size = read_varint();
  // Every element takes at least one byte: a count beyond the bytes left is a lie.
  if (header.size > remaining()) fail(fmt::format("list of {} elements in {} bytes", header.size, remaining()));
  return header;
}

void ThriftCompactReader::skip_elements(ThriftType element, std::uint64_t count, int depth) {
  for (std::uint64_t i = 0; i < count; ++i) skip_value(element, true, depth);
}

void ThriftCompactReader::skip_struct(int depth) {
  if (depth > max_depth_) fail(fmt::format("nesting deeper than {}", max_depth_));
  std::int32_t previous = 0;
  for (;;) {
    const ThriftFieldHeader field = read_field_header(previous);
    if (field.type == ThriftType::stop) return;
    skip_value(field.type, false, depth);
    previous = field.id;
  }
}

void ThriftCompactReader::skip_value(ThriftType type, bool in_container, int depth) {
  switch (type) {
    case ThriftType::bool_true:
    case ThriftType::bool_false:
      if (in_container) read_byte();  // a field's bool lives in its header
      return;
    case ThriftType::byte: read_byte(); return;
    case ThriftType::i16:
    case ThriftType::i32:
    case ThriftType::i64: read_varint(); return;
    case ThriftType::double_: need(8); pos_ += 8; return;
    case ThriftType::uuid: need(16); pos_ += 16; return;
    case ThriftType::binary: read_binary(); return;
    case ThriftType::list:
    case ThriftType::set: {
      if (depth + 1 > max_depth_) fail(fmt::format("nesting deeper than {}", max_depth_));
      const ThriftListHeader list = read_list_header();
      skip_elements(list.element, list.size, depth + 1);
      return;
    }
    case ThriftType::map: {
      if (depth + 1 > max_depth_) fail(fmt::format("nesting deeper than {}", max_depth_));
      const std::uint64_t size = read_varint();
      if (size == 0) return;
      if (size > remaining() / 2) fail(fmt::format("map of {} entries in {} bytes", size, remaining()));
      const std::uint8_t types = read_byte();
      const std::uint8_t key = types >> 4, value = types & 0x0f;
      if (key == 0 || key > 13 || value == 0 || value > 13) fail("unknown map key/value type");
      for (std::uint64_t i = 0; i < size; ++i) {
        skip_value(static_cast<ThriftType>(key), true, depth + 1);
        skip_value(static_cast<ThriftType>(value), true, depth + 1);
      }
      return;
    }
    case ThriftType::struct_: skip_struct(depth + 1); return;
    case ThriftType::stop: fail("unexpected STOP");
  }
  fail("unknown type");
}

}  // namespace jobmon::detail
