// The `jobmon-status` command as a library function: the executable only
// parses flags into StatusCommandOptions and calls run_status_command.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

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
};

int run_status_command(const StatusCommandOptions& options, std::ostream& out, std::ostream& err,
                       std::shared_ptr<const Storage> storage = nullptr);

}  // namespace jobmon
