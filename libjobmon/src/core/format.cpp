#include "jobmon/format.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/text/utf8.hpp"

namespace jobmon {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  if (seconds < 0) seconds = 0;
  const auto total = static_cast<std::int64_t>(std::llround(seconds));
  const std::int64_t days = total / 86400, hours = total % 86400 / 3600, minutes = total % 3600 / 60, secs = total % 60;
  if (days >= 1000) return fmt::format("{}d", days);
  if (days > 0) return fmt::format("{}d {:02}h", days, hours);
  if (hours > 0) return fmt::format("{}h {:02}m", hours, minutes);
  if (minutes > 0) return fmt::format("{}m {:02}s", minutes, secs);
  return fmt::format("{}s", secs);
}

std::string format_count(double value) {
  if (!std::isfinite(value)) return "?";
  const double a = std::fabs(value);
  if (a < 1000) return fmt::format("{}", static_cast<std::int64_t>(std::llround(value)));
  if (a < 1e6) return fmt::format("{:.1f}k", value / 1e3);
  if (a < 1e9) return fmt::format("{:.1f}M", value / 1e6);
  if (a < 1e12) return fmt::format("{:.1f}B", value / 1e9);
  return fmt::format("{:.1f}T", value / 1e12);
}

std::string format_thousands(std::int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[i]);
    if ((n - i - 1) % 3 == 0 && i + 1 < n) out.push_back(',');
  }
  return value < 0 ? "-" + out : out;
}

std::string shell_quote(std::string_view text) {
  constexpr std::string_view plain = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./:=,+@%";
  if (!text.empty() && text.find_first_not_of(plain) == std::string_view::npos) return std::string(text);
  std::string shown;
  detail::append_terminal_safe(shown, text);
  if (shown == text) {  // printable: single quotes, each ' as '\''
    std::string out = "'";
    for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }
  // Controls or bytes that are not UTF-8: every byte outside printable ASCII
  // as \xNN, which bash's $'...' turns back into that byte.
  std::string out = "$'";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) out += fmt::format("\\x{:02x}", byte);
    else if (c == '\'' || c == '\\') out += std::string("\\") + c;
    else out += c;
  }
  return out + "'";
}

}  // namespace jobmon
