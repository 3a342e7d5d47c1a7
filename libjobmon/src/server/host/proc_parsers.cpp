#include "server/host/proc_parsers.hpp"

#include <sstream>

namespace jobmon::detail {

std::optional<CpuTimes> parse_proc_stat(const std::string& text) {
  std::istringstream in(text);
  std::string label;
  in >> label;
  if (label != "cpu") return std::nullopt;
  std::uint64_t values[10] = {};
  int n = 0;
  while (n < 10 && in >> values[n]) ++n;
  if (n < 4) return std::nullopt;
  CpuTimes t;
  for (int i = 0; i < n && i < 8; ++i) t.total += values[i];  // guest time is already in user
  t.busy = t.total - values[3] - (n > 4 ? values[4] : 0);     // minus idle and iowait
  return t;
}

bool parse_meminfo(const std::string& text, std::uint64_t& total, std::uint64_t& available) {
  std::istringstream in(text);
  std::string key;
  std::uint64_t value = 0;
  std::string unit;
  bool have_total = false, have_available = false;
  while (in >> key >> value) {
    std::getline(in, unit);
    if (key == "MemTotal:") {
      total = value * 1024;
      have_total = true;
    } else if (key == "MemAvailable:") {
      available = value * 1024;
      have_available = true;
    }
  }
  return have_total && have_available;
}

bool parse_net_dev(const std::string& text, std::uint64_t& rx, std::uint64_t& tx) {
  std::istringstream in(text);
  std::string line;
  rx = tx = 0;
  bool any = false;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    if (name == "lo") continue;
    std::istringstream fields(line.substr(colon + 1));
    std::uint64_t v[9] = {};
    for (auto& x : v) fields >> x;
    if (!fields) continue;
    rx += v[0];
    tx += v[8];
    any = true;
  }
  return any;
}

}  // namespace jobmon::detail
