// Numbers and durations as people read them, shared by every room that
// writes text (terminal views, the dataset card, JSON "formatted" fields).
// Plain text only: terminal styling lives in jobmon/cli/render.hpp.
#pragma once

#include <cstdint>
#include <string>

namespace jobmon {

// "45s", "12m 05s", "1h 05m", "3d 04h".
std::string format_duration(double seconds);
// "999", "12.3k", "1.2M", "3.4B".
std::string format_count(double value);
// "1,234,567".
std::string format_thousands(std::int64_t value);

}  // namespace jobmon
