#include "jobmon/cli/status_view.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "jobmon/cli/state_words.hpp"
#include "jobmon/clock.hpp"

namespace jobmon {

std::string status_icon(const TermStyle& style, JobStatus status) {
  if (style.unicode) {
    switch (status) {
      case JobStatus::complete: return "✅";
      case JobStatus::failed: return "❌";
      case JobStatus::running: return "⏳";
      case JobStatus::stalled: return "⚠️ ";
      case JobStatus::pending: return "💤";
    }
  }
  switch (status) {
    case JobStatus::complete: return "[ok]  ";
    case JobStatus::failed: return "[FAIL]";
    case JobStatus::running: return "[run] ";
    case JobStatus::stalled: return "[stal]";
    case JobStatus::pending: return "[wait]";
  }
  return "?";
}

namespace {

const char* separator(const TermStyle& style) { return style.unicode ? " · " : " - "; }

// --failed: the incomplete ranks as ranges, what the logs say of them, and
// the failure messages (bounded).
std::string render_failed_detail(const JobRow& row, const StatusViewOptions& options) {
  const TermStyle& st = options.style;
  const JobState& job = *row.job;
  std::string out = fmt::format("    incomplete ranks: {}\n", format_ranges(job.incomplete_ranges(), 50));
  if (job.logs_read) {
    const RankCounts& c = job.rank_counts;
    std::vector<std::string> parts;
    if (c.failed > 0) parts.push_back(fmt::format("{} failed", c.failed));
    if (c.finished_unmarked > 0) parts.push_back(fmt::format("{} done without marker", c.finished_unmarked));
    if (c.running > 0) parts.push_back(fmt::format("{} running", c.running));
    if (c.pending > 0) parts.push_back(fmt::format("{} without a log", c.pending));
    if (c.failed_earlier_attempt > 0) parts.push_back(fmt::format("{} failed in an earlier attempt", c.failed_earlier_attempt));
    if (c.unread > 0) parts.push_back(paint(st, Color::yellow, fmt::format("{} logs not read (budget)", c.unread)));
    std::string line;
    for (const std::string& p : parts) line += (line.empty() ? "" : separator(st)) + p;
    out += fmt::format("    logs: {}\n", line);
  }
  std::size_t shown = 0;
  if (row.scheduling) {
    if (!row.scheduling->job_ids.empty())
      out += fmt::format("    {}: array{} {}", row.scheduling->kind, row.scheduling->job_ids.size() == 1 ? "" : "s",
                         fmt::join(row.scheduling->job_ids, ", "));
    if (!row.scheduling->job_ids.empty() && row.scheduling->merge_job) {
      const MergeJob& m = *row.scheduling->merge_job;
      out += fmt::format("{}merge job {} {}{}", separator(st), m.job_id, to_string(m.state),
                         m.never_runs ? paint(st, Color::red, " (never runs: " + m.reason + ")") : std::string());
    }
    if (!row.scheduling->job_ids.empty()) out += '\n';
    const auto listed = static_cast<std::size_t>(std::count_if(row.scheduling->ranks.begin(), row.scheduling->ranks.end(),
                                                                 [](const RankScheduling& r) { return r.state != "running"; }));
    for (const RankScheduling& r : row.scheduling->ranks) {
      if (r.state == "running") continue;
      if (shown++ == options.max_rank_messages) {
        out += paint(st, Color::gray, fmt::format("    ... {} more\n", listed - options.max_rank_messages));
        break;
      }
      const RankIssue* issue = nullptr;
      for (const RankIssue& i : job.rank_issues) {
        if (i.rank == r.rank) issue = &i;
      }
      out += "    " + terminal_safe(rank_fate_text(r, issue)) + '\n';
      if (!r.slurm_log_tail.empty()) {
        const auto last = r.slurm_log_tail.rfind('\n');
        out += paint(st, Color::gray, "      slurm log: " + terminal_safe(last == std::string::npos ? r.slurm_log_tail : r.slurm_log_tail.substr(last + 1))) + '\n';
      }
    }
  }
  for (const RankIssue& issue : job.rank_issues) {
    if (shown > options.max_rank_messages) break;  // "... more" was said above
    if (row.scheduling && row.scheduling->find(issue.rank)) continue;  // said above
    if (issue.state != RankState::failed && issue.state != RankState::finished_unmarked) continue;
    if (issue.earlier_attempt) continue;
    if (shown++ == options.max_rank_messages) {
      out += paint(st, Color::gray, fmt::format("    ... {} more\n", row.failed_ranks - static_cast<std::int64_t>(options.max_rank_messages)));
      break;
    }
    if (issue.state == RankState::failed)
      out += fmt::format("    rank {} {}: {}\n", issue.rank, paint(st, Color::red, "failed"), terminal_safe(issue.message));
    else
      out += fmt::format("    rank {}: log says done but no completion marker\n", issue.rank);
  }
  if (const auto relaunch = row.relaunch()) {
    out += "    relaunch: " + terminal_safe(relaunch->hint) + '\n';
    for (const std::string& command : relaunch->commands) out += "      $ " + terminal_safe(command) + '\n';
  }
  return out;
}

std::string row_tail(const JobRow& row, const StatusViewOptions& options, double now) {
  const TermStyle& st = options.style;
  const std::string sep = separator(st);
  switch (row.status) {
    case JobStatus::complete:
      return paint(st, Color::gray, row.finished_at ? "finished " + format_timestamp(*row.finished_at, options.utc) : "finished");
    case JobStatus::pending: {
      const std::string queued = queued_text(row);
      return paint(st, Color::gray, queued.empty() ? "pending" : "pending" + sep + queued);
    }
    case JobStatus::failed: {
      std::string tail = paint(st, Color::red, failed_count_text(row));
      if (row.needs_relaunch()) return tail + sep + "others done: relaunch to finish";
      if (row.ended_at) tail += sep + stopped_text(row, now);
      return tail;
    }
    case JobStatus::stalled:
      return paint(st, Color::yellow, fmt::format("stalled {}", format_duration(row.eta.seconds_since_progress)));
    case JobStatus::running: break;
  }
  std::string tail;
  if (row.failed_ranks > 0) tail += paint(st, Color::red, failed_count_text(row)) + sep;
  if (row.eta.remaining_seconds) {
    tail += fmt::format("ETA {}", format_duration(*row.eta.remaining_seconds));
    if (row.eta.rate) tail += paint(st, Color::gray, fmt::format(" ({}/h)", format_count(*row.eta.rate * 3600)));
  } else {
    tail += paint(st, Color::gray, "ETA ? (rate unknown)");
  }
  return tail;
}

}  // namespace

std::string render_job_lines(const Aggregate& aggregate, const StatusViewOptions& options) {
  const TermStyle& st = options.style;
  int name_width = 0;
  int count_width = 0;
  for (const JobRow& row : aggregate.rows) {
    name_width = std::max(name_width, display_width(terminal_safe(row.job->name)) + 1);
    count_width = std::max(count_width, static_cast<int>(fmt::format("{}/{}", row.job->completed, row.job->world_size).size()));
  }
  name_width = std::min(name_width, options.max_name_width);
  std::string out;
  for (const JobRow& row : aggregate.rows) {
    const JobState& job = *row.job;
    const Color name_color = row.status == JobStatus::failed ? Color::red
                             : row.status == JobStatus::stalled ? Color::yellow
                             : Color::none;
    out += status_icon(st, row.status);
    out += ' ';
    out += paint(st, name_color, fit(st, job.name + ":", name_width));
    out += fmt::format(" {:>{}} ({:>3}%) ", fmt::format("{}/{}", job.completed, job.world_size), count_width,
                       whole_percent(job.completed, job.world_size));
    if (options.bar_width > 0) {
      out += render_bar(st, options.bar_width, job.fraction());
      out += ' ';
    }
    out += row_tail(row, options, aggregate.now);
    out += '\n';
    if (options.show_failed && !job.complete()) out += render_failed_detail(row, options);
  }
  return out;
}

std::string render_outlook_line(const Aggregate& aggregate, const StatusViewOptions& options) {
  const Totals& t = aggregate.totals;
  if (t.jobs_completed == t.jobs_total) return {};
  std::vector<std::string> parts;
  if (t.jobs_running > 0) parts.push_back(fmt::format("{} running", t.jobs_running));
  if (t.jobs_failed > 0) parts.push_back(paint(options.style, Color::red, fmt::format("{} failed", t.jobs_failed)));
  if (t.jobs_stalled > 0) parts.push_back(paint(options.style, Color::yellow, fmt::format("{} stalled", t.jobs_stalled)));
  if (t.jobs_pending > 0) parts.push_back(fmt::format("{} pending", t.jobs_pending));
  if (t.tasks_failed > 0)
    parts.push_back(paint(options.style, Color::red, failed_ranks_text(t)));
  if (t.rate) parts.push_back(fmt::format("{} tasks/h", format_count(*t.rate * 3600)));
  if (t.remaining_seconds && *t.remaining_seconds > 0)
    parts.push_back(fmt::format("ETA {} ({})", format_duration(*t.remaining_seconds),
                                format_timestamp(aggregate.now + *t.remaining_seconds, options.utc)));
  std::string line = "Jobs: ";
  for (std::size_t i = 0; i < parts.size(); ++i) line += (i ? separator(options.style) : "") + parts[i];
  return line;
}

}  // namespace jobmon
