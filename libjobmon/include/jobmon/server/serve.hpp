// run_server: the whole of jobmon-serve behind its command line: a JobRegistry
// over the targets, refreshed in the background, the WebApi and host
// resources, served by HttpServer until SIGINT or SIGTERM.
#pragma once

#include <string>
#include <vector>

#include "jobmon/scheduler/scheduler_query.hpp"
#include "jobmon/notify/notifier.hpp"
#include "jobmon/server/http_server.hpp"
#include "jobmon/server/metrics.hpp"

namespace jobmon {

struct ServeOptions {
  std::vector<std::string> targets;  // job dirs, run dirs, their parents, or globs
  bool recursive = false;            // -r: look for jobs and runs below the targets' subdirectories too
  std::string token;                 // bearer token required by every request, when set
  double interval_seconds = 3;       // between refreshes
  unsigned threads = 0;              // jobs read in parallel (0: automatic)
  // The key job ids are derived with, so that a bookmarked /job/<id> survives
  // a restart: read from this file, which is created with a random key when
  // missing. Empty: $XDG_STATE_HOME/jobmon/serve-id-key (or under
  // ~/.local/state), and when that cannot be used, a random key for this run
  // (with a warning: links then change on restart). A named file that cannot
  // be used stops the server instead.
  std::string id_key_file;
  SchedulerChoice scheduler = SchedulerChoice::automatic;  // --scheduler: whose word joins the files'
  double scheduler_interval = 10;  // --scheduler-interval: seconds between questions, asked in the background
  NotifyOptions notify;     // --notify-*: an event per job state transition (none when no target)
  MetricsOptions metrics;   // --metrics-drop-complete-after, --deadline
  HttpServerOptions http;
};

// Raises the RLIMIT_NOFILE soft limit to the hard limit (thousands of
// connections need as many descriptors); returns the new soft limit.
std::size_t raise_open_files_limit();

// Prints "jobmon-serve: listening on http://HOST:PORT/ (N jobs)" once it
// listens and "jobmon-serve: stopped" at the end, on stderr. Runs until
// SIGINT/SIGTERM; returns the process exit code (1 when it cannot listen).
int run_server(const ServeOptions& options);

}  // namespace jobmon
