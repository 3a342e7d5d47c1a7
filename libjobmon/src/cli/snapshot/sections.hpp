// The larger sections of the --human-readable snapshot, each appended to
// the report by render_snapshot (snapshot_view.cpp).
#pragma once

#include <string>
#include <string_view>

#include "jobmon/cli/snapshot_view.hpp"

namespace jobmon::detail {

// A blank line, then "<emoji> <title>:" (the reference's section heading;
// the emoji only with Unicode). Appends piecewise: GCC 12 warns on "\n" + str.
inline void snapshot_section(std::string& out, const TermStyle& style, std::string_view emoji, std::string_view title) {
  out += '\n';
  if (style.unicode) {
    out += emoji;
    out += ' ';
  }
  out += title;
  out += ":\n";
}

// One row per operation: done, rows in -> out, reduction, durations and
// throughput. Columns are as wide as their widest cell; the operation name
// takes the room the terminal has left (never cut when options.width is 0).
void render_operations_table(std::string& out, const Snapshot& snapshot, const SnapshotViewOptions& options);

// Each failure message once, with where it hit ("partitions 0, 3, 7; ops x,
// y"), a traceback's continuation lines indented under it; then earlier
// runs' failures under a history heading. Each heading counts what failed,
// then the reports and groups ("2 partitions, 1 job-level; 4 reports in 2
// groups"): one traceback is reported by the op, its partition and the job.
void render_failures(std::string& out, const Snapshot& snapshot, const SnapshotViewOptions& options);

}  // namespace jobmon::detail
