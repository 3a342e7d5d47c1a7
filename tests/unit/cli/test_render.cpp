#include <cstdlib>
#include <catch2/catch.hpp>

#include "jobmon/cli/render.hpp"

using namespace jobmon;

TEST_CASE("Render: durations and counts", "[cli]") {
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(45) == "45s");
  CHECK(format_duration(725) == "12m 05s");
  CHECK(format_duration(3900) == "1h 05m");
  CHECK(format_duration(3 * 86400 + 4 * 3600) == "3d 04h");
  CHECK(format_duration(-5) == "0s");
  CHECK(format_duration(std::numeric_limits<double>::infinity()) == "?");
  CHECK(format_count(999) == "999");
  CHECK(format_count(12345) == "12.3k");
  CHECK(format_count(1.2e6) == "1.2M");
  CHECK(format_count(3.4e9) == "3.4B");
  CHECK(format_thousands(1234567) == "1,234,567");
  CHECK(format_thousands(12) == "12");
  CHECK(format_thousands(-1000) == "-1,000");
}

TEST_CASE("Render: bars in Unicode and ASCII, with the new-work shade", "[cli]") {
  TermStyle unicode{false, true};
  CHECK(render_bar(unicode, 10, 0.5) == "█████▶░░░░");
  CHECK(render_bar(unicode, 10, 1.0) == "██████████");
  CHECK(render_bar(unicode, 10, 0.5, 0.3) == "███▓▓▶░░░░");
  CHECK(render_bar(unicode, 4, 0.0) == "▶░░░");
  TermStyle ascii{false, false};
  CHECK(render_bar(ascii, 10, 0.5, 0.3) == "###++>....");
  CHECK(render_bar(ascii, 0, 0.5).empty());
  CHECK(render_bar(ascii, 5, 7.0) == "#####");  // clamped
  TermStyle color{true, true};
  CHECK(render_bar(color, 10, 0.5).find("\x1b[") != std::string::npos);
}

TEST_CASE("Render: display width and fitting", "[cli]") {
  TermStyle unicode{false, true};
  CHECK(display_width("abc") == 3);
  CHECK(display_width("✅ ok") == 5);
  CHECK(display_width("\x1b[31mred\x1b[0m") == 3);
  CHECK(display_width("日本") == 4);
  CHECK(fit(unicode, "abc", 5) == "abc  ");
  CHECK(fit(unicode, "abcdef", 4) == "abc…");
  TermStyle ascii{false, false};
  CHECK(fit(ascii, "abcdef", 4) == "abc~");
  // Stray bytes and controls are as wide as terminal_safe shows them ("\xff").
  CHECK(display_width(std::string("\xff\xfe", 2)) == 8);
  CHECK(display_width("a\tb") == 4);
}

TEST_CASE("Render: terminal_safe shows controls escaped and keeps UTF-8", "[cli]") {
  CHECK(terminal_safe("tokenize_CC-MAIN-2023-50") == "tokenize_CC-MAIN-2023-50");
  CHECK(terminal_safe("evil\x1b[2J\x1b]0;pwned\x07name") == "evil\\x1b[2J\\x1b]0;pwned\\x07name");
  CHECK(terminal_safe("progress\r100%\nfake line") == "progress\\r100%\\nfake line");
  CHECK(terminal_safe("csi\xC2\x9B" "31m") == "csi\\u009b31m");
  CHECK(terminal_safe(std::string("job_\xff\xfe", 6)) == "job_\\xff\\xfe");
  CHECK(terminal_safe("日本 ✅ caf\xC3\xA9 \xF0\x9F\x98\x80") == "日本 ✅ caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST_CASE("Render: widths agree with terminal_safe, and fit never splits an escape", "[cli]") {
  TermStyle unicode{false, true};
  // Without ESC (which width counts as a colour code), the raw text and its safe form are as wide.
  for (const std::string& raw : {std::string("a\rb\nc"), std::string("job_\xff\xfe"), std::string("x\xC2\x9By"),
                                std::string("del\x7f"), std::string("日本\t")}) {
    INFO(raw);
    CHECK(display_width(raw) == display_width(terminal_safe(raw)));
  }
  // fit sanitizes, pads to the width, and cuts before an escape rather than through it.
  CHECK(fit(unicode, "a\x1b[2Jb", 10) == "a\\x1b[2Jb ");
  CHECK(display_width(fit(unicode, "a\x1b[2Jb", 10)) == 10);
  CHECK(fit(unicode, "ab\xff\xfe", 6) == "ab…   ");
  CHECK(fit(unicode, "ab\xff\xfe", 7) == "ab\\xff…");
  CHECK(fit(unicode, "abc\xffz", 6) == "abc…  ");  // "\xff" (4 columns) does not fit in 2: left out whole
  for (int width = 1; width <= 14; ++width) {
    const std::string cell = fit(unicode, "n\x1b]0;t\x07\xff日", width);
    INFO(width << ": " << cell);
    CHECK(display_width(cell) == width);
    CHECK(cell.find('\x1b') == std::string::npos);
    CHECK(cell.find('\x07') == std::string::npos);
  }
}

TEST_CASE("Render: NO_COLOR, TERM=dumb and non-UTF-8 locales degrade", "[cli]") {
  ::setenv("LC_ALL", "C", 1);
  CHECK_FALSE(detect_term_style(1, ColorMode::never).unicode);
  ::setenv("LC_ALL", "en_US.UTF-8", 1);
  CHECK(detect_term_style(1, ColorMode::never).unicode);
  ::setenv("TERM", "dumb", 1);
  CHECK_FALSE(detect_term_style(1, ColorMode::never).unicode);
  ::setenv("TERM", "xterm-256color", 1);
  ::setenv("NO_COLOR", "1", 1);
  CHECK_FALSE(detect_term_style(1, ColorMode::automatic).color);
  CHECK(detect_term_style(1, ColorMode::always).color);
  ::unsetenv("NO_COLOR");
  CHECK(paint(TermStyle{false, true}, Color::red, "x") == "x");
  CHECK(paint(TermStyle{true, true}, Color::red, "x") == "\x1b[31mx\x1b[0m");
}
