// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash made for
// short inputs. Job ids are SipHash of the job's kind and path under a secret
// key, so nobody who knows a path can compute its id (or a path's id from
// another's), which FNV or any unkeyed hash would allow.
#pragma once

#include <cstdint>
#include <string_view>

namespace jobmon::detail {

struct SipKey {
  std::uint64_t k0 = 0, k1 = 0;  // the 16 key bytes read little-endian, as the reference does
};

std::uint64_t siphash24(const SipKey& key, std::string_view message);

}  // namespace jobmon::detail
