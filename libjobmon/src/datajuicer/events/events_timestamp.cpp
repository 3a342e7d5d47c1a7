// ISO-8601 timestamps as some Data-Juicer tests write them; naive times are UTC.
#include <charconv>
#include <cmath>
#include <cstdint>

#include "jobmon/datajuicer/snapshot_events.hpp"

namespace jobmon {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// well-known civil-date arithmetic, written out here from the formula).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

}  // namespace

std::optional<double> parse_iso8601(std::string_view t) {
  int year, month, day, hour, minute, second;
  if (!digits(t, 0, 4, year) || t.size() < 19 || t[4] != '-' || !digits(t, 5, 2, month) || t[7] != '-' ||
      !digits(t, 8, 2, day) || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || !digits(t, 11, 2, hour) ||
      t[13] != ':' || !digits(t, 14, 2, minute) || t[16] != ':' || !digits(t, 17, 2, second))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::size_t pos = 19;
  double fraction = 0;
  if (pos < t.size() && (t[pos] == '.' || t[pos] == ',')) {
    double scale = 0.1;
    ++pos;
    const std::size_t first = pos;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      fraction += (t[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == first) return std::nullopt;
  }
  int offset_seconds = 0;
  if (pos < t.size()) {
    const char c = t[pos];
    if ((c == 'Z' || c == 'z') && pos + 1 == t.size()) {
      ++pos;
    } else if (c == '+' || c == '-') {
      int oh, om = 0;
      if (!digits(t, pos + 1, 2, oh)) return std::nullopt;
      std::size_t after = pos + 3;
      if (after < t.size() && t[after] == ':') ++after;
      if (after < t.size()) {
        if (!digits(t, after, 2, om)) return std::nullopt;
        after += 2;
      }
      if (after != t.size() || oh > 23 || om > 59) return std::nullopt;
      offset_seconds = (oh * 3600 + om * 60) * (c == '+' ? 1 : -1);
      pos = after;
    } else {
      return std::nullopt;
    }
  }
  if (pos != t.size()) return std::nullopt;
  const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const auto whole = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return static_cast<double>(whole) + fraction;
}

}  // namespace jobmon
