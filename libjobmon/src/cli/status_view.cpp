#include "jobmon/cli/status_view.hpp"

#include <algorithm>
#include <fmt/format.h>

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

std::string row_tail(const JobRow& row, const StatusViewOptions& options) {
  const TermStyle& st = options.style;
  std::string tail;
  if (row.status == JobStatus::complete) {
    tail = row.finished_at ? "finished " + format_timestamp(*row.finished_at, options.utc) : "finished";
    return paint(st, Color::gray, tail);
  }
  if (row.failed_ranks > 0) tail += paint(st, Color::red, fmt::format("{} failed", row.failed_ranks)) + separator(st);
  if (row.status == JobStatus::pending) return tail + paint(st, Color::gray, "not started");
  if (row.eta.remaining_seconds && *row.eta.remaining_seconds == 0) {
    return tail + "others done: relaunch to finish";
  }
  if (row.status == JobStatus::stalled) {
    tail += paint(st, Color::yellow, fmt::format("stalled {}", format_duration(row.eta.seconds_since_progress)));
    return tail;
  }
  if (row.eta.remaining_seconds) {
    tail += fmt::format("ETA {}", format_duration(*row.eta.remaining_seconds));
    if (row.eta.rate) tail += paint(st, Color::gray, fmt::format(" ({}/h)", format_count(*row.eta.rate * 3600)));
  } else {
    tail += paint(st, Color::gray, "ETA ?");
  }
  return tail;
}

}  // namespace

std::string render_job_lines(const Aggregate& aggregate, const StatusViewOptions& options) {
  const TermStyle& st = options.style;
  int name_width = 0;
  int count_width = 0;
  for (const JobRow& row : aggregate.rows) {
    name_width = std::max(name_width, display_width(row.job->name) + 1);
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
    out += row_tail(row, options);
    out += '\n';
    if (options.show_failed && !job.complete()) {
      out += fmt::format("    incomplete ranks: {}\n", format_ranges(job.incomplete_ranges(), 50));
      std::size_t shown = 0;
      for (const RankIssue& issue : job.rank_issues) {
        if (issue.state != RankState::failed && issue.state != RankState::finished_unmarked) continue;
        if (shown++ == options.max_rank_messages) {
          out += paint(st, Color::gray, fmt::format("    ... {} more failed ranks\n", row.failed_ranks - static_cast<std::int64_t>(options.max_rank_messages)));
          break;
        }
        if (issue.state == RankState::failed)
          out += fmt::format("    rank {} {}: {}\n", issue.rank, paint(st, Color::red, "failed"), issue.message);
        else
          out += fmt::format("    rank {}: log says done but no completion marker\n", issue.rank);
      }
      if (job.rank_issues_truncated)
        out += paint(st, Color::gray, fmt::format("    (logs of the first {} incomplete ranks were read)\n", job.rank_issues.size()));
    }
  }
  return out;
}

std::string render_outlook_line(const Aggregate& aggregate, const StatusViewOptions& options) {
  const Totals& t = aggregate.totals;
  if (t.jobs_completed == t.jobs_total) return {};
  std::vector<std::string> parts;
  if (t.jobs_running > 0) parts.push_back(fmt::format("{} running", t.jobs_running));
  if (t.jobs_failed > 0) parts.push_back(paint(options.style, Color::red, fmt::format("{} failed ({} ranks)", t.jobs_failed, t.tasks_failed)));
  if (t.jobs_stalled > 0) parts.push_back(paint(options.style, Color::yellow, fmt::format("{} stalled", t.jobs_stalled)));
  if (t.jobs_pending > 0) parts.push_back(fmt::format("{} not started", t.jobs_pending));
  if (t.rate) parts.push_back(fmt::format("{} tasks/h", format_count(*t.rate * 3600)));
  if (t.remaining_seconds && *t.remaining_seconds > 0)
    parts.push_back(fmt::format("ETA {} ({})", format_duration(*t.remaining_seconds),
                                format_timestamp(aggregate.now + *t.remaining_seconds, options.utc)));
  std::string line = "Jobs: ";
  for (std::size_t i = 0; i < parts.size(); ++i) line += (i ? separator(options.style) : "") + parts[i];
  return line;
}

}  // namespace jobmon
