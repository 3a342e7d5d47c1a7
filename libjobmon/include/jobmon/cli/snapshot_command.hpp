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
  // Re-render as the job runs (incremental updates); with --list, the list
  // again each interval. Anywhere but a terminal showing the human view a
  // frame is printed only when something changed (new events, the state
  // word, a file's problem), so a pipe gets no duplicate frames.
  bool follow = false;
  double interval_seconds = 2.0;
  int max_refreshes = 0;           // follow: stop after this many refreshes (0: until the job ends)
};

// The snapshot (or the --list table/JSON) on console.out; warnings (the
// analyzer's, skipped lines, no events file) on console.err. Returns
// ExitCode::ok, or ExitCode::runtime_error with no document when an events
// file could not be read (each named on console.err). Errors are thrown,
// for the executable to map to its exit code: UsageError (no WORK_DIR, a bad
// --interval; exit 2), StorageError and other exceptions (a missing work dir,
// an unreadable events file; exit 1).
ExitCode run_snapshot_command(const SnapshotCommandOptions& options, const Console& console,
                              std::shared_ptr<const Storage> storage = nullptr);

}  // namespace jobmon
