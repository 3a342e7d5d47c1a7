// Numbers and durations as people read them, shared by every room that
// writes text (terminal views, the dataset card, JSON "formatted" fields).
// Plain text only: terminal styling lives in jobmon/cli/render.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace jobmon {

// "45s", "12m 05s", "1h 05m", "3d 04h".
std::string format_duration(double seconds);
// "999", "12.3k", "1.2M", "3.4B".
std::string format_count(double value);
// "1,234,567".
std::string format_thousands(std::int64_t value);

// `text` as one shell word that bash reads back byte for byte, and that is
// safe to print: as is when it holds only characters no shell treats
// specially, in single quotes otherwise, and as $'...' with \xNN escapes
// when it holds a control character or a byte that is not UTF-8 (so the
// printed word never moves the cursor and still pastes back exactly).
std::string shell_quote(std::string_view text);

}  // namespace jobmon
