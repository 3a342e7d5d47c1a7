#include "jobmon/cli/snapshot_view.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/text/text.hpp"
#include "jobmon/clock.hpp"

namespace jobmon {
namespace {

std::string status_word(const TermStyle& style, RunStatus status) {
  const std::string word = detail::ascii_upper(to_string(status));
  const Color color = status == RunStatus::completed ? Color::green
                      : status == RunStatus::failed  ? Color::red
                      : status == RunStatus::in_progress ? Color::yellow
                                                          : Color::gray;
  return paint(style, color, word);
}

// An emoji heading, or its plain-text stand-in without Unicode.
std::string heading(const TermStyle& style, std::string_view emoji, std::string_view text) {
  return style.unicode ? fmt::format("{} {}", emoji, text) : std::string(text);
}

// A blank line, then the heading (appends piecewise: GCC 12 warns on "\n" + str).
void section(std::string& out, const TermStyle& style, std::string_view emoji, std::string_view text) {
  out += '\n';
  out += heading(style, emoji, text);
  out += '\n';
}

std::string when(const std::optional<double>& t, const SnapshotViewOptions& o) {
  return t ? format_timestamp(*t, o.utc) : std::string("-");
}

std::string fraction_line(const SnapshotViewOptions& o, std::int64_t done, std::int64_t total) {
  const double f = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
  return fmt::format("{} {:>6.2f}%", render_bar(o.style, o.bar_width, f), f * 100.0);
}

std::string rows(std::int64_t v) { return format_count(static_cast<double>(v)); }

void operations_table(std::string& out, const Snapshot& s, const SnapshotViewOptions& o) {
  if (s.operations.empty()) return;
  section(out, o.style, "🔧", "Operations");
  out += fmt::format("   {:>3}  {}  {:>11}  {:>17}  {:>9}  {:>9}  {:>9}  {:>12}\n", "#", fit(o.style, "operation", 28),
                     "done", "rows in -> out", "reduction", "total", "mean", "throughput");
  const std::int64_t per_op = s.total_partitions;
  for (const OpAggregate& a : s.operations) {
    const std::string done = fmt::format("{}/{}", a.completed, per_op);
    const std::string flow = a.input_rows > 0 ? fmt::format("{} -> {}", rows(a.input_rows), rows(a.output_rows)) : "-";
    const std::string reduction = a.reduction_ratio ? fmt::format("{:.1f}%", *a.reduction_ratio * 100.0) : "-";
    const std::string mean = a.mean_duration ? format_duration(*a.mean_duration) : "-";
    const std::string rate = a.rows_per_second ? rows(static_cast<std::int64_t>(*a.rows_per_second)) + " rows/s" : "-";
    std::string line = fmt::format("   {:>3}  {}  {:>11}  {:>17}  {:>9}  {:>9}  {:>9}  {:>12}", a.operation_idx,
                                   fit(o.style, a.operation_name.empty() ? "?" : a.operation_name, 28), done, flow,
                                   reduction, a.completed > 0 ? format_duration(a.total_duration) : "-", mean, rate);
    if (a.failed > 0) line += fmt::format("  {}", paint(o.style, Color::red, fmt::format("{} failed", a.failed)));
    out += line + "\n";
  }
}

void failures(std::string& out, const Snapshot& s, const SnapshotViewOptions& o) {
  if (s.failures_total == 0) return;
  section(out, o.style, "❌", fmt::format("Failures ({})", s.failures_total));
  std::size_t shown = 0;
  for (const Failure& f : s.failures) {
    if (shown++ == o.max_failures) break;
    std::string where = "job";
    if (f.partition_id) where = fmt::format("partition {}", *f.partition_id);
    if (f.operation_idx) where += fmt::format(", op {} {}", *f.operation_idx, terminal_safe(f.operation_name));
    out += fmt::format("   {}: {}\n", paint(o.style, Color::red, where),
                       f.message.empty() ? "(no message)" : terminal_safe(f.message));
  }
  if (s.failures_total > shown) out += fmt::format("   ... and {} more\n", s.failures_total - shown);
}

}  // namespace

std::string render_snapshot(const Snapshot& s, const SnapshotViewOptions& o) {
  const std::string rule(80, '=');
  std::string out = rule + "\n";
  // Every text below that came from the events files goes through terminal_safe.
  out += fmt::format("DataJuicer Processing Snapshot - Job: {}\n", terminal_safe(s.job_id));
  out += rule + "\n";
  out += fmt::format("{}: {} ({:.1f}%)\n", heading(o.style, "📊", "Overall Status"), status_word(o.style, s.overall_status),
                     s.overall_percentage);
  if (!s.executor_type.empty()) out += fmt::format("   Executor: {}\n", terminal_safe(s.executor_type));
  out += fmt::format("{}: {}\n", heading(o.style, "🕐", "Started"), when(s.start_time, o));
  if (s.end_time) out += fmt::format("{}: {}\n", heading(o.style, "🏁", "Ended"), when(s.end_time, o));
  out += fmt::format("{}: {}\n", o.style.unicode ? "⏱️  Duration" : "Duration",
                     s.duration_seconds ? format_duration(*s.duration_seconds) : std::string("-"));
  if (s.eta && s.eta->stalled) {
    // A frozen job's projected finish is meaningless: say how long it has been quiet.
    out += fmt::format("{}: {}\n", heading(o.style, "⏳", "ETA"),
                       paint(o.style, Color::yellow,
                             fmt::format("unknown - stalled, no progress for {}", format_duration(s.eta->seconds_since_progress))));
  } else if (s.eta && s.eta->remaining_seconds) {
    std::string eta = format_duration(*s.eta->remaining_seconds);
    if (s.eta->finish_time) eta += fmt::format(" (finish ~ {})", format_timestamp(*s.eta->finish_time, o.utc));
    out += fmt::format("{}: {}\n", heading(o.style, "⏳", "ETA"), eta);
  }
  if (s.runs > 1 || s.restarts > 0) out += fmt::format("   Runs: {} (restarts: {})\n", s.runs, s.restarts);

  section(out, o.style, "📈", "Progress Summary");
  out += fmt::format("   Partitions  {}  {}/{} completed", fraction_line(o, s.completed_partitions, s.total_partitions),
                     s.completed_partitions, s.total_partitions);
  if (s.failed_partitions > 0) out += fmt::format(", {}", paint(o.style, Color::red, fmt::format("{} failed", s.failed_partitions)));
  if (s.in_progress_partitions > 0) out += fmt::format(", {} in progress", s.in_progress_partitions);
  out += "\n";
  out += fmt::format("   Operations  {}  {}/{} completed", fraction_line(o, s.completed_operations, s.total_operations),
                     s.completed_operations, s.total_operations);
  if (s.failed_operations > 0) out += fmt::format(", {}", paint(o.style, Color::red, fmt::format("{} failed", s.failed_operations)));
  out += fmt::format(", {} checkpointed\n", s.checkpointed_operations);
  if (s.planned_partitions > 0)
    out += fmt::format("   Planned: {} partitions x {} operations (from {})\n", s.planned_partitions,
                       s.operations_per_partition, s.planned_partitions_source);

  operations_table(out, s, o);
  failures(out, s, o);

  section(out, o.style, "💾", "Checkpointing");
  out += fmt::format("   Strategy: {}\n", s.checkpoint_strategy.empty() ? "-" : terminal_safe(s.checkpoint_strategy));
  out += fmt::format("   Last checkpoint: {}\n", when(s.last_checkpoint_time, o));
  out += fmt::format("   Checkpointed operations: {}\n", s.checkpointed_operations);
  out += fmt::format("   Resumable: {}\n", s.resumable ? paint(o.style, Color::green, "yes") : std::string("no"));
  if (!s.resumption_command.empty()) out += fmt::format("   Resume with: {}\n", terminal_safe(s.resumption_command));

  std::uint64_t bytes = 0, torn = 0;
  for (const auto& f : s.events_files) {
    bytes += f.bytes;
    torn += f.partial_last_line;
  }
  out += fmt::format("\n{}: {} events from {} file(s), {} bytes\n", heading(o.style, "📁", "Events"), s.events_analyzed,
                     s.events_files.size(), format_thousands(static_cast<std::int64_t>(bytes)));
  if (s.skipped.total() > 0 || torn > 0) {
    std::string first;
    for (const auto& l : s.skipped.first)
      first += fmt::format("{}{}:{} ({})", first.empty() ? "" : ", ", terminal_safe(base_name(l.file)), l.line,
                           line_issue_name(l.issue));
    out += paint(o.style, Color::yellow,
                 fmt::format("   Skipped lines: {} (+{} unterminated last line) - {}", s.skipped.total(), torn, first)) +
           "\n";
  }
  return out;
}

std::string render_job_list(const std::vector<JobListing>& jobs, const SnapshotViewOptions& o) {
  std::string out = fmt::format("{}  {}  {:>21}  {:>8}  {}\n", fit(o.style, "JOB", 32), fit(o.style, "STATUS", 11),
                                "PARTITIONS", "PROGRESS", "LAST EVENT");
  for (const JobListing& j : jobs) {
    const std::string status = j.error.empty() ? std::string(to_string(j.status)) : "error";
    out += fmt::format("{}  {}  {:>21}  {:>7.1f}%  {}\n", fit(o.style, j.job_id, 32), fit(o.style, status, 11),
                       fmt::format("{}/{}", j.completed_partitions, j.total_partitions), j.overall_percentage,
                       j.error.empty() ? when(j.last_event_time, o) : terminal_safe(j.error));
  }
  if (jobs.empty()) out += "(no Data-Juicer jobs found)\n";
  return out;
}

}  // namespace jobmon
