// `jobmon-status --watch` / `--once` as a library function: the refresh loop
// that ties the caching Scanner, the Aggregator's deltas, the frame renderer
// (watch.hpp) and the terminal session (terminal.hpp) together.
#pragma once

#include <unistd.h>

#include <iosfwd>
#include <memory>

#include "jobmon/cli/status_command.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon {

// With options.once: one frame on `out` (sized to the terminal when out_fd is
// one, else $COLUMNS or 100 wide, all rows), then exit 0.
// Otherwise, when out_fd is a terminal: the full-screen dashboard until `q`,
// Ctrl-C, SIGTERM or SIGHUP, then a one-line summary on `out`. When it is
// not (or TERM=dumb): one plain summary line per refresh on `out` until a
// quit signal.
// Globs are re-expanded at every refresh. Throws UsageError for a bad interval.
int run_watch_command(const StatusCommandOptions& options, std::ostream& out, std::ostream& err,
                      std::shared_ptr<const Storage> storage = nullptr, int in_fd = STDIN_FILENO,
                      int out_fd = STDOUT_FILENO);

}  // namespace jobmon
