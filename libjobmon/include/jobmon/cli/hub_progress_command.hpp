// The `jobmon-hub-progress` command as a library function: the executable
// only parses flags into HubProgressOptions, builds the HubClient and calls
// run_hub_progress_command. The counting itself is HubProgress (hub room).
#pragma once

#include <functional>
#include <string>

#include "jobmon/cli/console.hpp"
#include "jobmon/cli/exit_code.hpp"
#include "jobmon/hub/hub_client.hpp"
#include "jobmon/hub/hub_progress.hpp"
#include "jobmon/scheduler/scheduler_query.hpp"

namespace jobmon {

// Hooks so tests can drive time (empty: the wall clock and a real sleep),
// and the scheduler asked about --slurm-job (null: Slurm's query, made here).
struct HubProgressRuntime {
  std::function<double()> now;
  std::function<void(double)> sleep;
  SchedulerQuery* scheduler = nullptr;
};

// The one-line human summary printed on console.err after each poll.
std::string hub_poll_line(const HubProgressOptions& options, const HubPoll& poll);

// The polling loop: --json lines (or the --dry-run card) on console.out,
// the summary line and skipped shards on console.err. Returns ok (complete,
// or --once) or stopped (the scheduler says the Slurm job ended). Throws HubError /
// UsageError for the tool to report.
ExitCode run_hub_progress_command(const HubProgressOptions& options, HubClient& client, const Console& console,
                                  HubProgressRuntime runtime = {});

}  // namespace jobmon
