// `jobmon-status --watch` / `--once` as a library function: the refresh loop
// that ties the caching Scanner, the Aggregator's deltas, the frame renderer
// (watch.hpp) and the terminal session (terminal.hpp) together.
#pragma once

#include <memory>

#include "jobmon/cli/console.hpp"
#include "jobmon/cli/status_command.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon {

// With options.once: one frame on console.out (sized to the terminal when
// console.out_fd is one, else $COLUMNS or 100 wide, all rows), then ok.
// Otherwise, when console.out_fd is a terminal: the full-screen dashboard
// (keys from console.in_fd) until `q`, Ctrl-C, SIGTERM or SIGHUP, then a
// one-line summary on console.out. When it is not (or TERM=dumb): one plain
// summary line per refresh on console.out until a quit signal.
// Warnings go to console.err. runtime_error when the output went away.
// Globs are re-expanded at every refresh. With options.check and once:
// incomplete when a job is unfinished or none was found, as the report.
// Throws UsageError for a bad interval and for flags that do not apply
// (check_watch_flags).
// The report's flags that the dashboard does not honour are usage errors
// (UsageError naming both flags), never silently ignored: --json, --failed
// (no rank lists in a frame), --sort (rows are grouped by state), --check with
// the live dashboard (it has no end; --once --check works), and --once with
// --watch/-i (one frame, or a live dashboard: not both).
void check_watch_flags(const StatusCommandOptions& options);

ExitCode run_watch_command(const StatusCommandOptions& options, const Console& console,
                           std::shared_ptr<const Storage> storage = nullptr);

}  // namespace jobmon
