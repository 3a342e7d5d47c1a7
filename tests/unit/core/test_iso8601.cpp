// The shared ISO-8601 scanner and the three parsers built on it (parse_iso8601
// is public; parse_iso8601_utc and parse_http_date are the S3 room's).
#include <catch2/catch.hpp>

#include "core/text/iso8601.hpp"
#include "jobmon/datajuicer/snapshot_events.hpp"
#include "storage/s3_protocol.hpp"

using namespace jobmon;
using namespace jobmon::detail;

namespace {
constexpr double stamp = 1795356309;  // 2026-11-22T14:05:09Z
}

TEST_CASE("iso8601: the scanner reads fields, fraction and zone", "[core]") {
  const auto f = detail::scan_iso8601("2026-11-22t14:05:09,250+05:30");
  REQUIRE(f);
  CHECK(f->civil.year == 2026);
  CHECK(f->civil.month == 11);
  CHECK(f->civil.day == 22);
  CHECK(f->civil.second == 9);
  CHECK(f->separator == 't');
  CHECK(f->fraction_mark == ',');
  CHECK(f->fraction_digits == "250");
  CHECK(f->zone == '+');
  CHECK(f->offset_seconds == 5 * 3600 + 30 * 60);

  const auto bare = detail::scan_iso8601("2026-11-22 14:05:09.");
  REQUIRE(bare);
  CHECK(bare->fraction_mark == '.');
  CHECK(bare->fraction_digits.empty());
  CHECK(bare->zone == 0);
}

TEST_CASE("iso8601: the scanner rejects malformed and out-of-range text", "[core]") {
  for (const char* bad : {"", "2026-11-22", "2026-11-22T14:05", "2026-13-22T14:05:09", "2026-00-22T14:05:09",
                          "2026-11-00T14:05:09", "2026-11-32T14:05:09", "2026-11-22T24:05:09", "2026-11-22T14:60:09",
                          "2026-11-22T14:05:61", "2026-11-22X14:05:09", "2026-11-22T14:05:09ZZ",
                          "2026-11-22T14:05:09+24:00", "2026-11-22T14:05:09+05:60", "2026-11-22T14:05:09+5",
                          "2026-11-22T14:05:09+05:3", "2026-11-22T14:05:09 ", "2026-11-22T14:05:09.5x",
                          "2O26-11-22T14:05:09"}) {
    INFO(bad);
    CHECK_FALSE(detail::scan_iso8601(bad));
  }
}

TEST_CASE("iso8601: civil arithmetic rolls over like timegm", "[core]") {
  CHECK(detail::days_from_civil(1970, 1, 1) == 0);
  CHECK(detail::days_from_civil(1969, 12, 31) == -1);
  CHECK(detail::days_from_civil(2000, 3, 1) == 11017);
  CHECK(detail::days_from_civil(2024, 2, 31) == detail::days_from_civil(2024, 3, 2));  // leap year
  CHECK(detail::days_from_civil(2023, 2, 31) == detail::days_from_civil(2023, 3, 3));
  // A leap second reads as the first second of the next minute.
  CHECK(detail::civil_to_epoch({2026, 11, 22, 23, 59, 60}) == detail::civil_to_epoch({2026, 11, 23, 0, 0, 0}));
  CHECK_FALSE(detail::civil_to_epoch({2026, 13, 1, 0, 0, 0}));
}

TEST_CASE("parse_iso8601 (events): the whole grammar, naive means UTC", "[core]") {
  CHECK(parse_iso8601("2026-11-22T14:05:09") == stamp);
  CHECK(parse_iso8601("2026-11-22 14:05:09Z") == stamp);
  CHECK(parse_iso8601("2026-11-22t14:05:09z") == stamp);
  CHECK(parse_iso8601("2026-11-22T16:05:09+02") == stamp);
  CHECK(parse_iso8601("2026-11-22T16:35:09+0230") == stamp);
  CHECK(parse_iso8601("2026-11-22T12:05:09-02:00") == stamp);
  CHECK(parse_iso8601("2026-11-22T16:05:09+02:") == stamp);  // as before: "+HH:" reads as "+HH:00"
  CHECK(parse_iso8601("2026-11-22T14:05:09,5") == stamp + 0.5);
  CHECK(parse_iso8601("2026-11-22T23:59:60Z") == *parse_iso8601("2026-11-23T00:00:00Z"));
  CHECK_FALSE(parse_iso8601("2026-11-22T14:05:09."));  // a mark needs a digit
  CHECK_FALSE(parse_iso8601("2026-02-22T14:05:09+2:00"));
  CHECK_FALSE(parse_iso8601("2026-11-31T14:05:61"));
}

TEST_CASE("parse_iso8601_utc (S3): only the strict form", "[core]") {
  CHECK(parse_iso8601_utc("2026-11-22T14:05:09Z") == stamp);
  CHECK(parse_iso8601_utc("2026-11-22T14:05:09.Z") == stamp);  // S3 may send no digits
  CHECK(parse_iso8601_utc("2026-11-22T14:05:09.250Z") == stamp + 0.25);
  // Digits after the ninth add nothing.
  CHECK(parse_iso8601_utc("2026-11-22T14:05:09.0000000019Z") == stamp + 1e-9);
  CHECK_FALSE(parse_iso8601_utc("2026-11-22T14:05:09"));
  CHECK_FALSE(parse_iso8601_utc("2026-11-22T14:05:09z"));
  CHECK_FALSE(parse_iso8601_utc("2026-11-22 14:05:09Z"));
  CHECK_FALSE(parse_iso8601_utc("2026-11-22T14:05:09,5Z"));
  CHECK_FALSE(parse_iso8601_utc("2026-11-22T14:05:09+00:00"));
  CHECK_FALSE(parse_iso8601_utc("2026-00-22T14:05:09Z"));
}

TEST_CASE("iso8601: each parser keeps its own fraction arithmetic", "[core]") {
  // Events sum d * 10^-i; S3 adds nanoseconds * 1e-9 (as LocalStorage does).
  // The two differ in the last bit here, so neither may borrow the other's.
  const double events = *parse_iso8601("1970-01-01T00:00:00.63170669Z");
  const double s3 = *parse_iso8601_utc("1970-01-01T00:00:00.63170669Z");
  CHECK(s3 == 0.0 + static_cast<double>(631706690L) * 1e-9);
  CHECK(events == 0.6317066900000001);
  CHECK(events != s3);
}

TEST_CASE("parse_http_date: RFC 7231 dates", "[core]") {
  CHECK(parse_http_date("Sun, 22 Nov 2026 14:05:09 GMT") == stamp);
  CHECK(parse_http_date("Sun, 22 Nov 2026 23:59:60 GMT") == *parse_http_date("Mon, 23 Nov 2026 00:00:00 GMT"));
  CHECK_FALSE(parse_http_date("Sun, 22 Foo 2026 14:05:09 GMT"));
  CHECK_FALSE(parse_http_date("Sun, 32 Nov 2026 14:05:09 GMT"));
  CHECK_FALSE(parse_http_date("Sun, 22 Nov 2026 14:05:09 UTC"));
  CHECK_FALSE(parse_http_date("Sun, 22 Nov 2026 14:05:09"));
}
