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

// Reads task logs of a job's incomplete ranks (bounded by max_logs_per_job)
// into job.rank_issues. Returns the number of logs read.
std::size_t diagnose_incomplete_ranks(const Storage& storage, JobState& job, const ScanOptions& options);

// Classifies the tail of a task log (loguru lines).
RankIssue classify_task_log(std::int64_t rank, std::string_view tail);

}  // namespace jobmon::detail
