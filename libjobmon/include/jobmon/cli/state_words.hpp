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

}  // namespace jobmon
