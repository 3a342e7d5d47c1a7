// Turns the folded event state plus the side files into a Snapshot: totals
// against the plan, percentages, per-op aggregates, failures, timing, ETA.
// Pure: no I/O; `now` only feeds the ETA.
#pragma once

#include <string>
#include <vector>

#include "datajuicer/snapshot_state.hpp"
#include "jobmon/datajuicer/snapshot.hpp"

namespace jobmon::detail {

struct SnapshotSources {
  std::string work_dir;
  DagInfo dag;
  JobSummaryInfo job_summary;
  std::string config_yaml;        // a backed-up config in the work dir, for the resume command
  bool has_checkpoint_dir = false;
  std::vector<EventsFileInfo> files;
  SkippedLines skipped;
};

Snapshot summarize(const EventState& state, const SnapshotSources& sources, double now);

}  // namespace jobmon::detail
