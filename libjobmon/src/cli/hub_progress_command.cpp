#include "jobmon/cli/hub_progress_command.hpp"

#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <ostream>
#include <thread>

#include "jobmon/cli/render.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/error.hpp"
#include "jobmon/format.hpp"
#include "jobmon/hub/squeue.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon {
namespace {

// Errors that no amount of waiting fixes: stop instead of polling on.
bool is_fatal(const HubError& e) { return e.status() == 401 || e.status() == 403 || e.status() == 404; }

}  // namespace

std::string hub_poll_line(const HubProgressOptions& options, const HubPoll& poll) {
  std::string line = fmt::format("{} [{}]: {}/{} rows ({:.2f}%) · {} shards", terminal_safe(options.repo),
                                 terminal_safe(options.config),
                                 format_thousands(poll.count.rows), format_thousands(poll.total),
                                 hub_poll_percent(poll), poll.count.files);
  if (!poll.count.skipped.empty()) line += fmt::format(" · {} skipped", poll.count.skipped.size());
  if (poll.state == CardState::complete) line += " · complete";
  else if (poll.state == CardState::stopped) line += " · stopped";
  else if (poll.eta_seconds) line += " · ETA " + format_duration(*poll.eta_seconds);
  else line += " · ETA unknown";
  line += options.dry_run ? " · dry run" : poll.committed ? " · card updated" : " · card unchanged";
  return line;
}

ExitCode run_hub_progress_command(const HubProgressOptions& options, HubClient& client, const Console& console,
                                  HubProgressRuntime runtime) {
  std::ostream& out = console.out;
  std::ostream& err = console.err;
  if (!runtime.now) runtime.now = wall_clock_now;
  if (!runtime.sleep) {
    runtime.sleep = [](double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); };
  }
  if (client.config().offline) throw HubError("HF_HUB_OFFLINE is set: jobmon-hub-progress needs the Hub", 0);
  if (!(options.interval > 0)) throw UsageError("--interval must be positive");
  // Retries and waits said as they happen: a poll that waits on a 429 is not a hang.
  client.set_progress_hook([&err](const std::string& message) {
    err << "jobmon-hub-progress: " << terminal_safe(message) << '\n';  // quotes the server
    err.flush();
  });
  struct HookReset {
    HubClient& client;
    ~HookReset() { client.set_progress_hook({}); }  // the hook holds console.err
  } hook_reset{client};
  HubProgress progress(client, options);
  progress.resolve_total();
  LocalStorage storage;
  for (;;) {
    const double now = runtime.now();
    CardState state = CardState::running;
    std::string reason;
    std::optional<ExitCode> exit_code;  // set when this poll is the last
    if (!options.stats_path.empty() && storage.stat(options.stats_path).type != EntryType::missing) {
      state = CardState::complete;
      exit_code = ExitCode::ok;
    } else if (!options.slurm_job.empty()) {
      const auto listed = slurm_job_listed(options.slurm_job);
      if (!listed) {
        err << "jobmon-hub-progress: warning: could not run squeue; assuming job " << terminal_safe(options.slurm_job)
            << " still runs\n";
      } else if (!*listed) {
        state = CardState::stopped;
        reason = "Slurm job " + options.slurm_job + " is no longer running";
        exit_code = ExitCode::stopped;
      }
    }
    HubPoll poll;
    try {
      poll = progress.poll(now, state, reason);
    } catch (const HubError& e) {
      if (is_fatal(e) || options.once || exit_code) throw;
      err << "jobmon-hub-progress: poll failed, trying again in " << format_duration(options.interval) << ": "
          << terminal_safe(e.what()) << '\n';  // may quote the server
      runtime.sleep(options.interval);
      continue;
    }
    for (std::size_t i = 0; i < poll.count.skipped.size() && i < 10; ++i) {
      // Shard paths are the repository's file names: anyone who can push chose them.
      err << "jobmon-hub-progress: skipped " << terminal_safe(poll.count.skipped[i].path) << ": "
          << terminal_safe(poll.count.skipped[i].reason) << '\n';
    }
    if (options.json) out << hub_poll_json(options, poll) << '\n';
    else if (options.dry_run) out << terminal_safe_lines(poll.readme);
    out.flush();
    err << hub_poll_line(options, poll) << '\n';
    err.flush();
    if (exit_code) return *exit_code;
    if (options.once) return ExitCode::ok;
    runtime.sleep(options.interval);
  }
}

}  // namespace jobmon
