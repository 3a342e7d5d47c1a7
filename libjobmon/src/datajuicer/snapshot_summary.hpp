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
  bool has_checkpoint_dir = false, has_metadata_dir = false;
  std::vector<std::string> warnings;  // events*.jsonl entries that cannot be read, in words
  std::vector<EventsFileInfo> files;
  SkippedLines skipped;
};

Snapshot summarize(const EventState& state, const SnapshotSources& sources, double now);

// Parts of summarize, one file each.
// snapshot_failures.cpp: failure_groups (this run) and earlier_failure_groups.
void group_failures(Snapshot& s, const EventState& state);
// snapshot_health.cpp: state, state_reason, last_event_age (after the ETA).
void decide_state(Snapshot& s);
// snapshot_health.cpp: event_log_file, event_log_dir, metadata_dir, backed_up_config_path.
void locate_files(Snapshot& s, const SnapshotSources& src);
// snapshot_health.cpp: warnings about the sources.
void collect_warnings(Snapshot& s, const SnapshotSources& src);

}  // namespace jobmon::detail
