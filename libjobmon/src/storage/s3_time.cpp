// Timestamps in S3 answers: ISO 8601 in listings, RFC 7231 in HTTP headers.
#include <cstdio>
#include <ctime>

#include "storage/s3_protocol.hpp"

namespace jobmon::detail {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t count, int& value) {
  if (pos + count > s.size()) return false;
  value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    value = value * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<double> to_epoch(int year, int month, int day, int hour, int minute, int second) {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<double>(::timegm(&tm));
}

}  // namespace

std::optional<double> parse_iso8601_utc(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day) || s[10] != 'T' || !digits(s, 11, 2, hour) || s[13] != ':' ||
      !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second))
    return std::nullopt;
  std::size_t pos = 19;
  long nanos = 0;
  if (s[pos] == '.') {
    long scale = 100000000;
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      nanos += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  if (pos + 1 != s.size() || s[pos] != 'Z') return std::nullopt;
  auto base = to_epoch(year, month, day, hour, minute, second);
  if (!base) return std::nullopt;
  // Same arithmetic as LocalStorage (sec + nsec * 1e-9), so a local copy with
  // the same times compares equal to the last bit.
  return *base + static_cast<double>(nanos) * 1e-9;
}

std::optional<double> parse_http_date(std::string_view s) {
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Sun, 22 Nov 2026 01:50:56 GMT"
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (s.size() != 29 || s[3] != ',' || !digits(s, 5, 2, day) || !digits(s, 12, 4, year) ||
      !digits(s, 17, 2, hour) || !digits(s, 20, 2, minute) || !digits(s, 23, 2, second) || s.substr(26) != "GMT")
    return std::nullopt;
  const std::string_view mon = s.substr(8, 3);
  for (int m = 0; m < 12; ++m) {
    if (mon == months[m]) return to_epoch(year, m + 1, day, hour, minute, second);
  }
  return std::nullopt;
}

}  // namespace jobmon::detail
