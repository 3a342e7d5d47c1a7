// UTF-8 decoding, widths, escapes and printable text (src/core/utf8.hpp).
#include <catch2/catch.hpp>

#include "core/text/utf8.hpp"

using namespace jobmon::detail;

namespace {

// Every code point of s, decoded the way display_width walks it.
std::u32string decode(std::string_view s) {
  std::u32string out;
  std::size_t i = 0;
  while (i < s.size()) out += next_code_point(s, i);
  return out;
}

}  // namespace

TEST_CASE("utf8: sequence length from the lead byte", "[core]") {
  CHECK(utf8_sequence_length('a') == 1);
  CHECK(utf8_sequence_length(0xC3) == 2);
  CHECK(utf8_sequence_length(0xE2) == 3);
  CHECK(utf8_sequence_length(0xF0) == 4);
  CHECK(utf8_sequence_length(0x80) == 1);  // a continuation cannot lead
  CHECK(utf8_sequence_length(0xF8) == 1);
  CHECK(utf8_sequence_length(0xFF) == 1);
}

TEST_CASE("utf8: decoding valid text", "[core]") {
  CHECK(decode("") == U"");
  CHECK(decode("a\xC3\xA9") == U"a\u00E9");
  CHECK(decode("\xE2\x8C\x9B") == U"\u231B");
  CHECK(decode("\xF0\x9F\x98\x80") == U"\U0001F600");
}

TEST_CASE("utf8: torn and invalid bytes become U+FFFD one byte at a time", "[core]") {
  CHECK(decode("\xC3") == U"\uFFFD");                           // truncated at the end
  CHECK(decode("\xE2\x8C") == U"\uFFFD\uFFFD");                 // torn 3-byte sequence
  CHECK(decode("\xC3x") == U"\uFFFDx");                         // bad continuation
  CHECK(decode("\x80\xBF") == U"\uFFFD\uFFFD");                 // stray continuations
  CHECK(decode("\xF8\x88\x80\x80\x80") == U"\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD");
  CHECK(decode("\xC0\x80") == std::u32string(1, U'\0'));        // overlong: decoded, not rejected
}

TEST_CASE("utf8: column widths", "[core]") {
  CHECK(code_point_width(U'a') == 1);
  CHECK(code_point_width(0) == 0);
  CHECK(code_point_width(0x301) == 0);    // combining acute
  CHECK(code_point_width(0x200D) == 0);   // ZWJ
  CHECK(code_point_width(0xFE0F) == 0);   // variation selector
  CHECK(code_point_width(0x4E2D) == 2);   // CJK
  CHECK(code_point_width(0x1F600) == 2);  // emoji
  CHECK(code_point_width(0x231B) == 2);   // the hourglass jobmon prints
  CHECK(code_point_width(0xFFFD) == 1);
}

TEST_CASE("utf8: escape sequences end at the CSI final byte", "[core]") {
  const std::string_view colored = "\x1b[31mred";
  CHECK(escape_sequence_end(colored, 0) == 5);
  CHECK(escape_sequence_end("\x1b[1;2", 0) == 5);  // unterminated: runs to the end
  CHECK(escape_sequence_end("\x1b[", 0) == 2);
  CHECK(escape_sequence_end("\x1b", 0) == 1);
  CHECK(escape_sequence_end("\x1bxy", 0) == 1);    // not a CSI: ESC alone
  CHECK(escape_sequence_end("ab\x1b[0m", 2) == 6);
}

TEST_CASE("utf8: printable replaces C0, DEL and C1 controls", "[core]") {
  CHECK(printable("") == "");
  CHECK(printable("job-1 \xC3\xA9") == "job-1 \xC3\xA9");
  CHECK(printable("a\x1b[2Jb") == "a?[2Jb");
  CHECK(printable("\t\n\x7f") == "???");
  CHECK(printable("x\xC2\x9By") == "x?y");      // CSI as a C1 control
  CHECK(printable("\xC2\xA0") == "\xC2\xA0");   // no-break space stays
  CHECK(printable("\xC2") == "\xC2");           // torn at the end: left as is
}
