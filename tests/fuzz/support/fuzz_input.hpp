// Helpers shared by the fuzz targets: one input split into sections (so a
// seed stays readable text: a file, "\n%%\n", the next file...), a small
// deterministic PRNG seeded from the bytes (chunk boundaries that change with
// every mutation, yet replay identically), and the one way a target reports
// a broken invariant (abort with a message, which libFuzzer and the replay
// test both treat as a failure).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace jobmon::fuzz {

inline constexpr std::string_view section_separator = "\n%%\n";

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Sections of the input, at most `max_sections` (the last one keeps the rest).
inline std::vector<std::string_view> sections(std::string_view input, std::size_t max_sections) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < max_sections) {
    const auto at = input.find(section_separator);
    if (at == std::string_view::npos) break;
    out.push_back(input.substr(0, at));
    input.remove_prefix(at + section_separator.size());
  }
  out.push_back(input);
  return out;
}

// Lines of a section, without their '\n'.
inline std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// splitmix64 seeded with FNV-1a of the input.
class Prng {
 public:
  explicit Prng(std::string_view seed) {
    state_ = 1469598103934665603ull;
    for (unsigned char c : seed) state_ = (state_ ^ c) * 1099511628211ull;
  }
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t bound) { return bound == 0 ? 0 : next() % bound; }

 private:
  std::uint64_t state_;
};

[[noreturn]] inline void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  if (!detail.empty()) std::fprintf(stderr, "%.*s\n", static_cast<int>(detail.size() > 4000 ? 4000 : detail.size()), detail.data());
  std::abort();
}

// True when JOBMON_FUZZ_TOLERATE (comma-separated) names `key`: a long run
// can then look past an invariant the library is known to break until its
// fix lands (see KNOWN_FAILING), e.g. JOBMON_FUZZ_TOLERATE=hub-protocols.
inline bool tolerated(std::string_view key) {
  const char* list = std::getenv("JOBMON_FUZZ_TOLERATE");
  if (list == nullptr) return false;
  for (std::string_view rest = list; !rest.empty();) {
    const auto comma = rest.find(',');
    if (rest.substr(0, comma) == key) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace jobmon::fuzz
