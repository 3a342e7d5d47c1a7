// The words the terminal views (jobmon-status's lines, the --watch
// dashboard) use for the state model's counts, so both say the same thing.
#pragma once

#include <string>

#include "jobmon/datatrove/aggregator.hpp"

namespace jobmon {

// "3 failed", or ">=3 failed" when the log budget stopped the count.
std::string failed_count_text(const JobRow& row);
// "1 failed rank", "12 failed ranks", ">=12 failed ranks" over all jobs.
std::string failed_ranks_text(const Totals& totals);
// "stopped 20m 05s ago" for a job that has ended_at; empty otherwise.
std::string stopped_text(const JobRow& row, double now);

}  // namespace jobmon
