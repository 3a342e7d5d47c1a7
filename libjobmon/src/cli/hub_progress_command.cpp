#include "jobmon/cli/hub_progress_command.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <chrono>
#include <memory>
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

// Errors that no amount of waiting fixes: stop instead of polling on. A
// refused connection to this machine or to an endpoint the user named
// (HF_ENDPOINT) is a setup mistake, after the retry budget as much as before.
bool is_fatal(const HubError& e, const HubConfig& config) {
  if (e.status() == 401 || e.status() == 403 || e.status() == 404 || e.error_code() == "InvalidURL") return true;
  return e.error_code() == hub_connection_refused && (config.endpoint_explicit || is_loopback_url(config.endpoint));
}

// Says how a count goes while it runs: a bar redrawn in place when stderr is
// a terminal, plain lines otherwise (only for counts that read footers in
// batches, and always for the --source count, which may take minutes).
class CountReporter {
 public:
  CountReporter(const Console& console, std::string output_repo)
      : err_(console.err), tty_(isatty(console.err_fd) == 1), style_(detect_term_style(console.err_fd)),
        output_repo_(std::move(output_repo)) {}

  void operator()(const HubCountProgress& p) {
    const bool source = p.repo != output_repo_;
    const bool long_count = p.footers_to_read >= 1000 || (p.done && p.footers_done >= 1000);
    if (!source && !long_count && !(tty_ && bar_shown_)) return;
    const double rate = p.elapsed > 0 ? static_cast<double>(p.footers_done) / p.elapsed : 0;
    const std::string what = fmt::format("{}{} @ {}", source ? "counting the source " : "", terminal_safe(p.repo),
                                         terminal_safe(p.sha.substr(0, 8)));
    if (tty_) {
      const double fraction = p.footers_to_read ? static_cast<double>(p.footers_done) / static_cast<double>(p.footers_to_read) : 0;
      err_ << "\r\x1b[K" << what << ": " << format_thousands(static_cast<std::int64_t>(p.files)) << " files listed, "
           << render_bar(style_, 20, p.done ? 1.0 : fraction) << ' ' << format_thousands(static_cast<std::int64_t>(p.footers_done))
           << '/' << format_thousands(static_cast<std::int64_t>(p.footers_to_read)) << " footers read"
           << fmt::format(" ({:.0f}/s)", rate);
      bar_shown_ = !p.done;
      if (p.done) err_ << '\n';
    } else if (!p.done && p.footers_done == 0) {
      err_ << "jobmon-hub-progress: " << what << ": " << format_thousands(static_cast<std::int64_t>(p.files))
           << " Parquet files listed, reading their footers\n";
    } else {
      err_ << "jobmon-hub-progress: " << what << ": " << format_thousands(static_cast<std::int64_t>(p.footers_done)) << '/'
           << format_thousands(static_cast<std::int64_t>(p.footers_to_read)) << " footers read in "
           << fmt::format("{:.1f} s ({:.0f}/s)", p.elapsed, rate) << (p.done ? ", done" : "") << '\n';
    }
    err_.flush();
  }

 private:
  std::ostream& err_;
  bool tty_;
  TermStyle style_;
  std::string output_repo_;
  bool bar_shown_ = false;
};

}  // namespace

std::string hub_poll_line(const HubProgressOptions& options, const HubPoll& poll) {
  std::string line = fmt::format("{} [{}]: {}/{} rows ({:.2f}%) · {} shards", terminal_safe(options.repo),
                                 terminal_safe(options.config),
                                 format_thousands(poll.count.rows), format_thousands(poll.total),
                                 hub_poll_percent(poll),
                                 format_thousands(static_cast<std::int64_t>(poll.count.files)));
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
  std::unique_ptr<SchedulerQuery> own_scheduler;
  if (!runtime.scheduler && !options.slurm_job.empty()) {
    SchedulerOptions scheduler_options;
    scheduler_options.refresh_seconds = 0;  // polls are an interval apart: ask each time
    scheduler_options.timeout_seconds = 30;
    own_scheduler = make_scheduler_query(SchedulerChoice::slurm, scheduler_options);
    runtime.scheduler = own_scheduler.get();
  }
  // Retries and waits said as they happen: a poll that waits on a 429 is not a hang.
  client.set_progress_hook([&err](const std::string& message) {
    err << "jobmon-hub-progress: " << terminal_safe(message) << '\n';  // quotes the server
    err.flush();
  });
  struct HookReset {
    HubClient& client;
    ~HookReset() { client.set_progress_hook({}); }  // the hook holds console.err
  } hook_reset{client};
  HubProgressOptions with_reports = options;
  if (!with_reports.on_count) with_reports.on_count = CountReporter(console, options.repo);
  HubProgress progress(client, with_reports);
  progress.resolve_total();
  LocalStorage storage;
  bool warned_exceeded = false;
  for (;;) {
    const double now = runtime.now();
    CardState state = CardState::running;
    std::string reason;
    std::optional<ExitCode> exit_code;  // set when this poll is the last
    if (!options.stats_path.empty() && storage.stat(options.stats_path).type != EntryType::missing) {
      state = CardState::complete;
      exit_code = ExitCode::ok;
    } else if (!options.slurm_job.empty()) {
      const auto live = scheduler_job_live(*runtime.scheduler, options.slurm_job, now);
      if (!live) {
        err << "jobmon-hub-progress: warning: could not ask Slurm (squeue/sacct) about job "
            << terminal_safe(options.slurm_job) << "; assuming it still runs\n";
      } else if (!*live) {
        state = CardState::stopped;
        reason = "Slurm job " + options.slurm_job + " is no longer running";
        exit_code = ExitCode::stopped;
      }
    }
    HubPoll poll;
    try {
      poll = progress.poll(now, state, reason);
    } catch (const HubError& e) {
      if (is_fatal(e, client.config()) || options.once || exit_code) throw;
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
    if (poll.total_exceeded && !warned_exceeded) {
      warned_exceeded = true;
      err << "jobmon-hub-progress: warning: " << format_thousands(poll.count.rows) << " rows counted, more than the total of "
          << format_thousands(poll.total) << "; the card shows " << format_thousands(poll.total) << '/'
          << format_thousands(poll.total) << " as the reference monitor does\n";
    }
    if (options.json) out << hub_poll_json(options, poll, progress.total_origin()) << '\n';
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
