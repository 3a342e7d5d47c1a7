// Terminal rendering helpers shared by the executables: colours, progress
// bars, display widths (durations and counts: jobmon/format.hpp, included
// here for the views). Colour and Unicode degrade cleanly (NO_COLOR,
// TERM=dumb, non-UTF-8 locales, output that is not a terminal).
#pragma once

#include <string>
#include <string_view>

#include "jobmon/format.hpp"

namespace jobmon {

struct TermStyle {
  bool color = false;
  bool unicode = true;
};

enum class ColorMode { automatic, always, never };

// Decides colour/Unicode for a file descriptor from the environment:
// colour only on a tty, never with NO_COLOR set or TERM=dumb; Unicode unless
// the locale (LC_ALL, LC_CTYPE, LANG) is set and not UTF-8, or TERM=dumb.
TermStyle detect_term_style(int fd, ColorMode mode = ColorMode::automatic);

enum class Color { none, red, green, yellow, blue, magenta, cyan, gray, bold };

// Wraps text in an ANSI colour when the style allows it.
std::string paint(const TermStyle& style, Color color, std::string_view text);

// Progress bar of `width` cells. `fraction_before` is the part done before
// the last refresh (solid), `fraction` the part done now (the difference in
// a distinct shade); a cursor marks the leading edge while not complete.
std::string render_bar(const TermStyle& style, int width, double fraction, double fraction_before = -1);

// The one sanitizer for text that did not come from jobmon (directory names,
// paths, messages read from files or servers) on its way to a terminal:
// control characters are shown escaped, so no name can move the cursor,
// clear the screen or retitle the window: "\n", "\r", "\t"; "\x1b" (ESC) and
// "\xNN" for the other C0 controls and DEL; "\u0080".."\u009f" for the C1
// controls; and "\xNN" for each byte that is not well-formed UTF-8 (so
// "\xNN" always names the raw byte). Everything else, emoji and CJK
// included, is unchanged, and printable ASCII costs one copy.
std::string terminal_safe(std::string_view text);
// The same for a multi-line document (a dataset card): each line made safe,
// the newlines between them kept.
std::string terminal_safe_lines(std::string_view text);

// Display width of UTF-8 text (East Asian wide and emoji count 2), for
// aligning columns. Escape sequences count 0 (the text may be painted); any
// other control or byte counts as wide as terminal_safe shows it, so
// display_width(terminal_safe(t)) == display_width(t) for text with no ESC.
// Measure terminal_safe(name), not the raw name.
int display_width(std::string_view text);

// Pads or truncates to exactly `width` display columns (… / ~ when cut). The
// text is passed through terminal_safe (so it must not be painted yet), and
// a cut never splits an escape.
std::string fit(const TermStyle& style, std::string_view text, int width);

}  // namespace jobmon
