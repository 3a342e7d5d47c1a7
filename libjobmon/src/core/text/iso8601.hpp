// The one ISO-8601 date-time scanner. It reads the widest grammar any caller
// accepts; each public parser (parse_iso8601, parse_iso8601_utc) narrows it
// and does its own fraction arithmetic (they differ in the last bit).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace jobmon::detail {

struct CivilTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

// "YYYY-MM-DD" ('T' | 't' | ' ') "hh:mm:ss" [('.' | ',') digits] [zone], where
// zone is 'Z', 'z', or +-HH, +-HHMM, +-HH:MM (and +-HH: reads as +-HH:00).
struct Iso8601Fields {
  CivilTime civil;
  char separator = 'T';
  char fraction_mark = 0;            // 0 when there is no fraction
  std::string_view fraction_digits;  // may be empty after a mark
  char zone = 0;                     // 0 (none), 'Z', 'z', '+' or '-'
  int offset_seconds = 0;            // signed, east of UTC
};

// nullopt unless the whole text matches and every field is in range
// (month 1-12, day 1-31, hour 0-23, minute 0-59, second 0-60).
std::optional<Iso8601Fields> scan_iso8601(std::string_view text);

// count ASCII digits at text[pos...] as a number; false when any is missing.
bool fixed_digits(std::string_view text, std::size_t pos, std::size_t count, int& out);

// Days since 1970-01-01 of a proleptic Gregorian date; a day past the end of
// its month rolls over (Feb 31 is Mar 2 or 3), as timegm does.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);

// Epoch seconds of a UTC civil time (second 60 rolls into the next minute),
// or nullopt when a field is out of the ranges above.
std::optional<std::int64_t> civil_to_epoch(const CivilTime& t);

}  // namespace jobmon::detail
