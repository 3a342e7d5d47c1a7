#include "jobmon/clock.hpp"

#include <chrono>
#include <cmath>
#include <ctime>

namespace jobmon {

double wall_clock_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

namespace {
std::string format_with(double epoch_seconds, const char* format, bool utc) {
  // Beyond year ~33,000 (or before 1 AD) is garbage input; time_t conversion would be undefined.
  if (!std::isfinite(epoch_seconds) || std::fabs(epoch_seconds) > 1e12) return "-";
  const std::time_t t = static_cast<std::time_t>(std::floor(epoch_seconds));
  std::tm parts{};
  if (utc) gmtime_r(&t, &parts);
  else localtime_r(&t, &parts);
  char buffer[64];
  const std::size_t n = std::strftime(buffer, sizeof buffer, format, &parts);
  return std::string(buffer, n);
}
}  // namespace

std::string format_timestamp(double epoch_seconds, bool utc) {
  return utc ? format_with(epoch_seconds, "%Y-%m-%d %H:%M:%S UTC", true)
             : format_with(epoch_seconds, "%Y-%m-%d %H:%M:%S", false);
}

std::string format_iso8601(double epoch_seconds) { return format_with(epoch_seconds, "%Y-%m-%dT%H:%M:%SZ", true); }

}  // namespace jobmon
