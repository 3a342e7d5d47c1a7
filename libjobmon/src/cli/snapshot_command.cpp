#include "jobmon/cli/snapshot_command.hpp"

#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <ostream>
#include <streambuf>
#include <thread>

#include "jobmon/cli/render.hpp"
#include "jobmon/cli/snapshot_view.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/error.hpp"
#include "jobmon/json.hpp"
#include "jobmon/storage/storage_factory.hpp"

namespace jobmon {
namespace {

SnapshotViewOptions view_options(const SnapshotCommandOptions& options, int out_fd) {
  SnapshotViewOptions view;
  view.style = detect_term_style(out_fd, options.color);
  view.utc = options.utc;
  return view;
}

ExitCode run_list(const SnapshotCommandOptions& options, const Console& console,
                  const std::shared_ptr<const Storage>& storage) {
  const auto jobs = list_jobs(options.list_root, wall_clock_now(), storage);
  if (options.json_list) console.out << to_pretty_json(to_json(jobs)) << '\n';
  else console.out << render_job_list(jobs, view_options(options, console.out_fd));
  return ExitCode::ok;
}

void warn_skipped(const Snapshot& s, std::ostream& err) {
  if (s.skipped.total() == 0) return;
  err << "jobmon-snapshot: skipped " << s.skipped.total() << " unreadable line(s) in " << terminal_safe(s.work_dir);
  if (!s.skipped.first.empty())
    err << " (first: " << terminal_safe(s.skipped.first.front().file) << ':' << s.skipped.first.front().line << ')';
  err << '\n';
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

ExitCode run_follow(const SnapshotCommandOptions& options, const Console& console,
                    const std::shared_ptr<const Storage>& storage) {
  SnapshotAnalyzer analyzer(options.work_dir, storage);
  const bool clear = options.human_readable && ::isatty(console.out_fd) == 1;
  for (int refresh = 1;; ++refresh) {
    analyzer.update();
    const Snapshot s = analyzer.snapshot(wall_clock_now());
    if (clear) console.out << "\x1b[H\x1b[2J";
    print(s, options, console);
    const bool ended = s.overall_status == RunStatus::completed || s.overall_status == RunStatus::failed;
    if (ended || (options.max_refreshes > 0 && refresh >= options.max_refreshes)) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(options.interval_seconds));
  }
  return ExitCode::ok;
}

}  // namespace

ExitCode run_snapshot_command(const SnapshotCommandOptions& options, const Console& console,
                              std::shared_ptr<const Storage> storage) {
  std::ostream& err = console.err;
  if (!storage) storage = storage_for(options.list_root.empty() ? options.work_dir : options.list_root);  // s3:// or local
  if (!options.list_root.empty()) return run_list(options, console, storage);
  if (options.work_dir.empty()) throw UsageError("a WORK_DIR (or --list ROOT) is required");
  if (options.interval_seconds <= 0) throw UsageError("--interval must be positive");
  if (options.follow) return run_follow(options, console, storage);
  const Snapshot s = analyze_work_dir(options.work_dir, wall_clock_now(), storage);
  if (s.events_files.empty()) err << "jobmon-snapshot: warning: no events*.jsonl in " << terminal_safe(options.work_dir) << '\n';
  warn_skipped(s, err);
  for (const auto& f : s.events_files)
    if (!f.error.empty()) err << "jobmon-snapshot: could not read " << terminal_safe(f.error) << '\n';
  print(s, options, console);
  return ExitCode::ok;
}

}  // namespace jobmon
