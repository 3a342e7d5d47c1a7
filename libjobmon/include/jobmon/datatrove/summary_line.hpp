// The summary line of datatrove's own `jobs_status`, byte for byte, so
// scripts that read it keep working:
//   Summary: 1/2 (50%) jobs completed, 127/128 (99%) tasks completed.
#pragma once

#include <cstdint>
#include <string>

#include "jobmon/datatrove/aggregator.hpp"

namespace jobmon {

std::string render_summary_line(const Totals& totals);

// datatrove's percentage, Python's `f"{done / total:.0%}"`: the quotient as a
// double, times 100 as a double, rounded to the nearest whole number with ties
// to even on that exact binary value (33/48 -> 69, 1/8 -> 12, 255/256 -> 100).
// Only the summary line uses it; 0 when total <= 0.
int reference_percent(std::int64_t done, std::int64_t total);

// jobmon's per-job percentage: floored, so 100 only when done == total.
int whole_percent(std::int64_t done, std::int64_t total);

}  // namespace jobmon
