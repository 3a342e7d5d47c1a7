// Text rendering of an Aggregate as `jobmon-status` prints it: one line per
// job (icon, name, done/world_size, percent, bar, ETA or finish time), then
// the reference's summary line (jobmon/datatrove/summary_line.hpp).
#pragma once

#include <string>
#include <vector>

#include "jobmon/cli/render.hpp"
#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/summary_line.hpp"

namespace jobmon {

struct StatusViewOptions {
  TermStyle style;
  int bar_width = 20;
  int max_name_width = 48;
  bool show_failed = false;          // list incomplete ranks and failure messages
  std::size_t max_rank_messages = 5; // per job, with show_failed
  bool utc = false;                  // timestamps in UTC instead of local time
};

// "✅" / "[ok]" etc. for a status.
std::string status_icon(const TermStyle& style, JobStatus status);
// The job lines (without the summary).
std::string render_job_lines(const Aggregate& aggregate, const StatusViewOptions& options);
// A second line when anything is unfinished: running/failed counts, rate, ETA.
std::string render_outlook_line(const Aggregate& aggregate, const StatusViewOptions& options);

}  // namespace jobmon
