#include "training/events/protobuf_wire.hpp"

namespace jobmon::detail {

bool WireReader::read_long_varint(std::uint64_t& value) {
  value = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos_ >= data_.size()) return fail();
    const auto byte = static_cast<unsigned char>(data_[pos_++]);
    value |= static_cast<std::uint64_t>(byte & 0x7fu) << (7 * i);
    if ((byte & 0x80u) == 0) return true;
  }
  return fail();  // an 11th byte: no valid varint is that long
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
