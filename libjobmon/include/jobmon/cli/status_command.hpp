// The `jobmon-status` command as a library function: the executable only
// parses flags into StatusCommandOptions and calls run_status_tool, which
// picks the one-shot report (run_status_command) or the live dashboard
// (run_watch_command in watch_command.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "jobmon/cli/console.hpp"
#include "jobmon/cli/exit_code.hpp"
#include "jobmon/cli/render.hpp"
#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/scanner.hpp"

namespace jobmon {

struct StatusCommandOptions {
  std::vector<std::string> targets;  // paths or globs; empty = "."
  std::string prefix;
  bool hide_complete = false;
  bool json = false;
  bool show_failed = false;
  bool check = false;
  bool utc = false;
  ColorMode color = ColorMode::automatic;
  SortOrder sort = SortOrder::name;
  ScanOptions scan;
  // Live dashboard (run_watch_command in watch_command.hpp).
  bool watch = false;     // refresh every `interval` seconds until q / Ctrl-C
  bool once = false;      // render one dashboard frame and exit
  double interval = 5;    // seconds between refreshes

  // The targets to scan: `targets`, or "." when none were given.
  std::vector<std::string> targets_or_cwd() const;
};

// One report: the job lines and summary (or --json) on console.out, scan
// warnings on console.err. ok, or incomplete with --check when a job is
// unfinished or none was found. Throws for errors (UsageError: bad options).
ExitCode run_status_command(const StatusCommandOptions& options, const Console& console,
                            std::shared_ptr<const Storage> storage = nullptr);

// The whole tool: run_watch_command with --watch or --once (UsageError when
// --json is given too), else run_status_command.
ExitCode run_status_tool(const StatusCommandOptions& options, const Console& console,
                         std::shared_ptr<const Storage> storage = nullptr);

}  // namespace jobmon
