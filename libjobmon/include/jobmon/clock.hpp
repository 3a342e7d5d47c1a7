// Wall-clock helpers. Only callers at the edges (tools, the scanner's cache)
// read the clock; analysis functions take `now` as a parameter.
#pragma once

#include <string>

namespace jobmon {

// Seconds since the Unix epoch, sub-second precision.
double wall_clock_now();

// "2026-11-22 14:05:09 UTC" (utc) or local time "2026-11-22 15:05:09".
std::string format_timestamp(double epoch_seconds, bool utc = true);
// ISO-8601 UTC with a Z: "2026-11-22T14:05:09Z".
std::string format_iso8601(double epoch_seconds);

}  // namespace jobmon
