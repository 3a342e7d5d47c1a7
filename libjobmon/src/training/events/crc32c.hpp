// CRC32C (Castagnoli), the checksum TFRecord frames carry: the SSE4.2 crc32
// instruction where the CPU has it (checked once at run time), a table
// otherwise. Both give the standard CRC32C (initial and final ~0).
#pragma once

#include <cstdint>
#include <string_view>

namespace jobmon::detail {

std::uint32_t crc32c(std::string_view data);

// TFRecord stores CRCs masked, since a CRC of bytes that embed CRCs is weak:
// rotated right by 15 bits plus a constant.
inline std::uint32_t mask_crc32c(std::uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

// Which implementation crc32c() uses here ("sse4.2" or "table"), for benchmarks.
const char* crc32c_implementation();
// The table form, whatever the CPU: tests compare both.
std::uint32_t crc32c_table(std::string_view data);

}  // namespace jobmon::detail
