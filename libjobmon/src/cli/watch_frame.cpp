// Layout of one dashboard frame (see jobmon/watch.hpp). Pure: everything it
// shows comes from the Aggregate, the deltas and the options.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "core/text/text.hpp"
#include "core/text/utf8.hpp"
#include "jobmon/cli/watch.hpp"
#include "jobmon/clock.hpp"

namespace jobmon {
namespace {

constexpr int min_bar_width = 10;

int group_of(JobStatus status) {  // active, then trouble, then done
  switch (status) {
    case JobStatus::running: return 0;
    case JobStatus::pending: return 1;
    case JobStatus::failed: return 2;
    case JobStatus::stalled: return 3;
    case JobStatus::complete: return 4;
  }
  return 5;
}

// "33.3%", floored so an unfinished count never reads 100.0%.
std::string percent_tenths(std::int64_t done, std::int64_t total) {
  if (total <= 0) return "0.0%";
  const std::int64_t tenths = std::clamp<std::int64_t>(done, 0, total) * 1000 / total;
  return fmt::format("{}.{}%", tenths / 10, tenths % 10);
}

int whole_percent_of(std::int64_t done, std::int64_t total) {
  return total <= 0 ? 0 : static_cast<int>(std::clamp<std::int64_t>(done, 0, total) * 100 / total);
}

std::string clock_time(double epoch_seconds, bool utc) {
  const std::string stamp = format_timestamp(epoch_seconds, utc);  // "YYYY-MM-DD HH:MM:SS[ UTC]"
  return stamp.size() >= 19 ? stamp.substr(11, 8) + (utc ? " UTC" : "") : stamp;
}

// When the ETA falls: the time of day when it is within the day, else the date too.
std::string finish_clock(double now, double remaining, bool utc) {
  if (remaining < 20 * 3600) return clock_time(now + remaining, utc);
  const std::string stamp = format_timestamp(now + remaining, utc);
  return stamp.size() >= 16 ? stamp.substr(0, 16) + (utc ? " UTC" : "") : stamp;
}

// Glyph per status, one column wide in every terminal (emoji widths vary).
std::string status_glyph(const TermStyle& style, JobStatus status) {
  switch (status) {
    case JobStatus::running: return paint(style, Color::cyan, style.unicode ? "●" : ">");
    case JobStatus::pending: return paint(style, Color::gray, style.unicode ? "○" : ".");
    case JobStatus::failed: return paint(style, Color::red, style.unicode ? "✗" : "X");
    case JobStatus::stalled: return paint(style, Color::yellow, style.unicode ? "⚑" : "!");
    case JobStatus::complete: return paint(style, Color::green, style.unicode ? "✓" : "=");
  }
  return "?";
}

struct Cell {
  std::string plain;  // for width
  Color color = Color::none;
};

// The last column: ETA, or what stands in for it.
Cell eta_cell(const JobRow& row, double now) {
  switch (row.status) {
    case JobStatus::complete:
      if (row.finished_at) return {"done " + format_duration(now - *row.finished_at) + " ago", Color::gray};
      return {"done", Color::gray};
    case JobStatus::failed: return {fmt::format("{} failed", row.failed_ranks), Color::red};
    case JobStatus::stalled: return {"stalled " + format_duration(row.eta.seconds_since_progress), Color::yellow};
    case JobStatus::pending: return {"waiting", Color::gray};
    case JobStatus::running: break;
  }
  if (row.eta.remaining_seconds) return {format_duration(*row.eta.remaining_seconds), Color::none};
  return {"?", Color::gray};
}

// Separator between header items; ASCII where Unicode is off.
const char* dot(const TermStyle& style) { return style.unicode ? " · " : " | "; }

std::string delta_text(const TermStyle& style, std::int64_t delta) {
  if (delta <= 0) return {};
  std::string text(" ");
  text += paint(style, Color::green, fmt::format("(+{} completed)", format_thousands(delta)));
  return text;
}

std::string title_line(const Aggregate& agg, const WatchFrameOptions& o) {
  const TermStyle& st = o.style;
  std::vector<std::string> parts;
  parts.push_back(paint(st, Color::bold, "jobmon watch"));
  if (!o.targets_label.empty()) parts.push_back(detail::printable(o.targets_label));
  parts.push_back("every " + (o.interval_seconds < 60 ? fmt::format("{:g}s", o.interval_seconds)
                                                      : format_duration(o.interval_seconds)));
  parts.push_back("updated " + clock_time(agg.now, o.utc));
  if (o.scan_seconds) parts.push_back(paint(st, Color::gray, fmt::format("scan {:.0f} ms", *o.scan_seconds * 1000)));
  if (o.warnings > 0) parts.push_back(paint(st, Color::yellow, fmt::format("{} warnings", o.warnings)));
  std::string left = detail::join(parts, dot(st));
  if (!o.show_keys) return left;
  const std::string keys = paint(st, Color::gray, "q quit");
  const int gap = o.columns - display_width(left) - display_width(keys);
  if (gap >= 2) left += std::string(static_cast<std::size_t>(gap), ' ') + keys;
  return left;
}

std::string jobs_line(const Aggregate& agg, const AggregateDelta& delta, const TermStyle& st) {
  const Totals& t = agg.totals;
  std::string line = fmt::format("Tracked jobs:  {}/{} - {}", format_thousands(t.jobs_completed),
                                 format_thousands(t.jobs_total), percent_tenths(t.jobs_completed, t.jobs_total));
  line += delta_text(st, delta.jobs_completed);
  std::vector<std::string> states;
  if (t.jobs_running > 0) states.push_back(paint(st, Color::cyan, fmt::format("{} running", t.jobs_running)));
  if (t.jobs_pending > 0) states.push_back(fmt::format("{} waiting", t.jobs_pending));
  if (t.jobs_failed > 0)
    states.push_back(paint(st, Color::red, fmt::format("{} failed ({} ranks)", t.jobs_failed, t.tasks_failed)));
  if (t.jobs_stalled > 0) states.push_back(paint(st, Color::yellow, fmt::format("{} stalled", t.jobs_stalled)));
  if (!states.empty()) line += fmt::format(" {}{}", dot(st), detail::join(states, dot(st)));
  return line;
}

std::string tasks_line(const Aggregate& agg, const AggregateDelta& delta, const WatchFrameOptions& o) {
  const Totals& t = agg.totals;
  std::string line = fmt::format("Tracked tasks: {}/{} - {}", format_thousands(t.tasks_completed),
                                 format_thousands(t.tasks_total), percent_tenths(t.tasks_completed, t.tasks_total));
  line += delta_text(o.style, delta.tasks_completed);
  if (t.jobs_total == 0 || t.jobs_completed == t.jobs_total) return line;
  std::vector<std::string> outlook;
  if (t.rate) outlook.push_back(format_rate(t.rate));
  if (t.remaining_seconds && *t.remaining_seconds > 0)
    outlook.push_back(fmt::format("ETA {} ({})", format_duration(*t.remaining_seconds),
                                  finish_clock(agg.now, *t.remaining_seconds, o.utc)));
  else outlook.push_back(paint(o.style, Color::gray, "ETA ?"));
  return line + fmt::format(" {}{}", dot(o.style), detail::join(outlook, dot(o.style)));
}

struct TableLayout {
  int name = 0, count = 0, fresh = 0, rate = 0, eta = 0, bar = 0;
};

// Column widths for the rows shown; optional columns go first when narrow.
TableLayout layout_table(const std::vector<const JobRow*>& rows, const std::vector<Cell>& etas, int columns) {
  TableLayout l;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const JobState& job = *rows[i]->job;
    l.name = std::max(l.name, display_width(detail::printable(job.name)));
    l.count = std::max(l.count, static_cast<int>(fmt::format("{}/{}", job.completed, job.world_size).size()));
    if (rows[i]->newly_completed > 0)
      l.fresh = std::max(l.fresh, static_cast<int>(fmt::format("+{}", rows[i]->newly_completed).size()));
    l.rate = std::max(l.rate, static_cast<int>(format_rate(rows[i]->eta.rate).size()));
    l.eta = std::max(l.eta, display_width(etas[i].plain));
  }
  l.name = std::clamp(l.name, 4, std::max(12, columns / 3));
  l.count = std::max(l.count, 4);
  // NEW and RATE are always there and wide enough for the usual values:
  // the bar must not jump when deltas appear or the rate unit changes.
  l.fresh = std::max(l.fresh, 4);
  l.rate = std::max(l.rate, 7);
  l.eta = std::max(l.eta, 3);
  // glyph, name, count, "100%" and single spaces between them.
  auto fixed = [&] {
    int w = 1 + 1 + l.name + 1 + l.count + 1 + 4 + 1;
    if (l.fresh > 0) w += 1 + l.fresh;
    if (l.rate > 0) w += 1 + l.rate;
    if (l.eta > 0) w += 1 + l.eta;
    return w;
  };
  l.bar = columns - fixed();
  if (l.bar < min_bar_width) {
    l.rate = 0;
    l.fresh = 0;
    l.bar = columns - fixed();
  }
  if (l.bar < min_bar_width) {  // squeeze names before giving up the bar
    l.name = std::max(4, l.name - (min_bar_width - l.bar));
    l.bar = columns - fixed();
  }
  if (l.bar < min_bar_width) { l.eta = 0; l.bar = columns - fixed(); }
  if (l.bar < min_bar_width) l.bar = 0;
  return l;
}

std::string header_row(const TableLayout& l, const TermStyle& st) {
  std::string h = fmt::format("  {} {:>{}}    %", fit(st, "JOB", l.name), "DONE", l.count);
  if (l.bar > 0) h += fmt::format(" {}", fit(st, "PROGRESS", l.bar));
  if (l.fresh > 0) h += fmt::format(" {:>{}}", "NEW", l.fresh);
  if (l.rate > 0) h += fmt::format(" {:>{}}", "RATE", l.rate);
  if (l.eta > 0) h += " ETA";
  return paint(st, Color::gray, h);
}

std::string job_row(const JobRow& row, const Cell& eta, const TableLayout& l, const TermStyle& st) {
  const JobState& job = *row.job;
  const std::string name = detail::printable(job.name);
  const Color name_color = row.status == JobStatus::failed    ? Color::red
                           : row.status == JobStatus::stalled ? Color::yellow
                                                              : Color::none;
  std::string line = status_glyph(st, row.status) + " " + paint(st, name_color, fit(st, name, l.name));
  line += fmt::format(" {:>{}} {:>3}%", fmt::format("{}/{}", job.completed, job.world_size), l.count,
                      whole_percent_of(job.completed, job.world_size));
  if (l.bar > 0) {
    const double total = static_cast<double>(std::max<std::int64_t>(job.world_size, 1));
    const double before = static_cast<double>(job.completed - row.newly_completed) / total;
    line += ' ';
    line += render_bar(st, l.bar, job.fraction(), before);
  }
  if (l.fresh > 0) {
    const std::string fresh = row.newly_completed > 0 ? fmt::format("+{}", row.newly_completed) : "";
    line += ' ';
    line += paint(st, Color::green, fmt::format("{:>{}}", fresh, l.fresh));
  }
  if (l.rate > 0) {
    const bool moving = row.status == JobStatus::running || row.status == JobStatus::failed;
    line += ' ';
    line += fmt::format("{:>{}}", moving ? format_rate(row.eta.rate) : "", l.rate);
  }
  if (l.eta > 0) {
    line += ' ';
    line += paint(st, eta.color, eta.plain);
  }
  return line;
}

// "… 9,990 more: 5 running, 9,985 complete" for the rows that do not fit.
std::string collapsed_row(const std::vector<const JobRow*>& hidden, const TermStyle& st) {
  std::int64_t counts[5] = {0, 0, 0, 0, 0};
  for (const JobRow* row : hidden) ++counts[group_of(row->status)];
  static constexpr const char* names[5] = {"running", "waiting", "failed", "stalled", "complete"};
  std::vector<std::string> parts;
  for (int g = 0; g < 5; ++g) {
    if (counts[g] > 0) parts.push_back(fmt::format("{} {}", format_thousands(counts[g]), names[g]));
  }
  return paint(st, Color::gray, fmt::format("{} {} more: {}", st.unicode ? "…" : "...",
                                            format_thousands(static_cast<std::int64_t>(hidden.size())),
                                            detail::join(parts, ", ")));
}

}  // namespace

std::string format_rate(std::optional<double> per_second) {
  if (!per_second || !std::isfinite(*per_second) || *per_second <= 0) return "-";
  auto number = [](double v) { return v < 10 ? fmt::format("{:.1f}", v) : format_count(v); };
  if (*per_second >= 1) return number(*per_second) + "/s";
  if (*per_second * 60 >= 1) return number(*per_second * 60) + "/min";
  return number(*per_second * 3600) + "/h";
}

std::string clip_to_width(std::string_view text, int width) {
  std::string out;
  int used = 0;
  bool cut = false, colored = false;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '\x1b') {  // copy a CSI sequence whole: it takes no columns
      const std::size_t end = detail::escape_sequence_end(text, i);
      const std::string_view seq = text.substr(i, end - i);
      if (!cut) {
        out.append(seq);
        colored = seq != "\x1b[0m";
      }
      i = end;
      continue;
    }
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t len = std::min(detail::utf8_sequence_length(lead), text.size() - i);
    const int w = display_width(text.substr(i, len));
    if (!cut && used + w > width) cut = true;
    if (!cut) {
      out.append(text.substr(i, len));
      used += w;
    }
    i += len;
  }
  if (cut && colored) out += "\x1b[0m";
  return out;
}

std::vector<const JobRow*> dashboard_order(const Aggregate& aggregate) {
  std::vector<const JobRow*> rows;
  rows.reserve(aggregate.rows.size());
  for (const JobRow& row : aggregate.rows) rows.push_back(&row);
  std::stable_sort(rows.begin(), rows.end(), [](const JobRow* a, const JobRow* b) {
    if (group_of(a->status) != group_of(b->status)) return group_of(a->status) < group_of(b->status);
    return a->job->path < b->job->path;
  });
  return rows;
}

std::string render_watch_frame(const Aggregate& aggregate, const AggregateDelta& delta,
                               const WatchFrameOptions& options) {
  const TermStyle& st = options.style;
  const int columns = std::max(options.columns, 1);
  const int max_lines = std::max(options.rows, 1);
  std::vector<std::string> lines;
  lines.push_back(title_line(aggregate, options));
  lines.push_back(jobs_line(aggregate, delta, st));
  lines.push_back(tasks_line(aggregate, delta, options));
  const Totals& t = aggregate.totals;
  if (t.tasks_total > 0) {
    const double total = static_cast<double>(t.tasks_total);
    lines.push_back(render_bar(st, std::max(columns, 1), static_cast<double>(t.tasks_completed) / total,
                               static_cast<double>(t.tasks_completed - delta.tasks_completed) / total));
  }

  const std::vector<const JobRow*> rows = dashboard_order(aggregate);
  // Table: a blank line, the column header, then rows (the last row slot
  // becomes a count of the rest when they do not fit).
  const int table_slots = max_lines - static_cast<int>(lines.size()) - 2;
  if (rows.empty() && max_lines - static_cast<int>(lines.size()) >= 2) {
    lines.emplace_back();
    lines.push_back(paint(st, Color::gray, "No jobs found (yet): waiting for executor.json under the targets."));
  } else if (!rows.empty() && table_slots >= 1) {
    std::size_t shown = rows.size();
    if (rows.size() > static_cast<std::size_t>(table_slots)) shown = static_cast<std::size_t>(table_slots) - 1;
    const std::vector<const JobRow*> visible(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(shown));
    std::vector<Cell> etas;
    etas.reserve(visible.size());
    for (const JobRow* row : visible) etas.push_back(eta_cell(*row, aggregate.now));
    const TableLayout layout = layout_table(visible, etas, columns);
    lines.emplace_back();
    lines.push_back(header_row(layout, st));
    for (std::size_t i = 0; i < visible.size(); ++i) lines.push_back(job_row(*visible[i], etas[i], layout, st));
    if (shown < rows.size())
      lines.push_back(collapsed_row({rows.begin() + static_cast<std::ptrdiff_t>(shown), rows.end()}, st));
  }

  if (lines.size() > static_cast<std::size_t>(max_lines)) lines.resize(static_cast<std::size_t>(max_lines));
  std::string frame;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i != 0) frame += '\n';
    frame += clip_to_width(lines[i], columns);
  }
  return frame;
}

std::string render_watch_log_line(const Aggregate& aggregate, const AggregateDelta& delta, bool utc, bool unicode) {
  const Totals& t = aggregate.totals;
  std::vector<std::string> parts;
  std::string jobs = fmt::format("jobs {}/{} ({}%)", t.jobs_completed, t.jobs_total,
                                 whole_percent_of(t.jobs_completed, t.jobs_total));
  if (delta.jobs_completed > 0) jobs += fmt::format(" +{}", delta.jobs_completed);
  parts.push_back(jobs);
  std::string tasks = fmt::format("tasks {}/{} ({}%)", t.tasks_completed, t.tasks_total,
                                  whole_percent_of(t.tasks_completed, t.tasks_total));
  if (delta.tasks_completed > 0) tasks += fmt::format(" +{}", delta.tasks_completed);
  parts.push_back(tasks);
  if (t.jobs_running > 0) parts.push_back(fmt::format("{} running", t.jobs_running));
  if (t.jobs_failed > 0) parts.push_back(fmt::format("{} failed", t.jobs_failed));
  if (t.jobs_stalled > 0) parts.push_back(fmt::format("{} stalled", t.jobs_stalled));
  if (t.jobs_total > 0 && t.jobs_completed < t.jobs_total) {
    if (t.rate) parts.push_back(format_rate(t.rate));
    if (t.remaining_seconds && *t.remaining_seconds > 0) parts.push_back("ETA " + format_duration(*t.remaining_seconds));
  }
  return clock_time(aggregate.now, utc) + " " + detail::join(parts, unicode ? " · " : " | ");
}

std::string render_watch_final_line(const Aggregate& last, std::int64_t tasks_completed_at_start,
                                    double watched_seconds) {
  const Totals& t = last.totals;
  return fmt::format("Monitoring stopped after {}: {}/{} ({}%) jobs, {}/{} ({}%) tasks completed (+{} while watching).",
                     format_duration(watched_seconds), t.jobs_completed, t.jobs_total,
                     whole_percent_of(t.jobs_completed, t.jobs_total), t.tasks_completed, t.tasks_total,
                     whole_percent_of(t.tasks_completed, t.tasks_total),
                     std::max<std::int64_t>(0, t.tasks_completed - tasks_completed_at_start));
}

}  // namespace jobmon
