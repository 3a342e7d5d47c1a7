// The `jobmon-snapshot` command as a library function: the executable only
// parses flags into SnapshotCommandOptions and calls run_snapshot_command.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>

#include "jobmon/cli/render.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon {

struct SnapshotCommandOptions {
  std::string work_dir;
  std::string list_root;           // --list ROOT: all jobs under ROOT instead of one work dir
  bool human_readable = false;
  bool json_list = false;          // --list with --json
  bool utc = false;
  ColorMode color = ColorMode::automatic;
  bool follow = false;             // re-render as the job runs (incremental updates)
  double interval_seconds = 2.0;
  int max_refreshes = 0;           // follow: stop after this many renders (0: until the job ends)
};

// 0 ok, 1 runtime error (e.g. missing work dir), 2 usage. Output on `out`,
// diagnostics on `err`.
int run_snapshot_command(const SnapshotCommandOptions& options, std::ostream& out, std::ostream& err,
                         std::shared_ptr<const Storage> storage = nullptr);

}  // namespace jobmon
