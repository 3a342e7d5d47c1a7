// The `jobmon-snapshot` command as a library function: the executable only
// parses flags into SnapshotCommandOptions and calls run_snapshot_command.
#pragma once

#include <memory>
#include <string>

#include "jobmon/cli/console.hpp"
#include "jobmon/cli/exit_code.hpp"
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

// The snapshot (or the --list table/JSON) on console.out, warnings about
// missing or unreadable events files on console.err; returns ExitCode::ok.
// Errors are thrown, for the executable to map to its exit code: UsageError
// (no WORK_DIR, a bad --interval; exit 2), StorageError and other exceptions
// (e.g. a missing work dir; exit 1).
ExitCode run_snapshot_command(const SnapshotCommandOptions& options, const Console& console,
                              std::shared_ptr<const Storage> storage = nullptr);

}  // namespace jobmon
