// Human-readable rendering of a Snapshot (`jobmon-snapshot --human-readable`)
// and of a job listing (`--list`): the reference's layout, with progress
// bars, a per-operation table, failures, and how to resume.
#pragma once

#include <string>
#include <vector>

#include "jobmon/cli/render.hpp"
#include "jobmon/datajuicer/snapshot.hpp"

namespace jobmon {

struct SnapshotViewOptions {
  TermStyle style;
  int bar_width = 30;
  bool utc = false;                 // timestamps in UTC instead of local time
  std::size_t max_failures = 10;    // failures listed (the count is always shown)
};

std::string render_snapshot(const Snapshot& snapshot, const SnapshotViewOptions& options);
std::string render_job_list(const std::vector<JobListing>& jobs, const SnapshotViewOptions& options);

}  // namespace jobmon
