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

TEST_CASE("utf8: decode_utf8 accepts exactly the well-formed sequences", "[core]") {
  using S = std::string;
  auto cp = [](std::string_view s) { return decode_utf8(s, 0).code_point; };
  auto len = [](std::string_view s) { return decode_utf8(s, 0).length; };
  CHECK((len("a") == 1 && cp("a") == U'a'));
  CHECK((len(S("\0", 1)) == 1 && cp(S("\0", 1)) == 0));
  CHECK((len("\xC3\xA9") == 2 && cp("\xC3\xA9") == 0xE9));
  CHECK((len("\xE2\x8C\x9B") == 3 && cp("\xE2\x8C\x9B") == 0x231B));
  CHECK((len("\xF0\x9F\x98\x80") == 4 && cp("\xF0\x9F\x98\x80") == 0x1F600));
  CHECK((len("\xF4\x8F\xBF\xBF") == 4 && cp("\xF4\x8F\xBF\xBF") == 0x10FFFF));  // the last code point
  CHECK((len("\xED\x9F\xBF") == 3 && cp("\xED\x9F\xBF") == 0xD7FF));              // just below the surrogates
  CHECK(len("\xC0\x80") == 0);          // overlong NUL
  CHECK(len("\xC1\xBF") == 0);          // overlong ASCII
  CHECK(len("\xE0\x9F\xBF") == 0);      // overlong 3-byte form
  CHECK(len("\xF0\x8F\xBF\xBF") == 0);  // overlong 4-byte form
  CHECK(len("\xED\xA0\x80") == 0);      // an encoded surrogate (U+D800)
  CHECK(len("\xED\xB3\xBF") == 0);      // U+DCFF: must not pass for an escaped byte
  CHECK(len("\xF4\x90\x80\x80") == 0);  // above U+10FFFF
  CHECK(len("\xF5\x80\x80\x80") == 0);
  CHECK(len("\xFF") == 0);
  CHECK(len("\x80") == 0);              // a continuation cannot lead
  CHECK(len("\xE2\x8C") == 0);          // torn at the end
  CHECK(len("\xE2\x28\xA1") == 0);      // bad continuation
  CHECK(decode_utf8("x\xC3\xA9", 1).length == 2);  // from an offset
}

TEST_CASE("utf8: terminal units escape controls and stray bytes, nothing else", "[core]") {
  auto safe = [](std::string_view s) {
    std::string out;
    append_terminal_safe(out, s);
    return out;
  };
  CHECK(safe("") == "");
  CHECK(safe("tokenize_CC-MAIN-2023-50") == "tokenize_CC-MAIN-2023-50");
  CHECK(safe("evil\x1b[2J\x1b]0;pwned\x07") == "evil\\x1b[2J\\x1b]0;pwned\\x07");
  CHECK(safe("a\rb\nc\td") == "a\\rb\\nc\\td");
  CHECK(safe(std::string("nul\0del\x7f", 8)) == "nul\\x00del\\x7f");
  CHECK(safe("csi\xC2\x9B" "2J") == "csi\\u009b2J");          // C1 controls by code point
  CHECK(safe("\xC2\x80\xC2\x9F\xC2\xA0") == "\\u0080\\u009f\xC2\xA0");  // U+00A0 is printable
  CHECK(safe("job_\xff\xfe") == "job_\\xff\\xfe");               // bytes that are not UTF-8
  CHECK(safe("\xC0\x80") == "\\xc0\\x80");                       // overlong: two stray bytes
  CHECK(safe("\xE2\x8C") == "\\xe2\\x8c");                       // torn at the end
  CHECK(safe("日本 \xF0\x9F\x98\x80 caf\xC3\xA9") == "日本 \xF0\x9F\x98\x80 caf\xC3\xA9");
  CHECK(safe("C:\\path") == "C:\\path");                         // backslashes print as they are
  // Escaping is idempotent: the escapes are printable ASCII.
  const std::string once = safe("x\x1b\xff\xC2\x9B\n");
  CHECK(safe(once) == once);
  const TerminalUnit stray = terminal_unit_at("\xff", 0);
  CHECK((stray.length == 1 && stray.escape == "\\xff"));
  const TerminalUnit wide = terminal_unit_at("\xE6\x97\xA5", 0);
  CHECK((wide.length == 3 && wide.escape.empty() && wide.code_point == 0x65E5));
}
