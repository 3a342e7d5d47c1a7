// `jobmon-status --csv`: one line per job, for spreadsheets and comparisons
// across runs. The columns (header line first) are fixed and documented in
// README; times are ISO-8601 UTC, absent values empty.
#pragma once

#include <string>

#include "jobmon/datatrove/aggregator.hpp"

namespace jobmon {

// "path,name,status,completed,world_size,percent,failed_ranks,...\n" then a line per row.
std::string status_csv(const Aggregate& aggregate);

}  // namespace jobmon
