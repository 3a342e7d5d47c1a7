// The words the terminal views (jobmon-status's lines, the --watch
// dashboard) use for the state model's counts, so both say the same thing.
#pragma once

#include <string>

#include "jobmon/datatrove/aggregator.hpp"

namespace jobmon {

// "3 failed", or ">=3 failed" when the log budget stopped the count; with
// the scheduler's word, how the ranks the logs call alive ended:
// "3 failed (1 timeout, 1 cancelled)".
std::string failed_count_text(const JobRow& row);
// "12 in Slurm's queue (Priority)" for a job with queued ranks; empty otherwise.
std::string queued_text(const JobRow& row);
// One rank's fate as --failed lists it (no indent, no newline): "rank 42:
// TIMEOUT after 1h 00m on node17 (98215_42), no exception in its log".
// `issue` is the task log's word on it, when there is one.
std::string rank_fate_text(const RankScheduling& rank, const RankIssue* issue);
// "1 failed rank", "12 failed ranks", ">=12 failed ranks" over all jobs.
std::string failed_ranks_text(const Totals& totals);
// "stopped 20m 05s ago" for a job that has ended_at; empty otherwise.
std::string stopped_text(const JobRow& row, double now);

}  // namespace jobmon
