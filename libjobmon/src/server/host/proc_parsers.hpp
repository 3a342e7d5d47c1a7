// Parsers for the /proc text HostResources samples (Linux formats).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace jobmon::detail {

struct CpuTimes {
  std::uint64_t busy = 0, total = 0;  // jiffies since boot
};

// The aggregate "cpu" line of /proc/stat; nullopt when it is missing or short.
std::optional<CpuTimes> parse_proc_stat(const std::string& text);
// MemTotal and MemAvailable of /proc/meminfo, in bytes; false unless both are there.
bool parse_meminfo(const std::string& text, std::uint64_t& total, std::uint64_t& available);
// Bytes received and sent over every interface but lo (/proc/net/dev); false when none is listed.
bool parse_net_dev(const std::string& text, std::uint64_t& rx, std::uint64_t& tx);

}  // namespace jobmon::detail
