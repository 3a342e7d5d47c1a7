// The summary line of datatrove's own `jobs_status`, in its words and with
// its rounding, so scripts that read it keep working:
//   Summary: 1/2 (50%) jobs completed, 127/128 (99%) tasks completed.
#pragma once

#include <cstdint>
#include <string>

#include "jobmon/datatrove/aggregator.hpp"

namespace jobmon {

std::string render_summary_line(const Totals& totals);
// Floor percentage as the reference prints it (never 100% while incomplete).
int whole_percent(std::int64_t done, std::int64_t total);

}  // namespace jobmon
