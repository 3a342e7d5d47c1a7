#include "jobmon/cli/snapshot_command.hpp"

#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <fmt/format.h>
#include <ostream>
#include <streambuf>
#include <thread>

#include "jobmon/cli/render.hpp"
#include "jobmon/cli/snapshot_view.hpp"
#include "jobmon/cli/terminal.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/error.hpp"
#include "jobmon/json.hpp"
#include "jobmon/storage/storage_factory.hpp"

namespace jobmon {
namespace {

constexpr std::string_view tool = "jobmon-snapshot";

SnapshotViewOptions view_options(const SnapshotCommandOptions& options, int out_fd) {
  SnapshotViewOptions view;
  view.style = detect_term_style(out_fd, options.color);
  view.utc = options.utc;
  // On a terminal the operation names get the room it has; in a pipe nothing is cut.
  view.width = ::isatty(out_fd) == 1 ? terminal_size(out_fd).columns : 0;
  return view;
}

// Diagnostics on stderr: the analyzer's warnings (a corrupt plan, an events
// file that is not a regular file...) and the lines that did not become events.
void warn(const Snapshot& s, std::ostream& err) {
  if (s.events_files.empty()) err << tool << ": warning: no events*.jsonl in " << terminal_safe(s.work_dir) << '\n';
  for (const std::string& w : s.warnings) err << tool << ": warning: " << terminal_safe(w) << '\n';
  const SkippedLines& k = s.skipped;
  if (k.total() == 0) return;
  // Blank lines and a torn tail count too: "not events", not "unreadable".
  err << tool << ": " << k.total() << " line(s) in " << terminal_safe(s.work_dir)
      << " were not events: " << skipped_lines_breakdown(k);
  if (!k.first.empty()) err << " (first: " << terminal_safe(k.first.front().file) << ':' << k.first.front().line << ')';
  err << '\n';
}

// Events files that could not be read, one line each naming the file; true when any.
bool report_unreadable(const Snapshot& s, std::ostream& err) {
  bool any = false;
  for (const auto& f : s.events_files) {
    if (f.error.empty()) continue;
    any = true;
    const bool names_file = f.error.rfind(f.path, 0) == 0;
    err << tool << ": cannot read " << (names_file ? "" : terminal_safe(f.path) + ": ") << terminal_safe(f.error) << '\n';
  }
  return any;
}

// Forwards text without its layout newlines and their indentation: the
// streamed document on one line (JSON strings never hold a raw newline).
class OneLineBuf : public std::streambuf {
 public:
  explicit OneLineBuf(std::ostream& out) : out_(out) {}

 protected:
  int_type overflow(int_type ch) override {
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    const char c = traits_type::to_char_type(ch);
    if (c == '\n') {
      at_line_start_ = true;
    } else if (!(at_line_start_ && c == ' ')) {
      at_line_start_ = false;
      out_.put(c);
    }
    return ch;
  }

 private:
  std::ostream& out_;
  bool at_line_start_ = false;
};

void print(const Snapshot& s, const SnapshotCommandOptions& options, const Console& console) {
  std::ostream& out = console.out;
  if (options.human_readable) {
    out << render_snapshot(s, view_options(options, console.out_fd));
  } else if (options.follow) {  // one document per line (NDJSON), streamed like the one-shot form
    OneLineBuf one_line(out);
    std::ostream compact(&one_line);
    write_snapshot_json(s, compact);
    compact.flush();
    out << '\n';
  } else {
    write_snapshot_json(s, out);
  }
  out.flush();
}

// What a new frame would show that the last one did not: what was read
// (events, bytes, files and their problems), the state word (a job turns
// stalled without a new event) and the warnings. Times that only tick
// (elapsed, ETA, ages) are left out, so a quiet job prints nothing new.
std::string change_key(const Snapshot& s) {
  std::string key = fmt::format("{}|{}|{}|{}|{}|{}|{}", s.events_analyzed, to_string(s.overall_status),
                                to_string(s.state), s.skipped.total(), s.dag.loaded, s.job_summary.loaded,
                                s.failures_total);
  for (const auto& f : s.events_files)
    key += fmt::format("|{}:{}:{}:{}:{}", f.path, f.bytes, f.lines, f.partial_last_line, f.error);
  for (const std::string& w : s.warnings) key += "|" + w;
  return key;
}

std::string change_key(const std::vector<JobListing>& jobs) {
  std::string key;
  for (const JobListing& j : jobs)
    key += fmt::format("{}|{}|{}|{}|{}/{}|{}|{}\n", j.work_dir, j.job_id, to_string(j.status), to_string(j.state),
                       j.completed_partitions, j.total_partitions, j.last_event_time.value_or(-1.0), j.error);
  return key;
}

// Runs `frame` every interval: on a terminal showing the human view the
// screen is redrawn each time (elapsed times tick); anywhere else a frame is
// printed only when its change_key differs from the last one printed.
template <class Frame>
void follow_loop(const SnapshotCommandOptions& options, const Console& console, Frame&& frame) {
  const bool redraw = options.human_readable && ::isatty(console.out_fd) == 1;
  std::string last_key;
  for (int refresh = 1;; ++refresh) {
    const bool ended = frame(redraw, last_key);
    if (ended || (options.max_refreshes > 0 && refresh >= options.max_refreshes)) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(options.interval_seconds));
  }
}

ExitCode run_list(const SnapshotCommandOptions& options, const Console& console,
                  const std::shared_ptr<const Storage>& storage) {
  const auto show = [&](const std::vector<JobListing>& jobs) {
    if (!options.json_list) console.out << render_job_list(jobs, view_options(options, console.out_fd));
    else if (options.follow) console.out << boost::json::serialize(to_json(jobs)) << '\n';  // one line per frame
    else console.out << to_pretty_json(to_json(jobs)) << '\n';
    console.out.flush();
  };
  if (!options.follow) {
    show(list_jobs(options.list_root, wall_clock_now(), storage));
    return ExitCode::ok;
  }
  // --follow --list: the list again each interval (until --count or a signal).
  follow_loop(options, console, [&](bool redraw, std::string& last_key) {
    const auto jobs = list_jobs(options.list_root, wall_clock_now(), storage);
    std::string key = change_key(jobs);
    if (redraw || key != last_key) {
      if (redraw) console.out << "\x1b[H\x1b[2J";
      show(jobs);
      last_key = std::move(key);
    }
    return false;
  });
  return ExitCode::ok;
}

ExitCode run_follow(const SnapshotCommandOptions& options, const Console& console,
                    const std::shared_ptr<const Storage>& storage) {
  SnapshotAnalyzer analyzer(options.work_dir, storage);
  follow_loop(options, console, [&](bool redraw, std::string& last_key) {
    analyzer.update();
    const Snapshot s = analyzer.snapshot(wall_clock_now());
    std::string key = change_key(s);
    if (key != last_key) {  // diagnostics once per change, never per refresh
      warn(s, console.err);
      report_unreadable(s, console.err);
    }
    if (redraw || key != last_key) {
      if (redraw) console.out << "\x1b[H\x1b[2J";
      print(s, options, console);
      last_key = std::move(key);
    }
    return s.overall_status == RunStatus::completed || s.overall_status == RunStatus::failed;
  });
  return ExitCode::ok;
}

}  // namespace

ExitCode run_snapshot_command(const SnapshotCommandOptions& options, const Console& console,
                              std::shared_ptr<const Storage> storage) {
  std::ostream& err = console.err;
  if (options.interval_seconds <= 0) throw UsageError("--interval must be positive");
  if (options.list_root.empty() && options.work_dir.empty()) throw UsageError("a WORK_DIR (or --list ROOT) is required");
  if (!storage) storage = storage_for(options.list_root.empty() ? options.work_dir : options.list_root);  // s3:// or local
  if (!options.list_root.empty()) return run_list(options, console, storage);
  if (options.follow) return run_follow(options, console, storage);
  const Snapshot s = analyze_work_dir(options.work_dir, wall_clock_now(), storage);
  warn(s, err);
  // A snapshot without an events file's events would be wrong: no document, exit 1.
  if (report_unreadable(s, err)) return ExitCode::runtime_error;
  print(s, options, console);
  return ExitCode::ok;
}

}  // namespace jobmon
