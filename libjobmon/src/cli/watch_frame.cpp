// Layout of one dashboard frame (see jobmon/watch.hpp). Pure: everything it
// shows comes from the Aggregate, the deltas and the options.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <functional>

#include "core/text/text.hpp"
#include "core/text/utf8.hpp"
#include "jobmon/cli/state_words.hpp"
#include "jobmon/cli/watch.hpp"
#include "jobmon/clock.hpp"

namespace jobmon {
namespace {

constexpr int comfortable_bar_width = 10;  // below this, optional columns give way first
constexpr int min_bar_width = 4;           // below this, no bar at all
constexpr int min_name_width = 8;          // the name keeps this much before the bar shrinks

// THE sanitizer of the dashboard: every job name, path and warning message
// from the disk goes through here and nowhere else (control characters and
// invalid bytes cannot reach the terminal). One line to swap for another.
std::string screen_text(std::string_view text) { return terminal_safe(text); }

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

// Separator between header items; ASCII where Unicode is off.
const char* dot(const TermStyle& style) { return style.unicode ? " · " : " | "; }

// The last column: the ETA, or what stands in for it, in the words of
// jobmon-status (status_view.cpp). Painted text; `brief` is what is kept
// when the terminal is narrow.
struct StatusCell {
  std::string full;
  std::string brief;
};

StatusCell status_cell(const JobRow& row, double now, const TermStyle& st) {
  const std::string sep = dot(st);
  switch (row.status) {
    case JobStatus::complete:
      if (row.finished_at)
        return {paint(st, Color::gray, "done " + format_duration(std::max(0.0, now - *row.finished_at)) + " ago"),
                paint(st, Color::gray, "done")};
      return {paint(st, Color::gray, "done"), paint(st, Color::gray, "done")};
    case JobStatus::pending: {
      const std::string queued = queued_text(row);  // "12 in Slurm's queue (Priority)"
      return {paint(st, Color::gray, queued.empty() ? "pending" : "pending" + sep + queued), paint(st, Color::gray, "pending")};
    }
    case JobStatus::stalled: {
      const std::string text = paint(st, Color::yellow, "stalled " + format_duration(row.eta.seconds_since_progress));
      return {text, text};
    }
    case JobStatus::failed: {
      const std::string count = paint(st, Color::red, failed_count_text(row));
      if (row.needs_relaunch()) return {count + sep + "needs relaunch", count};
      if (row.ended_at)
        return {count + sep + paint(st, Color::gray, stopped_text(row, now)),
                count};
      return {count, count};
    }
    case JobStatus::running: break;
  }
  // Running: the ETA is row.eta.remaining_seconds, as in the plain line.
  const std::string eta = row.eta.remaining_seconds ? format_duration(*row.eta.remaining_seconds)
                                                    : paint(st, Color::gray, "rate unknown");
  if (row.failed_ranks == 0) return {eta, eta};
  const std::string with_failures = paint(st, Color::red, failed_count_text(row)) + sep + eta;
  return {with_failures, with_failures};
}

// A row of the jobs table, whatever kind of job it shows: a datatrove job
// (tasks) or a training run (steps).
struct TableRow {
  JobStatus status = JobStatus::pending;
  std::string name;   // as on disk: screen_text'd when drawn
  std::string path;   // the order within a state group
  std::string count;  // "10/40"
  int percent = 0;
  std::string percent_text;  // instead of `percent` when set ("  ?": unknown)
  double fraction = 0, fraction_before = -1;
  std::int64_t fresh = 0;  // tasks or steps since the previous refresh
  std::optional<double> rate;
  StatusCell cell;
};

TableRow table_row(const JobRow& row, double now, const TermStyle& st) {
  const JobState& job = *row.job;
  TableRow r;
  r.status = row.status;
  r.name = job.name;
  r.path = job.path;
  r.count = fmt::format("{}/{}", job.completed, job.world_size);
  r.percent = whole_percent_of(job.completed, job.world_size);
  r.fraction = job.fraction();
  const double total = static_cast<double>(std::max<std::int64_t>(job.world_size, 1));
  r.fraction_before = static_cast<double>(job.completed - row.newly_completed) / total;
  r.fresh = row.newly_completed;
  r.rate = row.eta.rate;
  r.cell = status_cell(row, now, st);
  return r;
}

// A training run's last column: the ETA or the state's word (a failed run:
// when it stopped), then the loss; brief: the first part only. The reason in
// full is jobmon-status's line (and the JSON's "reason").
StatusCell training_cell(const TrainingRun& run, double now, const TermStyle& st) {
  const std::string sep = dot(st);
  const auto ago = [&](const std::optional<double>& t) { return format_duration(t ? std::max(0.0, now - *t) : 0); };
  std::string state;
  std::string full;
  switch (run.status) {
    case JobStatus::complete: state = paint(st, Color::gray, run.ended_at ? "done " + ago(run.ended_at) + " ago" : "done"); break;
    case JobStatus::pending: state = paint(st, Color::gray, "pending"); break;
    case JobStatus::stalled: state = paint(st, Color::yellow, "stalled " + ago(run.updated_at)); break;
    case JobStatus::failed:
      state = paint(st, Color::red, "failed");
      if (run.ended_at) full = sep + paint(st, Color::gray, "stopped " + ago(run.ended_at) + " ago");
      break;
    case JobStatus::running:
      state = run.eta.remaining_seconds ? format_duration(*run.eta.remaining_seconds) : paint(st, Color::gray, "rate unknown");
      break;
  }
  full = state + full;
  std::string loss_name;
  if (const MetricSeries* loss = train_loss_series(run, &loss_name))
    full += sep + screen_text(loss_name) + " " + format_metric(loss->last().value);
  return {full, state};
}

TableRow table_row(const WatchTrainingRow& row, std::string name, double now, const TermStyle& st) {
  const TrainingRun& run = *row.run;
  TableRow r;
  r.status = run.status;
  r.name = std::move(name);
  r.path = run.path;
  const std::string max = run.max_steps && *run.max_steps > 0 ? std::to_string(*run.max_steps) : "?";
  r.count = (run.step ? std::to_string(*run.step) : "0") + "/" + max;
  r.fraction = training_fraction(run);
  r.percent = static_cast<int>(std::floor(r.fraction * 100));
  r.percent_text = training_percent_text(run);
  r.fresh = std::max<std::int64_t>(row.new_steps, 0);
  if (run.max_steps && *run.max_steps > 0 && run.step)
    r.fraction_before = std::clamp(static_cast<double>(*run.step - r.fresh) / static_cast<double>(*run.max_steps), 0.0, r.fraction);
  r.rate = run.eta.rate;
  r.cell = training_cell(run, now, st);
  return r;
}

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
  if (!o.targets_label.empty()) parts.push_back(screen_text(o.targets_label));
  parts.push_back("every " + (o.interval_seconds < 60 ? fmt::format("{:g}s", o.interval_seconds)
                                                      : format_duration(o.interval_seconds)));
  parts.push_back("updated " + clock_time(agg.now, o.utc));
  if (o.scan_seconds) parts.push_back(paint(st, Color::gray, fmt::format("scan {:.0f} ms", *o.scan_seconds * 1000)));
  if (!o.warnings.empty())
    parts.push_back(paint(st, Color::yellow, fmt::format("{} warning{}", format_thousands(static_cast<std::int64_t>(o.warnings.size())),
                                                         o.warnings.size() == 1 ? "" : "s")));
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
  // The order and words of jobmon-status's outlook line; jobs and failed
  // ranks counted apart ("1 failed · 3 failed ranks").
  std::vector<std::string> states;
  if (t.jobs_running > 0) states.push_back(paint(st, Color::cyan, fmt::format("{} running", t.jobs_running)));
  if (t.jobs_failed > 0) states.push_back(paint(st, Color::red, fmt::format("{} failed", t.jobs_failed)));
  if (t.jobs_stalled > 0) states.push_back(paint(st, Color::yellow, fmt::format("{} stalled", t.jobs_stalled)));
  if (t.jobs_pending > 0) states.push_back(fmt::format("{} pending", t.jobs_pending));
  if (t.tasks_failed > 0)
    states.push_back(paint(st, Color::red, failed_ranks_text(t)));
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
  else if (t.jobs_running + t.jobs_pending > 0) outlook.push_back(paint(o.style, Color::gray, "rate unknown"));
  if (outlook.empty()) return line;  // nothing runs: the states above say why
  return line + fmt::format(" {}{}", dot(o.style), detail::join(outlook, dot(o.style)));
}

std::string training_line(const std::vector<WatchTrainingRow>& rows, const TermStyle& st) {
  TrainingRuns runs;
  runs.reserve(rows.size());
  for (const WatchTrainingRow& row : rows) runs.push_back(row.run);
  const TrainingTotals t = training_totals(runs);
  std::string line = fmt::format("Training runs: {}/{} - {}", format_thousands(t.complete), format_thousands(t.runs),
                                 percent_tenths(t.complete, t.runs));
  std::vector<std::string> states;
  if (t.running > 0) states.push_back(paint(st, Color::cyan, fmt::format("{} running", t.running)));
  if (t.failed > 0) states.push_back(paint(st, Color::red, fmt::format("{} failed", t.failed)));
  if (t.stalled > 0) states.push_back(paint(st, Color::yellow, fmt::format("{} stalled", t.stalled)));
  if (t.pending > 0) states.push_back(fmt::format("{} pending", t.pending));
  if (!states.empty()) line += fmt::format(" {}{}", dot(st), detail::join(states, dot(st)));
  return line;
}

struct TableLayout {
  int name = 0, count = 0, percent = 4, fresh = 0, rate = 0, status = 0, bar = 0;
  bool brief = false;  // the status column shows StatusCell::brief
};

// Column widths for the rows shown. The name, the count and the status/ETA
// come first and the bar gets what is left. While the bar would get fewer
// than comfortable_bar_width cells, columns give way in turn: NEW and RATE,
// then the long status texts (the brief ones stay), then the name down to
// min_name_width, then the percentage (the count says it too). Then the bar
// takes what is left, or goes below min_bar_width, and the name shrinks to
// 4 cells if even that does not fit; what still does not is clipped.
TableLayout layout_table(const std::vector<const TableRow*>& rows, int columns) {
  TableLayout l;
  int full = 0, brief = 0;
  for (const TableRow* row : rows) {
    l.name = std::max(l.name, display_width(screen_text(row->name)));
    l.count = std::max(l.count, static_cast<int>(row->count.size()));
    if (row->fresh > 0) l.fresh = std::max(l.fresh, static_cast<int>(fmt::format("+{}", row->fresh).size()));
    l.rate = std::max(l.rate, static_cast<int>(format_rate(row->rate).size()));
    full = std::max(full, display_width(row->cell.full));
    brief = std::max(brief, display_width(row->cell.brief));
  }
  l.name = std::clamp(l.name, 4, std::max(12, columns / 3));
  l.count = std::max(l.count, 4);
  // NEW and RATE are always there and wide enough for the usual values:
  // the bar must not jump when deltas appear or the rate unit changes.
  l.fresh = std::max(l.fresh, 4);
  l.rate = std::max(l.rate, 7);
  l.status = std::max(full, 3);
  auto without_bar = [&] {  // glyph, name, count, "100%", NEW, RATE, status, single spaces between
    int w = 2 + l.name + 1 + l.count;
    for (const int column : {l.percent, l.fresh, l.rate, l.status}) {
      if (column > 0) w += 1 + column;
    }
    return w;
  };
  auto bar_room = [&] { return columns - without_bar() - 1; };
  const std::function<void()> give_way[] = {
      [&] { l.fresh = l.rate = 0; },
      [&] {
        l.brief = true;
        l.status = std::max(brief, 3);
      },
      [&] { l.name = std::max(std::min(l.name, min_name_width), l.name - (comfortable_bar_width - bar_room())); },
      [&] { l.percent = 0; },
  };
  for (const auto& step : give_way) {
    if (bar_room() >= comfortable_bar_width) break;
    step();
  }
  l.bar = bar_room() >= min_bar_width ? bar_room() : 0;
  if (l.bar == 0 && without_bar() > columns) l.name = std::max(4, l.name - (without_bar() - columns));
  return l;
}

std::string header_row(const TableLayout& l, const TermStyle& st) {
  std::string h = fmt::format("  {} {:>{}}", fit(st, "JOB", l.name), "DONE", l.count);
  if (l.percent > 0) h += fmt::format(" {:>{}}", "%", l.percent);
  if (l.bar > 0) h += fmt::format(" {}", fit(st, "PROGRESS", l.bar));
  if (l.fresh > 0) h += fmt::format(" {:>{}}", "NEW", l.fresh);
  if (l.rate > 0) h += fmt::format(" {:>{}}", "RATE", l.rate);
  if (l.status > 0) h += " ETA";
  return paint(st, Color::gray, h);
}

std::string table_line(const TableRow& row, const TableLayout& l, const TermStyle& st) {
  const Color name_color = row.status == JobStatus::failed    ? Color::red
                           : row.status == JobStatus::stalled ? Color::yellow
                                                              : Color::none;
  std::string line = status_glyph(st, row.status) + " " + paint(st, name_color, fit(st, screen_text(row.name), l.name));
  line += fmt::format(" {:>{}}", row.count, l.count);
  if (l.percent > 0) line += row.percent_text.empty() ? fmt::format(" {:>3}%", row.percent) : " " + row.percent_text + "%";
  if (l.bar > 0) {
    line += ' ';
    line += render_bar(st, l.bar, row.fraction, row.fraction_before);
  }
  if (l.fresh > 0) {
    const std::string fresh = row.fresh > 0 ? fmt::format("+{}", row.fresh) : "";
    line += ' ';
    line += paint(st, Color::green, fmt::format("{:>{}}", fresh, l.fresh));
  }
  if (l.rate > 0) {  // only a running job has a rate worth showing
    line += ' ';
    line += fmt::format("{:>{}}", row.status == JobStatus::running ? format_rate(row.rate) : "", l.rate);
  }
  if (l.status > 0) {
    line += ' ';
    line += l.brief ? row.cell.brief : row.cell.full;
  }
  return line;
}

// "… 9,990 more: 5 running, 9,985 complete" for the rows that do not fit.
std::string collapsed_row(const std::vector<const TableRow*>& hidden, const TermStyle& st) {
  std::int64_t counts[5] = {0, 0, 0, 0, 0};
  for (const TableRow* row : hidden) ++counts[group_of(row->status)];
  static constexpr JobStatus groups[5] = {JobStatus::running, JobStatus::pending, JobStatus::failed,
                                          JobStatus::stalled, JobStatus::complete};
  std::vector<std::string> parts;
  for (int g = 0; g < 5; ++g) {
    if (counts[g] > 0) parts.push_back(fmt::format("{} {}", format_thousands(counts[g]), to_string(groups[g])));
  }
  return paint(st, Color::gray, fmt::format("{} {} more: {}", st.unicode ? "…" : "...",
                                            format_thousands(static_cast<std::int64_t>(hidden.size())),
                                            detail::join(parts, ", ")));
}

// Warnings in the order they are worth reading: problems with the targets
// and with tracked jobs first, directories skipped as "not a job" (the
// usual, harmless kind) last.
std::vector<const Warning*> warnings_in_order(const std::vector<Warning>& warnings) {
  std::vector<const Warning*> out;
  out.reserve(warnings.size());
  for (const Warning& w : warnings) out.push_back(&w);
  std::stable_partition(out.begin(), out.end(), [](const Warning* w) { return !w->message.starts_with("not a job"); });
  return out;
}

// The warnings section in at most `slots` lines: a heading, a line per
// warning ("path: message"), and "… N more warnings" when they do not fit.
std::vector<std::string> warning_lines(const std::vector<const Warning*>& warnings, int slots, const TermStyle& st) {
  std::vector<std::string> lines;
  if (warnings.empty() || slots < 2) return lines;
  const std::size_t room = static_cast<std::size_t>(slots) - 1;
  const std::size_t shown = warnings.size() <= room ? warnings.size() : room - 1;
  lines.push_back(paint(st, Color::yellow, fmt::format("Warnings ({}):", format_thousands(static_cast<std::int64_t>(warnings.size())))));
  for (std::size_t i = 0; i < shown; ++i)
    lines.push_back("  " + screen_text(warnings[i]->path) + ": " + screen_text(warnings[i]->message));
  if (shown < warnings.size())
    lines.push_back(paint(st, Color::gray, fmt::format("  {} {} more warning{}", st.unicode ? "…" : "...",
                                                       format_thousands(static_cast<std::int64_t>(warnings.size() - shown)),
                                                       warnings.size() - shown == 1 ? "" : "s")));
  return lines;
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

std::vector<WatchTrainingRow> watch_training_rows(const TrainingRuns& runs, const std::vector<WatchTrainingRow>* previous) {
  std::vector<WatchTrainingRow> rows;
  rows.reserve(runs.size());
  for (const auto& run : runs) {
    WatchTrainingRow row{run, 0};
    if (previous != nullptr && run->step) {
      const auto before = std::find_if(previous->begin(), previous->end(),
                                       [&](const WatchTrainingRow& p) { return p.run->path == run->path; });
      if (before != previous->end() && before->run->step) row.new_steps = std::max<std::int64_t>(0, *run->step - *before->run->step);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string render_watch_frame(const Aggregate& aggregate, const AggregateDelta& delta,
                               const WatchFrameOptions& options) {
  const TermStyle& st = options.style;
  const int columns = std::max(options.columns, 1);
  const int max_lines = std::max(options.rows, 1);
  std::vector<std::string> lines;
  lines.push_back(title_line(aggregate, options));
  const Totals& t = aggregate.totals;
  // Only training runs: the job and task totals would read 0/0.
  const bool job_totals = t.jobs_total > 0 || options.training.empty();
  if (job_totals) {
    lines.push_back(jobs_line(aggregate, delta, st));
    lines.push_back(tasks_line(aggregate, delta, options));
  }
  if (!options.training.empty()) lines.push_back(training_line(options.training, st));
  if (t.tasks_total > 0) {
    const double total = static_cast<double>(t.tasks_total);
    lines.push_back(render_bar(st, std::max(columns, 1), static_cast<double>(t.tasks_completed) / total,
                               static_cast<double>(t.tasks_completed - delta.tasks_completed) / total));
  }

  // Jobs and runs in one table, in dashboard order (state group, then path).
  std::vector<TableRow> all_rows;
  all_rows.reserve(aggregate.rows.size() + options.training.size());
  for (const JobRow* row : dashboard_order(aggregate)) all_rows.push_back(table_row(*row, aggregate.now, st));
  TrainingRuns runs;
  runs.reserve(options.training.size());
  for (const WatchTrainingRow& row : options.training) runs.push_back(row.run);
  const std::vector<std::string> names = training_display_names(runs);
  for (std::size_t i = 0; i < options.training.size(); ++i)
    all_rows.push_back(table_row(options.training[i], names[i], aggregate.now, st));
  std::vector<const TableRow*> rows;
  rows.reserve(all_rows.size());
  for (const TableRow& row : all_rows) rows.push_back(&row);
  std::stable_sort(rows.begin(), rows.end(), [](const TableRow* a, const TableRow* b) {
    if (group_of(a->status) != group_of(b->status)) return group_of(a->status) < group_of(b->status);
    return a->path < b->path;
  });
  const std::vector<const Warning*> warnings = warnings_in_order(options.warnings);
  // The rest of the screen: the table (a blank line, the column header,
  // rows), then the warnings (a heading and a line each). When both do not
  // fit, the warnings get up to a third of it (at least 3 lines: heading,
  // one warning, the "more" line) and the table's last row slot becomes a
  // count of the rows left out.
  const int room = max_lines - static_cast<int>(lines.size());
  const int table_wants = 2 + static_cast<int>(rows.size());  // or blank + "No jobs found"
  const int table_min = std::min(table_wants, 3);
  const int warnings_want = warnings.empty() ? 0 : 1 + static_cast<int>(warnings.size());
  int warning_slots = 0;
  if (table_wants + warnings_want <= room) {
    warning_slots = warnings_want;
  } else if (warnings_want > 0) {
    warning_slots = std::min(warnings_want, std::max(3, room / 3));
    warning_slots = std::max(warning_slots, room - table_wants);
    if (room - warning_slots < table_min) warning_slots = std::max(0, room - table_min);  // the table keeps a row
    if (warning_slots < std::min(3, warnings_want)) warning_slots = 0;
  }
  const int table_slots = room - warning_slots - 2;
  if (rows.empty() && room - warning_slots >= 2) {
    lines.emplace_back();
    lines.push_back(paint(st, Color::gray, "No jobs found (yet): waiting for executor.json or a training run under the targets."));
  } else if (!rows.empty() && table_slots >= 1) {
    std::size_t shown = rows.size();
    if (rows.size() > static_cast<std::size_t>(table_slots)) shown = static_cast<std::size_t>(table_slots) - 1;
    const std::vector<const TableRow*> visible(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(shown));
    const TableLayout layout = layout_table(visible, columns);
    lines.emplace_back();
    lines.push_back(header_row(layout, st));
    for (const TableRow* row : visible) lines.push_back(table_line(*row, layout, st));
    if (shown < rows.size())
      lines.push_back(collapsed_row({rows.begin() + static_cast<std::ptrdiff_t>(shown), rows.end()}, st));
  }
  for (std::string& line : warning_lines(warnings, warning_slots, st)) lines.push_back(std::move(line));

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
  if (t.jobs_pending > 0) parts.push_back(fmt::format("{} pending", t.jobs_pending));
  if (t.tasks_failed > 0)
    parts.push_back(failed_ranks_text(t));
  if (t.jobs_total > 0 && t.jobs_completed < t.jobs_total) {
    if (t.rate) parts.push_back(format_rate(t.rate));
    if (t.remaining_seconds && *t.remaining_seconds > 0) parts.push_back("ETA " + format_duration(*t.remaining_seconds));
  }
  return clock_time(aggregate.now, utc) + " " + detail::join(parts, unicode ? " · " : " | ");
}

std::string render_watch_log_line(const Aggregate& aggregate, const AggregateDelta& delta,
                                  const std::vector<WatchTrainingRow>& training, bool utc, bool unicode) {
  if (training.empty()) return render_watch_log_line(aggregate, delta, utc, unicode);
  const char* sep = unicode ? " · " : " | ";
  std::string line = aggregate.totals.jobs_total > 0 ? render_watch_log_line(aggregate, delta, utc, unicode) + sep
                                                     : clock_time(aggregate.now, utc) + " ";
  TrainingRuns runs;
  for (const WatchTrainingRow& row : training) runs.push_back(row.run);
  const TrainingTotals t = training_totals(runs);
  std::vector<std::string> parts;
  parts.push_back(fmt::format("training {}/{} ({}%)", t.complete, t.runs, whole_percent_of(t.complete, t.runs)));
  if (t.running > 0) parts.push_back(fmt::format("{} running", t.running));
  if (t.failed > 0) parts.push_back(fmt::format("{} failed", t.failed));
  if (t.stalled > 0) parts.push_back(fmt::format("{} stalled", t.stalled));
  if (t.pending > 0) parts.push_back(fmt::format("{} pending", t.pending));
  // The runs themselves, a few: their steps are what a log reader follows.
  constexpr std::size_t max_named = 3;
  const std::vector<std::string> names = training_display_names(runs);
  std::size_t named = 0;
  for (const WatchTrainingRow& row : training) {
    const TrainingRun& run = *row.run;
    if (named == max_named) {
      parts.push_back(fmt::format("+{} more", training.size() - max_named));
      break;
    }
    const std::string& name = names[named++];
    std::string text = screen_text(name) + " " + to_string(run.status) + " step " +
                       (run.step ? std::to_string(*run.step) : "0") +
                       (run.max_steps ? "/" + std::to_string(*run.max_steps) : std::string());
    if (row.new_steps > 0) text += fmt::format(" +{}", row.new_steps);
    if (const MetricSeries* loss = train_loss_series(run)) text += " loss " + format_metric(loss->last().value);
    if (run.status == JobStatus::running && run.eta.remaining_seconds)
      text += " ETA " + format_duration(*run.eta.remaining_seconds);
    parts.push_back(text);
  }
  return line + detail::join(parts, sep);
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
