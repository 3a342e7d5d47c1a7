// UTF-8 and terminal text: decoding, column widths, escape sequences, and
// the escaping of hostile bytes. Shared by the renderer's width/fit and
// terminal_safe, the dashboard's clipping and the JSON writer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace jobmon::detail {

// Bytes in the sequence a lead byte starts; 1 for ASCII and for a byte that
// cannot lead (so a scan always moves on).
std::size_t utf8_sequence_length(unsigned char lead);

// Decodes the code point at s[i] and moves i past it. An invalid lead, a
// missing or wrong continuation byte gives U+FFFD and consumes one byte.
// Overlong forms are not rejected (C0 80 decodes as U+0000).
char32_t next_code_point(std::string_view s, std::size_t& i);

// A well-formed UTF-8 sequence (RFC 3629: no overlong forms, no encoded
// surrogates, nothing above U+10FFFF), as Python's strict decoder accepts them.
struct Utf8Char {
  char32_t code_point = 0;
  std::size_t length = 0;  // bytes; 0: s[i] does not start a well-formed sequence
};

// The well-formed sequence starting at s[i] (i < s.size()), or length 0. A
// byte that starts none is the one os.fsdecode would turn into U+DC80+byte.
Utf8Char decode_utf8(std::string_view s, std::size_t i);

// Every byte belongs to a well-formed sequence (what a strict decoder accepts).
bool is_valid_utf8(std::string_view s);

// Terminal columns: 0 for combining marks, ZWJ and variation selectors (and
// U+0000), 2 for East Asian wide and emoji, else 1.
int code_point_width(char32_t cp);

// s[i] is ESC: the index just past the escape sequence starting there. A CSI
// ("ESC [" params final) runs to its final byte 0x40-0x7E or the end of the
// text; any other ESC is one byte long.
std::size_t escape_sequence_end(std::string_view s, std::size_t i);

// One unit of text as terminal_safe (jobmon/cli/render.hpp) shows it: the
// `length` bytes at s[i], printed as they are (`escape` empty; `code_point`
// says what they are) or as `escape`: "\n", "\r", "\t" for those controls;
// "\xNN" for any other C0 control, DEL, and each byte that is not part of
// well-formed UTF-8 (so "\xNN" always means the raw byte NN); "\u0080" to
// "\u009f" for the C1 controls. Backslashes and well-formed UTF-8 otherwise
// print as they are: the form is for reading, not for parsing back.
struct TerminalUnit {
  std::size_t length = 1;
  char32_t code_point = 0;
  std::string escape;  // at most 6 characters: no allocation
};
TerminalUnit terminal_unit_at(std::string_view s, std::size_t i);

// Appends every unit of s, escaped where terminal_unit_at says so.
void append_terminal_safe(std::string& out, std::string_view s);

}  // namespace jobmon::detail
