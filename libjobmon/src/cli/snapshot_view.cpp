#include "jobmon/cli/snapshot_view.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "cli/snapshot/sections.hpp"
#include "core/text/text.hpp"
#include "jobmon/clock.hpp"

namespace jobmon {
namespace {

using detail::snapshot_section;

// The reference's icon before the status word (its not-started icon is ⏳).
std::string_view status_icon(RunStatus status) {
  switch (status) {
    case RunStatus::completed: return "✅ ";
    case RunStatus::failed: return "❌ ";
    case RunStatus::in_progress: return "🔄 ";
    case RunStatus::not_started: return "⏳ ";
  }
  return "";
}

Color status_color(RunStatus status) {
  return status == RunStatus::completed ? Color::green
         : status == RunStatus::failed  ? Color::red
         : status == RunStatus::in_progress ? Color::yellow
                                            : Color::gray;
}

Color state_color(JobStatus state) {
  switch (state) {
    case JobStatus::complete: return Color::green;
    case JobStatus::failed: return Color::red;
    case JobStatus::stalled: return Color::yellow;
    case JobStatus::pending: return Color::gray;
    case JobStatus::running: return Color::none;
  }
  return Color::none;
}

// "<emoji> <text>", or the text alone without Unicode.
std::string heading(const TermStyle& style, std::string_view emoji, std::string_view text) {
  return style.unicode ? fmt::format("{} {}", emoji, text) : std::string(text);
}

std::string when(const std::optional<double>& t, const SnapshotViewOptions& o) {
  return t ? format_timestamp(*t, o.utc) : std::string("-");
}

std::string count(std::int64_t v) { return format_thousands(v); }

// "1m 29s (89.44 seconds)": the friendly form, then the reference's.
std::string duration_text(double seconds) {
  return fmt::format("{} ({:.2f} seconds)", format_duration(seconds), seconds);
}

std::string bar(const SnapshotViewOptions& o, std::int64_t done, std::int64_t total) {
  const double f = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
  return fmt::format("{} {:>6.2f}%", render_bar(o.style, o.bar_width, f), f * 100.0);
}

void status_lines(std::string& out, const Snapshot& s, const SnapshotViewOptions& o) {
  const TermStyle& st = o.style;
  const std::string word = detail::ascii_upper(to_string(s.overall_status));
  out += fmt::format("\n{}: {}{} ({:.1f}%)\n", heading(st, "📊", "Overall Status"),
                     st.unicode ? status_icon(s.overall_status) : "",
                     paint(st, status_color(s.overall_status), word), s.overall_percentage);
  // The state word every jobmon tool shows; a stalled job says how long it has been silent.
  std::string state = paint(st, state_color(s.state), to_string(s.state));
  if (s.last_event_age) state += fmt::format(" - last event {} ago", format_duration(*s.last_event_age));
  // Why, where the word alone does not say (a finished job's reason repeats it,
  // a failed one's is in the Failures section).
  const bool explain = s.state == JobStatus::stalled || s.state == JobStatus::pending;
  if (explain && !s.state_reason.empty()) state += fmt::format(" ({})", terminal_safe(s.state_reason));
  out += fmt::format("   State: {}\n", state);
  if (!s.executor_type.empty()) out += fmt::format("   Executor: {}\n", terminal_safe(s.executor_type));
  if (s.runs > 1 || s.restarts > 0) out += fmt::format("   Runs: {} (restarts: {})\n", s.runs, s.restarts);
}

// "running for X" counts until now, so only for a job that is (or is about to
// be) running; a stalled job's clock stopped at its last event, and a
// finished one's at its end.
std::string duration_line(const Snapshot& s) {
  if (!s.duration_seconds) return "-";
  if (s.state == JobStatus::stalled) {
    double seconds = *s.duration_seconds;
    if (s.duration_until_now && s.start_time && s.last_event_time)
      seconds = std::max(0.0, *s.last_event_time - *s.start_time);  // a model that still counted until now
    return fmt::format("ran for {} until its last event", duration_text(seconds));
  }
  const bool live = s.state == JobStatus::running || s.state == JobStatus::pending;
  return (live && s.duration_until_now ? "running for " : "") + duration_text(*s.duration_seconds);
}

void timing_lines(std::string& out, const Snapshot& s, const SnapshotViewOptions& o) {
  const TermStyle& st = o.style;
  out += fmt::format("{}: {}\n", heading(st, "🕐", "Started"), when(s.start_time, o));
  if (s.end_time) out += fmt::format("{}: {}\n", heading(st, "🏁", "Ended"), when(s.end_time, o));
  out += fmt::format("{}: {}\n", st.unicode ? "⏱️  Duration" : "Duration", duration_line(s));

  const std::string eta_label = heading(st, "⏳", "ETA");
  if (s.state == JobStatus::stalled) {
    // A frozen job's projected finish is meaningless: say how long it made no
    // progress (never less than its silence: a completion is an event).
    const double quiet = std::max(s.eta ? s.eta->seconds_since_progress : 0.0, s.last_event_age.value_or(0.0));
    out += fmt::format("{}: {}\n", eta_label,
                       paint(st, Color::yellow, fmt::format("unknown - stalled, no progress for {}", format_duration(quiet))));
  } else if (s.eta && s.eta->remaining_seconds) {
    std::string eta = format_duration(*s.eta->remaining_seconds);
    if (s.eta->finish_time) eta += fmt::format(" (finish ~ {})", format_timestamp(*s.eta->finish_time, o.utc));
    if (s.eta_unit == "partitions") eta += ", from partitions done";
    else if (s.eta_unit == "partition_operations") eta += ", from partition-operations done";
    else if (!s.eta_unit.empty()) eta += fmt::format(", from {} done", terminal_safe(s.eta_unit));
    out += fmt::format("{}: {}\n", eta_label, eta);
  }
}

void progress_lines(std::string& out, const Snapshot& s, const SnapshotViewOptions& o) {
  const TermStyle& st = o.style;
  snapshot_section(out, st, "📈", "Progress Summary");
  // "Partitions: 4/4 completed" first, as the reference prints it (greppable), then the bar.
  out += fmt::format("   Partitions: {}/{} completed  {}", count(s.completed_partitions), count(s.total_partitions),
                     bar(o, s.completed_partitions, s.total_partitions));
  if (s.in_progress_partitions > 0) out += fmt::format(", {} in progress", count(s.in_progress_partitions));
  out += '\n';
  out += fmt::format("   Operations: {}/{} completed  {}", count(s.completed_operations), count(s.total_operations),
                     bar(o, s.completed_operations, s.total_operations));
  if (s.in_progress_operations > 0) out += fmt::format(", {} in progress", count(s.in_progress_operations));
  out += '\n';
  if (s.failed_partitions > 0)
    out += fmt::format("   {}\n", paint(st, Color::red, heading(st, "❌", fmt::format("Failed partitions: {}", count(s.failed_partitions)))));
  if (s.failed_operations > 0)
    out += fmt::format("   {}\n", paint(st, Color::red, heading(st, "❌", fmt::format("Failed operations: {}", count(s.failed_operations)))));
  if (s.checkpointed_operations > 0)
    out += fmt::format("   {}\n", heading(st, "💾", fmt::format("Checkpointed operations: {}", count(s.checkpointed_operations))));
  if (s.planned_partitions > 0)
    out += fmt::format("   Planned: {} partitions x {} operations (from {})\n", count(s.planned_partitions),
                       count(s.operations_per_partition), terminal_safe(s.planned_partitions_source));
}

void checkpoint_lines(std::string& out, const Snapshot& s, const SnapshotViewOptions& o) {
  snapshot_section(out, o.style, "💾", "Checkpointing");
  out += fmt::format("   Strategy: {}\n", s.checkpoint_strategy.empty() ? "-" : terminal_safe(s.checkpoint_strategy));
  out += fmt::format("   Last checkpoint: {}\n", when(s.last_checkpoint_time, o));
  out += fmt::format("   Checkpointed operations: {}\n", count(s.checkpointed_operations));
  out += fmt::format("   Resumable: {}\n", s.resumable ? paint(o.style, Color::green, "Yes") : std::string("No"));
  // Quoted word by word, so it pastes back into a shell as it is. A stalled
  // job may only be slow: resuming one still running makes two writers.
  if (const std::string resume = resume_command(s); !resume.empty()) {
    out += fmt::format("   Resume with: {}\n", resume);
    if (s.state == JobStatus::stalled)
      out += paint(o.style, Color::yellow, "   (stalled, but it may still be running: check that its process is gone before resuming)") + "\n";
  }
}

void sources_lines(std::string& out, const Snapshot& s, const SnapshotViewOptions& o) {
  const TermStyle& st = o.style;
  std::uint64_t bytes = 0;
  for (const auto& f : s.events_files) bytes += f.bytes;
  out += fmt::format("\n{}: {} events from {} file(s), {} bytes\n", heading(st, "📁", "Events"),
                     count(static_cast<std::int64_t>(s.events_analyzed)), s.events_files.size(),
                     count(static_cast<std::int64_t>(bytes)));
  for (const auto& f : s.events_files)
    if (!f.error.empty())
      out += paint(st, Color::red, fmt::format("   Unreadable: {}: {}", terminal_safe(f.path), terminal_safe(f.error))) + "\n";
  const std::string breakdown = skipped_lines_breakdown(s.skipped);
  if (!breakdown.empty()) {
    std::string first;
    for (const auto& l : s.skipped.first)
      first += fmt::format("{}{}:{} ({})", first.empty() ? "" : ", ", terminal_safe(base_name(l.file)), l.line,
                           line_issue_name(l.issue));
    std::string line = fmt::format("   Skipped lines: {} - {}", count(static_cast<std::int64_t>(s.skipped.total())), breakdown);
    if (!first.empty()) line += "; first: " + first;
    out += paint(st, Color::yellow, line) + "\n";
  }
  if (!s.warnings.empty()) {
    snapshot_section(out, st, "⚠️ ", "Warnings");
    for (const std::string& w : s.warnings) out += paint(st, Color::yellow, "   " + terminal_safe(w)) + "\n";
  }
}

}  // namespace

std::string skipped_lines_breakdown(const SkippedLines& k) {
  std::vector<std::string> parts;
  const auto add = [&](std::uint64_t n, const char* what) {
    if (n > 0) parts.push_back(fmt::format("{} {}", format_thousands(static_cast<std::int64_t>(n)), what));
  };
  add(k.blank, "blank");
  add(k.corrupt, "corrupt");
  add(k.no_event_type, "without event_type");
  add(k.too_long, "too long");
  add(k.out_of_range, "out of range");
  add(k.torn, "torn (unterminated last line)");
  return detail::join(parts, ", ");
}

std::string resume_command(const Snapshot& s) {
  // Never for a running job: pasting it would start a second run on the same work dir.
  if (!s.resumable || (s.state != JobStatus::failed && s.state != JobStatus::stalled)) return {};
  std::vector<std::string> configs = s.config_files;
  if (configs.empty() && !s.config_file.empty()) configs.push_back(s.config_file);
  const std::string command = dj_resume_command(configs, s.job_id);
  return !command.empty() ? command : terminal_safe(s.resumption_command);  // else as the writer wrote it
}

std::string render_snapshot(const Snapshot& s, const SnapshotViewOptions& o) {
  const std::string rule(80, '=');
  std::string out = rule + "\n";
  // Every text below that came from the events files goes through terminal_safe.
  out += fmt::format("DataJuicer Processing Snapshot - Job: {}\n", terminal_safe(s.job_id));
  out += rule + "\n";
  status_lines(out, s, o);
  timing_lines(out, s, o);
  progress_lines(out, s, o);
  detail::render_operations_table(out, s, o);
  detail::render_failures(out, s, o);
  checkpoint_lines(out, s, o);
  sources_lines(out, s, o);
  return out;
}

std::string render_job_list(const std::vector<JobListing>& jobs, const SnapshotViewOptions& o) {
  // The job column is as wide as the longest id; on a terminal, at most what it leaves.
  int job_width = 3;
  for (const JobListing& j : jobs) job_width = std::max(job_width, display_width(terminal_safe(j.job_id)));
  if (o.width > 0) job_width = std::clamp(o.width - 60, 16, job_width);
  const auto partitions = [](const JobListing& j) {
    return fmt::format("{}/{}", count(j.completed_partitions), count(j.total_partitions));
  };
  int partitions_width = 10;
  for (const JobListing& j : jobs) partitions_width = std::max(partitions_width, display_width(partitions(j)));
  std::string out = fmt::format("{}  {}  {:>{}}  {:>8}  {}\n", fit(o.style, "JOB", job_width), fit(o.style, "STATE", 8),
                                "PARTITIONS", partitions_width, "PROGRESS", "LAST EVENT");
  for (const JobListing& j : jobs) {
    const bool error = !j.error.empty();
    const std::string state = error ? "error" : to_string(j.state);
    std::string last = when(j.last_event_time, o);
    if (j.last_event_age) last += fmt::format(" ({} ago)", format_duration(*j.last_event_age));
    out += fmt::format("{}  {}  {:>{}}  {:>7.1f}%  {}\n", fit(o.style, j.job_id, job_width),
                       paint(o.style, error ? Color::red : state_color(j.state), fit(o.style, state, 8)),
                       partitions(j), partitions_width, j.overall_percentage, error ? terminal_safe(j.error) : last);
  }
  if (jobs.empty()) out += "(no Data-Juicer jobs found)\n";
  return out;
}

}  // namespace jobmon
