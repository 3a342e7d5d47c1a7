// Timestamps in S3 answers: ISO 8601 in listings, RFC 7231 in HTTP headers.
#include "core/text/iso8601.hpp"
#include "storage/s3_protocol.hpp"

namespace jobmon::detail {

// The strict form S3 writes: 'T', an optional '.' fraction, and 'Z'.
std::optional<double> parse_iso8601_utc(std::string_view s) {
  const auto fields = detail::scan_iso8601(s);
  if (!fields || fields->separator != 'T' || fields->fraction_mark == ',' || fields->zone != 'Z')
    return std::nullopt;
  long nanos = 0, scale = 100000000;  // digits after the ninth add nothing
  for (const char d : fields->fraction_digits) {
    nanos += (d - '0') * scale;
    scale /= 10;
  }
  // Same arithmetic as LocalStorage (sec + nsec * 1e-9), so a local copy with
  // the same times compares equal to the last bit.
  return static_cast<double>(*detail::civil_to_epoch(fields->civil)) + static_cast<double>(nanos) * 1e-9;
}

std::optional<double> parse_http_date(std::string_view s) {
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Sun, 22 Nov 2026 01:50:56 GMT"
  detail::CivilTime t;
  if (s.size() != 29 || s[3] != ',' || !detail::fixed_digits(s, 5, 2, t.day) ||
      !detail::fixed_digits(s, 12, 4, t.year) || !detail::fixed_digits(s, 17, 2, t.hour) ||
      !detail::fixed_digits(s, 20, 2, t.minute) || !detail::fixed_digits(s, 23, 2, t.second) ||
      s.substr(26) != "GMT")
    return std::nullopt;
  const std::string_view mon = s.substr(8, 3);
  for (int m = 0; m < 12; ++m) {
    if (mon != months[m]) continue;
    t.month = m + 1;
    const auto epoch = detail::civil_to_epoch(t);
    if (!epoch) return std::nullopt;
    return static_cast<double>(*epoch);
  }
  return std::nullopt;
}

}  // namespace jobmon::detail
