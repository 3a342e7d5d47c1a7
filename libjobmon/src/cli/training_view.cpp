// Training runs in jobmon-status (see jobmon/cli/training_view.hpp).
#include "jobmon/cli/training_view.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <span>
#include <string_view>

#include "core/text/text.hpp"
#include "jobmon/cli/status_view.hpp"
#include "jobmon/cli/watch.hpp"
#include "jobmon/clock.hpp"

namespace jobmon {
namespace {

const char* separator(const TermStyle& style) { return style.unicode ? " · " : " - "; }


// "1.02/2", "1.02" when the epochs are unbounded or unknown.
std::string epoch_text(const TrainingRun& run) {
  if (!run.epoch) return {};
  std::string text = "epoch " + fmt::format("{:.2f}", *run.epoch);
  if (run.num_train_epochs && !run.epochs_unbounded) text += fmt::format("/{:g}", *run.num_train_epochs);
  return text;
}

std::string metric_text(const std::string& name, const MetricSeries& series, const TermStyle& st, bool with_best) {
  std::string text = terminal_safe(name) + " " + format_metric(series.last().value);
  const auto best = series.best();
  if (with_best && best && best->value != series.last().value)
    text += paint(st, Color::gray, " (best " + format_metric(best->value) + ")");
  return text;
}

std::string eta_text(const TrainingRun& run, const TermStyle& st) {
  if (!run.eta.remaining_seconds) return paint(st, Color::gray, "ETA ? (rate unknown)");
  std::string text = "ETA " + format_duration(*run.eta.remaining_seconds);
  if (run.eta.rate) text += paint(st, Color::gray, " (" + format_rate(run.eta.rate) + ")");
  return text;
}

std::string key_of(const std::string& path) {
  return path.starts_with("s3://") ? path : std::filesystem::absolute(path).lexically_normal().string();
}

std::string time_or_empty(const std::optional<double>& t) { return t ? format_iso8601(*t) : std::string(); }
std::string number_or_empty(const std::optional<double>& v) { return v ? detail::csv_number(*v) : std::string(); }

}  // namespace

std::string format_metric(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{:.4g}", value);
}

std::vector<std::string> training_display_names(const TrainingRuns& runs) {
  constexpr std::size_t max_parts = 6;  // then the whole path
  std::vector<std::string> names(runs.size());
  std::vector<bool> settled(runs.size(), false);
  for (std::size_t parts = 1; parts <= max_parts; ++parts) {
    std::map<std::string, int, std::less<>> seen;
    std::vector<std::string> candidates(runs.size());
    for (std::size_t i = 0; i < runs.size(); ++i) {
      if (parts == 1) {
        candidates[i] = runs[i]->name;
      } else {
        const std::string path = detail::without_trailing_slash(runs[i]->path);
        std::size_t start = path.size();
        for (std::size_t p = 0; p < parts && start != std::string::npos && start > 0; ++p) start = path.rfind('/', start - 1);
        candidates[i] = start == std::string::npos ? path : path.substr(start + 1);
      }
      ++seen[candidates[i]];
    }
    bool all = true;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      if (settled[i]) continue;
      if (seen[candidates[i]] == 1) {
        names[i] = candidates[i];
        settled[i] = true;
      } else {
        all = false;
      }
    }
    if (all) return names;
  }
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (!settled[i]) names[i] = runs[i]->path;
  return names;
}

std::string training_percent_text(const TrainingRun& run) {
  if (run.status != JobStatus::complete && !run.fraction) return "  ?";
  return fmt::format("{:>3}", static_cast<int>(std::floor(training_fraction(run) * 100)));
}

std::string training_step_text(const TrainingRun& run) {
  if (!run.step) return "no step yet";
  if (!run.max_steps || *run.max_steps <= 0) return "step " + format_thousands(*run.step);
  return "step " + format_thousands(*run.step) + "/" + format_thousands(*run.max_steps);
}

double training_fraction(const TrainingRun& run) {
  if (run.status == JobStatus::complete) return 1;
  const double f = run.fraction.value_or(0);
  if (!std::isfinite(f)) return 0;
  return std::clamp(f, 0.0, 0.999);  // an unfinished run never reads 100%
}

std::string training_state_text(const TrainingRun& run, double now, const TermStyle& st, bool utc) {
  const std::string reason = terminal_safe(run.state_reason);
  switch (run.status) {
    case JobStatus::complete: {
      std::string text = run.stopped_early ? "finished early" : "finished";
      if (run.ended_at) text += " " + format_timestamp(*run.ended_at, utc);
      return paint(st, Color::gray, text);
    }
    case JobStatus::failed:
      return paint(st, Color::red, reason.empty() ? std::string("failed") : reason);
    case JobStatus::stalled: {
      const double quiet = run.updated_at ? std::max(0.0, now - *run.updated_at) : 0;
      std::string text = "stalled " + format_duration(quiet);
      if (!reason.empty()) text += ": " + reason;
      return paint(st, Color::yellow, text);
    }
    case JobStatus::pending:
      return paint(st, Color::gray, reason.empty() ? std::string("pending") : "pending: " + reason);
    case JobStatus::running: break;
  }
  return eta_text(run, st);
}

std::vector<TrainingDetail> training_details(const TrainingRun& run, double now, const TermStyle& st, bool utc) {
  std::vector<TrainingDetail> parts;
  const std::string epoch = epoch_text(run);
  if (!epoch.empty()) parts.push_back({epoch, 3});
  std::string name;
  if (const MetricSeries* loss = train_loss_series(run, &name)) parts.push_back({metric_text(name, *loss, st, true), 4});
  if (const MetricSeries* eval = eval_loss_series(run, &name)) parts.push_back({metric_text(name, *eval, st, false), 2});
  if (const MetricSeries* metric = eval_metric_series(run, &name)) parts.push_back({metric_text(name, *metric, st, false), 1});
  parts.push_back({training_state_text(run, now, st, utc), 5});
  return parts;
}

std::string render_training_lines(const TrainingRuns& runs, double now, const TrainingViewOptions& options) {
  const TermStyle& st = options.style;
  const std::vector<std::string> names = training_display_names(runs);
  int name_width = 0, count_width = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    name_width = std::max(name_width, display_width(terminal_safe(names[i])) + 1);
    count_width = std::max(count_width, display_width(training_step_text(*runs[i])));
  }
  name_width = std::min(name_width, options.max_name_width);
  std::string out;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const TrainingRun& run = *runs[i];
    const Color name_color = run.status == JobStatus::failed    ? Color::red
                             : run.status == JobStatus::stalled ? Color::yellow
                                                                : Color::none;
    const double fraction = training_fraction(run);
    std::string head = status_icon(st, run.status) + ' ' + paint(st, name_color, fit(st, names[i] + ":", name_width));
    head += fmt::format(" {:<{}} ({}%) ", training_step_text(run), count_width, training_percent_text(run));
    if (options.bar_width > 0) head += render_bar(st, options.bar_width, fraction) + ' ';
    std::vector<TrainingDetail> details = training_details(run, now, st, options.utc);
    auto joined = [&] {
      std::string text;
      for (const TrainingDetail& d : details) text += (text.empty() ? "" : separator(st)) + d.text;
      return text;
    };
    // Too wide: the least telling details give way, then the line is cut.
    while (options.columns > 0 && details.size() > 1 && display_width(head + joined()) > options.columns) {
      const auto weakest = std::min_element(details.begin(), details.end(),
                                            [](const TrainingDetail& a, const TrainingDetail& b) { return a.priority < b.priority; });
      details.erase(weakest);
    }
    std::string line = head + joined();
    if (options.columns > 0) line = clip_to_width(line, options.columns);
    out += line + '\n';
  }
  return out;
}

TrainingTotals training_totals(const TrainingRuns& runs) {
  TrainingTotals t;
  for (const auto& run : runs) {
    ++t.runs;
    switch (run->status) {
      case JobStatus::complete: ++t.complete; break;
      case JobStatus::running: ++t.running; break;
      case JobStatus::failed: ++t.failed; break;
      case JobStatus::stalled: ++t.stalled; break;
      case JobStatus::pending: ++t.pending; break;
    }
  }
  return t;
}

std::string render_training_summary_line(const TrainingRuns& runs, const TermStyle& st) {
  if (runs.empty()) return {};
  const TrainingTotals t = training_totals(runs);
  std::string line = fmt::format("Training runs: {}/{} complete", t.complete, t.runs);
  std::vector<std::string> parts;
  if (t.running > 0) parts.push_back(fmt::format("{} running", t.running));
  if (t.failed > 0) parts.push_back(paint(st, Color::red, fmt::format("{} failed", t.failed)));
  if (t.stalled > 0) parts.push_back(paint(st, Color::yellow, fmt::format("{} stalled", t.stalled)));
  if (t.pending > 0) parts.push_back(fmt::format("{} pending", t.pending));
  for (const std::string& p : parts) line += separator(st) + p;
  return line;
}

std::string training_csv_rows(const TrainingRuns& runs, double now) {
  std::string out;
  for (const auto& run_ptr : runs) {
    const TrainingRun& run = *run_ptr;
    std::optional<double> duration;
    if (run.started_at) duration = std::max(0.0, run.ended_at.value_or(now) - *run.started_at);
    const std::vector<std::string> fields = {
        detail::csv_field(run.path),
        detail::csv_field(run.name),
        to_string(run.status),
        run.step ? std::to_string(*run.step) : std::string(),
        run.max_steps ? std::to_string(*run.max_steps) : std::string(),
        std::to_string(static_cast<int>(std::floor(training_fraction(run) * 100))),
        std::string(),  // failed_ranks: a run has no ranks
        std::string(),  // failed_ranks_exact
        number_or_empty(run.eta.remaining_seconds),
        run.eta.rate ? detail::csv_number(*run.eta.rate * 3600) : std::string(),
        time_or_empty(run.started_at),
        time_or_empty(run.updated_at),
        time_or_empty(run.ended_at),
        number_or_empty(duration),
        detail::csv_field(run.state_reason),
    };
    out += detail::join(fields, ",") + "\r\n";
  }
  return out;
}

std::vector<JobObservation> training_observations(const TrainingRuns& runs) {
  std::vector<JobObservation> out;
  out.reserve(runs.size());
  for (const auto& run : runs) {
    JobObservation o;
    o.key = key_of(run->path);  // the same run from another working directory is the same key
    o.name = run->name;
    o.kind = "training";
    o.status = run->status;
    o.reason = run->state_reason;
    o.done = run->step.value_or(0);
    o.total = run->max_steps.value_or(0);
    out.push_back(std::move(o));
  }
  return out;
}

TrainingRuns without_complete(const TrainingRuns& runs, std::size_t* hidden) {
  TrainingRuns out;
  for (const auto& run : runs)
    if (run->status != JobStatus::complete) out.push_back(run);
  if (hidden != nullptr) *hidden = runs.size() - out.size();
  return out;
}

}  // namespace jobmon
