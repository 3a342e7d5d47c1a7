#include "training/events/crc32c.hpp"

#include <array>
#include <cstring>

namespace jobmon::detail {
namespace {

constexpr std::uint32_t castagnoli_reflected = 0x82f63b78u;

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) ? (crc >> 1) ^ castagnoli_reflected : crc >> 1;
    table[i] = crc;
  }
  return table;
}

constexpr auto table = make_table();

std::uint32_t table_update(std::uint32_t crc, const unsigned char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xffu] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t hardware_update(std::uint32_t crc, const unsigned char* p,
                                                               std::size_t n) {
  std::uint64_t wide = crc;
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);  // unaligned load without UB
    wide = __builtin_ia32_crc32di(wide, word);
    p += 8;
    n -= 8;
  }
  auto narrow = static_cast<std::uint32_t>(wide);
  while (n > 0) {
    narrow = __builtin_ia32_crc32qi(narrow, *p);
    ++p;
    --n;
  }
  return narrow;
}

bool has_sse42() {
  static const bool yes = __builtin_cpu_supports("sse4.2");
  return yes;
}
#else
bool has_sse42() { return false; }
#endif

}  // namespace

std::uint32_t crc32c(std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
#if defined(__x86_64__)
  if (has_sse42()) return ~hardware_update(~0u, p, data.size());
#endif
  return ~table_update(~0u, p, data.size());
}

std::uint32_t crc32c_table(std::string_view data) {
  return ~table_update(~0u, reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

const char* crc32c_implementation() { return has_sse42() ? "sse4.2" : "table"; }

}  // namespace jobmon::detail
