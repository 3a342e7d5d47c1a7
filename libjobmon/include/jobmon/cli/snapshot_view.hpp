// Human-readable rendering of a Snapshot (`jobmon-snapshot --human-readable`)
// and of a job listing (`--list`): the reference's lines (the status icon,
// `Partitions: 4/4 completed`, `89.44 seconds`) so its users' greps carry
// over, plus progress bars, a per-operation table, grouped failures, the
// state word every jobmon tool uses, and a shell-quoted resume command.
#pragma once

#include <string>
#include <vector>

#include "jobmon/cli/render.hpp"
#include "jobmon/datajuicer/snapshot.hpp"

namespace jobmon {

struct SnapshotViewOptions {
  TermStyle style;
  int bar_width = 30;
  int width = 0;                    // terminal columns; 0: not a terminal, nothing is cut to fit
  bool utc = false;                 // timestamps in UTC instead of local time
  std::size_t max_failures = 10;    // failure groups listed per section (the count is always shown)
  std::size_t max_message_lines = 12;  // lines of one failure message (a traceback) shown
};

std::string render_snapshot(const Snapshot& snapshot, const SnapshotViewOptions& options);
std::string render_job_list(const std::vector<JobListing>& jobs, const SnapshotViewOptions& options);

// The command that resumes the job, each argument shell-quoted (a config
// path with spaces, quotes or $ pastes back as it is); only for a resumable
// job whose state is failed or stalled (a running job resumed would get a
// second writer), else empty. Built from the config file(s) and job id when
// known, else the job summary's resumption_command as written.
std::string resume_command(const Snapshot& snapshot);

// The kinds of lines that did not become events, the non-zero ones, each
// with its count ("2 blank, 5 corrupt, 1 torn (unterminated last line)");
// they add up to skipped.total(). Empty when every line was an event.
std::string skipped_lines_breakdown(const SkippedLines& skipped);

}  // namespace jobmon
