// UTF-8 and terminal text: decoding, column widths, escape sequences. Shared
// by the renderer's width/fit and the dashboard's clipping.
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

// Terminal columns: 0 for combining marks, ZWJ and variation selectors (and
// U+0000), 2 for East Asian wide and emoji, else 1.
int code_point_width(char32_t cp);

// s[i] is ESC: the index just past the escape sequence starting there. A CSI
// ("ESC [" params final) runs to its final byte 0x40-0x7E or the end of the
// text; any other ESC is one byte long.
std::size_t escape_sequence_end(std::string_view s, std::size_t i);

// Hostile text (directory names) made safe to print: C0 controls, DEL and
// UTF-8 encoded C1 controls (U+0080-U+009F) become '?'; some terminals act on them.
std::string printable(std::string_view text);

}  // namespace jobmon::detail
