// The shared string helpers (src/core/text.hpp).
#include <catch2/catch.hpp>

#include "core/text/text.hpp"

using namespace jobmon::detail;

TEST_CASE("text: trim with each caller's character set", "[core]") {
  CHECK(trim("") == "");
  CHECK(trim(" \t\r\n\f\v") == "");
  CHECK(trim("\t a b \r\n") == "a b");
  CHECK(trim_left("  a ") == "a ");
  CHECK(trim_right("  a ") == "  a");
  CHECK(trim("xxaxx", "x") == "a");
  // A line keeps a leading '\r' (tqdm redraws) but loses a CRLF's '\r'.
  CHECK(trim_line("\r 50%|###| \r") == "\r 50%|###|");
  CHECK(trim_line(" \t key = v\t\r") == "key = v");
  CHECK(trim_line("a\n") == "a\n");
}

TEST_CASE("text: ASCII case mapping leaves other bytes alone", "[core]") {
  CHECK(ascii_lower("UTF-8 Ä") == "utf-8 Ä");
  CHECK(ascii_upper("in_progress") == "IN_PROGRESS");
  CHECK(ascii_upper("") == "");
  CHECK(ascii_lower("\xC3\x84") == "\xC3\x84");
}

TEST_CASE("text: clip cuts bytes and marks the cut", "[core]") {
  CHECK(clip("abcdef", 3, "...") == "abc...");
  CHECK(clip("abc", 3, "...") == "abc");
  CHECK(clip("abcdef", 3) == "abc");
  CHECK(clip("", 0, "...") == "");
  CHECK(clip("ab", 0, "~") == "~");
}

TEST_CASE("text: lines without a trailing empty one", "[core]") {
  CHECK(split_lines("").empty());
  CHECK(split_lines("a") == std::vector<std::string_view>{"a"});
  CHECK(split_lines("a\n") == std::vector<std::string_view>{"a"});
  CHECK(split_lines("a\n\nb\r\n") == std::vector<std::string_view>{"a", "", "b\r"});
  CHECK(split_lines("\n") == std::vector<std::string_view>{""});
  std::size_t n = 0;
  for_each_line("x\ny", [&](std::string_view) { ++n; });
  CHECK(n == 2);
}

TEST_CASE("text: split_nonempty and join", "[core]") {
  CHECK(split_nonempty("/a//b/", '/') == std::vector<std::string>{"a", "b"});
  CHECK(split_nonempty("", '/').empty());
  CHECK(split_nonempty("///", '/').empty());
  CHECK(split_nonempty("abc", '/') == std::vector<std::string>{"abc"});
  CHECK(join({}, ", ") == "");
  CHECK(join({"a"}, ", ") == "a");
  CHECK(join({"a", "", "b"}, ", ") == "a, , b");
}

TEST_CASE("text: parse_decimal takes plain digits within a bound", "[core]") {
  CHECK(parse_decimal("0", 12) == 0u);
  CHECK(parse_decimal("000123", 12) == 123u);
  CHECK(parse_decimal("999999999999", 12) == 999999999999u);
  CHECK(parse_decimal("18446744073709551615", 20) == 18446744073709551615u);
  CHECK_FALSE(parse_decimal("1234567890123", 12));
  CHECK_FALSE(parse_decimal("", 12));
  CHECK_FALSE(parse_decimal("-1", 12));
  CHECK_FALSE(parse_decimal("+1", 12));
  CHECK_FALSE(parse_decimal(" 1", 12));
  CHECK_FALSE(parse_decimal("1a", 12));
}

TEST_CASE("text: exact_int64 accepts only whole doubles in range", "[core]") {
  CHECK(exact_int64(0.0) == 0);
  CHECK(exact_int64(-42.0) == -42);
  CHECK(exact_int64(0x1p62 - 1024) == static_cast<std::int64_t>(0x1p62) - 1024);
  CHECK_FALSE(exact_int64(0x1p62));
  CHECK_FALSE(exact_int64(1.5));
  CHECK_FALSE(exact_int64(std::numeric_limits<double>::quiet_NaN()));
  CHECK_FALSE(exact_int64(std::numeric_limits<double>::infinity()));
  CHECK_FALSE(exact_int64(-1e300));
}
