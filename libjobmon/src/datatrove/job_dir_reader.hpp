// Reading one datatrove job directory from scratch: executor.json,
// completions/ and the task logs of its incomplete ranks. The Scanner's cache
// decides when a job is read; this decides what is read. Private to libjobmon.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/datatrove/job.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon::detail {

struct JobReadResult {
  std::shared_ptr<JobState> job;  // null when not a job, or not readable (a warning says why)
  std::vector<Warning> warnings;
  std::size_t listings = 0;
  std::size_t logs_read = 0;
  // Not a job because executor.json is absent: only a change of the
  // directory itself (its mtime) can make it one. Other failures (an
  // executor.json rewritten in place, permissions) leave no such trace.
  bool missing_executor = false;
};

// Reads one job directory (no cache), or returns a null job and a warning
// when it is not a job. A job whose completions/ exists but cannot be read is
// left out (null job, a warning naming completions/): any count would be
// made up. world_size must be a JSON integer from 1 to 10^12.
JobReadResult read_job_dir(const Storage& storage, const std::string& path, const ScanOptions& options);

// A StorageError's message without the path it starts with (warnings carry
// the path on their own).
std::string reason_of(const StorageError& error);

// Fills job.rank_counts (exact: every incomplete rank is running, failed,
// finished_unmarked or pending, or unread when options.log_bytes_per_job ran
// out; the budget goes to ranks in ascending order, so a tree always gives
// the same answer), last_log_write, last_failure_at and the bounded
// rank_issues (max_rank_issues entries, messages for max_rank_messages
// failed ranks). logs/ is listed once: ranks without a log are pending at no
// cost. A log older than job.launched_at is from an earlier attempt: failed
// there counts in failed_earlier_attempt, running-looking there is pending.
// Refresh: job.rank_issues at entry is taken as the previous diagnose of the
// same job; a rank whose log has the same (mtime, size) keeps its issue
// without a read. Entries that are not regular files are never opened.
// Returns the number of logs whose tail was read.
std::size_t diagnose_incomplete_ranks(const Storage& storage, JobState& job, const ScanOptions& options);

// Classifies the tail of a task log (loguru lines): failed when an ERROR or
// CRITICAL line or a trailing "XxxError: ..." line is not followed by
// "Processing done for rank=", finished_unmarked when it is, else running.
RankIssue classify_task_log(std::int64_t rank, std::string_view tail);

}  // namespace jobmon::detail
