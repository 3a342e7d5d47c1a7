#include "training/events/protobuf_wire.hpp"

namespace jobmon::detail {

bool WireReader::read_varint(std::uint64_t& value) {
  value = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos_ >= data_.size()) return fail();
    const auto byte = static_cast<unsigned char>(data_[pos_++]);
    value |= static_cast<std::uint64_t>(byte & 0x7fu) << (7 * i);
    if ((byte & 0x80u) == 0) return true;
  }
  return fail();  // an 11th byte: no valid varint is that long
}

bool WireReader::next(WireField& field) {
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
      return read_varint(field.integer) || fail();
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

std::uint32_t load_le32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint32_t>(b[0]) | static_cast<std::uint32_t>(b[1]) << 8 |
         static_cast<std::uint32_t>(b[2]) << 16 | static_cast<std::uint32_t>(b[3]) << 24;
}

std::uint64_t load_le64(const char* p) {
  return static_cast<std::uint64_t>(load_le32(p)) | static_cast<std::uint64_t>(load_le32(p + 4)) << 32;
}

namespace {
void put_key(std::string& out, std::uint32_t number, WireType type) {
  put_varint(out, static_cast<std::uint64_t>(number) << 3 | static_cast<std::uint64_t>(type));
}
void put_le(std::string& out, std::uint64_t bits, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xffu));
}
}  // namespace

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80u) {
    out.push_back(static_cast<char>((value & 0x7fu) | 0x80u));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_varint_field(std::string& out, std::uint32_t number, std::uint64_t value) {
  put_key(out, number, WireType::varint);
  put_varint(out, value);
}

void put_fixed32_field(std::string& out, std::uint32_t number, std::uint32_t bits) {
  put_key(out, number, WireType::fixed32);
  put_le(out, bits, 4);
}

void put_fixed64_field(std::string& out, std::uint32_t number, std::uint64_t bits) {
  put_key(out, number, WireType::fixed64);
  put_le(out, bits, 8);
}

void put_bytes_field(std::string& out, std::uint32_t number, std::string_view bytes) {
  put_key(out, number, WireType::length_delimited);
  put_varint(out, bytes.size());
  out.append(bytes);
}

}  // namespace jobmon::detail
