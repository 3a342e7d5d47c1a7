#include "training/run_judge.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "jobmon/clock.hpp"
#include "jobmon/eta.hpp"
#include "jobmon/format.hpp"

namespace jobmon::detail {
namespace {

std::string steps_text(const TrainingRun& run) {
  if (run.step && run.max_steps) {
    return fmt::format("step {} of {}", format_thousands(*run.step), format_thousands(*run.max_steps));
  }
  if (run.step) return fmt::format("step {}", format_thousands(*run.step));
  return "no step yet";
}

// The longest wait between two progress writes so far: a quiet spell longer
// than the run has already shown is what makes it suspect.
double longest_gap(const RunEvidence& ev) {
  if (ev.longest_gap) return *ev.longest_gap;  // the current segment's, tracked at every write
  double gap = 0;
  for (std::size_t i = 1; i < ev.step_times.size(); ++i) {
    gap = std::max(gap, ev.step_times[i].first - ev.step_times[i - 1].first);
  }
  return gap;
}

// At a settled state the reason says when, not "how long ago" (the text is
// kept while the run does not change).
std::string since(std::optional<double> t) {
  return t ? "last write " + format_timestamp(*t) : "no write seen";
}

TrainingStage stage(std::string name, std::string state, std::optional<double> start, std::optional<double> end,
                    std::string detail = {}) {
  return TrainingStage{std::move(name), std::move(state), start, end, std::move(detail)};
}

std::vector<TrainingStage> stages_of(const TrainingRun& run, const RunEvidence& ev) {
  const bool ended = run.status == JobStatus::complete || run.status == JobStatus::failed;
  const bool trained = run.step && *run.step > 0;
  std::vector<TrainingStage> out;
  out.push_back(stage("loading", trained ? "done" : ended ? "skipped" : "active", run.started_at,
                      trained ? ev.first_step_time.value_or(run.started_at.value_or(0)) : std::optional<double>{},
                      trained ? "" : "dataset loading and tokenization: no training step yet"));
  if (out.back().ended_at && *out.back().ended_at == 0) out.back().ended_at.reset();
  const bool training_done = run.finished || run.status == JobStatus::complete;
  out.push_back(stage("training", !trained ? "waiting" : training_done ? "done" : ended ? "stopped" : "active",
                      ev.first_step_time, training_done || ended ? run.updated_at : std::optional<double>{},
                      trained ? steps_text(run) : ""));
  // Evaluations: the most points of any eval-like series (eval_*, eval/*, val_*, validation/*...).
  const std::uint64_t evals = std::max<std::uint64_t>(ev.eval_count, [&] {
    std::uint64_t n = 0;
    for (const auto& [name, series] : run.metrics) {
      if (is_eval_metric_name(name)) n = std::max(n, series.count());
    }
    return n;
  }());
  out.push_back(stage("validation", evals > 0 ? "done" : ended ? "skipped" : "waiting", {}, ev.last_eval_time,
                      evals > 0 ? fmt::format("{} evaluation{}", evals, evals == 1 ? "" : "s") : ""));
  std::string latest = run.checkpoints.empty() ? "" : run.checkpoints.back().name;
  out.push_back(stage("checkpoint", run.checkpoints.empty() ? (ended ? "skipped" : "waiting") : "done",
                      run.checkpoints.empty() ? std::optional<double>{} : run.checkpoints.front().saved_at,
                      run.checkpoints.empty() ? std::optional<double>{} : run.checkpoints.back().saved_at,
                      run.checkpoints.empty() ? ""
                                              : fmt::format("{} saved, latest {}", run.checkpoints.size(), latest)));
  const bool saved = ev.results_written || run.finished || (ev.saved_at_end && run.status == JobStatus::complete);
  out.push_back(stage("saved", saved ? "done" : ended ? "skipped" : "waiting", {}, ev.results_time,
                      ev.results_written ? "final results written"
                      : run.finished     ? "final log entry"
                      : saved            ? "saved at max_steps"
                                         : ""));
  return out;
}

}  // namespace

bool is_eval_metric_name(std::string_view name) {
  return name.starts_with("eval/") || name.starts_with("eval_") || name.find("/eval") != std::string_view::npos ||
         name.starts_with("validation/") || name.starts_with("val_") || name.starts_with("val/") ||
         name.starts_with("valid/") || name.starts_with("valid_") || name.find("/val_") != std::string_view::npos ||
         name.find("/validation") != std::string_view::npos;
}

void judge_run(TrainingRun& run, const RunEvidence& ev, double now, const TrainingOptions& options) {
  const bool reached_end = run.step && run.max_steps && *run.step >= *run.max_steps;
  const double quiet = run.updated_at ? std::max(0.0, now - *run.updated_at) : 0;
  const double window = std::max(options.min_stall_seconds, options.stall_factor * longest_gap(ev));
  const bool trained = run.step && *run.step > 0;
  const bool epochs_planned = run.num_train_epochs && *run.num_train_epochs > 0 && !run.epochs_unbounded;
  const bool planned = run.max_steps || epochs_planned;

  if (run.finished || (reached_end && ev.saved_at_end)) {
    run.status = JobStatus::complete;
    if (run.stopped_early) {
      run.state_reason = fmt::format("finished early at {}: a final entry before max_steps", steps_text(run));
    } else if (run.finished) {
      run.state_reason = fmt::format("finished at {}", steps_text(run));
    } else {
      run.state_reason = fmt::format("reached max_steps ({}) and saved there, no final entry", steps_text(run));
    }
    if (!run.stopped_early) run.fraction = 1.0;  // stopped early: the share of max_steps it did
  } else if (!trained) {
    const bool late = run.updated_at && quiet > options.startup_stall_seconds;
    run.status = late ? JobStatus::stalled : JobStatus::pending;
    run.state_reason = late ? fmt::format("no training step after {} of quiet", format_duration(quiet))
                            : "loading: no training step yet";
  } else if (quiet <= window) {
    run.status = JobStatus::running;
    run.state_reason = reached_end ? fmt::format("reached max_steps ({}): final evaluation and save", steps_text(run))
                                   : fmt::format("at {}, last write {} ago", steps_text(run), format_duration(quiet));
  } else if (quiet > options.dead_factor * window && planned) {
    run.status = JobStatus::failed;
    run.state_reason = reached_end ? fmt::format("reached max_steps ({}) but never finished: no final entry, results "
                                                 "or checkpoint at max_steps; {}",
                                                 steps_text(run), since(run.updated_at))
                                   : fmt::format("stopped at {} with no final entry; {}", steps_text(run), since(run.updated_at));
  } else {
    run.status = JobStatus::stalled;
    run.state_reason = planned
                           ? fmt::format("no write for {} at {} (usual gap up to {})", format_duration(quiet),
                                         steps_text(run), format_duration(window / options.stall_factor))
                           : fmt::format("no write for {} at {}; no final entry and no planned length, so finished "
                                         "and stopped look alike",
                                         format_duration(quiet), steps_text(run));
  }
  if (run.status != JobStatus::running && run.status != JobStatus::pending) run.ended_at = run.updated_at;

  // ETA from the current segment's real step times (event wall times,
  // checkpoint and state writes); in epochs when only epochs are planned.
  if (run.status == JobStatus::complete) {
    run.eta.remaining_seconds = 0;
    run.eta.finish_time = run.updated_at;
  } else if (run.max_steps) {
    EtaEstimator estimator(static_cast<double>(*run.max_steps));
    for (const auto& [time, step] : ev.step_times) estimator.add(time, static_cast<double>(step));
    if (run.status == JobStatus::running) {
      run.eta = estimator.smoothed(now);
    } else {
      run.eta.rate = estimator.linear(run.updated_at.value_or(now)).rate;  // what it managed; no finish promised
    }
  } else if (epochs_planned && !ev.epoch_times.empty()) {
    EtaEstimator estimator(*run.num_train_epochs);
    for (const auto& [time, epoch] : ev.epoch_times) estimator.add(time, epoch);
    // Remaining time only: eta.rate is steps per second, and these are epochs.
    if (run.status == JobStatus::running) {
      run.eta = estimator.smoothed(now);
      run.eta.rate.reset();
    }
  }
  run.stages = stages_of(run, ev);
}

}  // namespace jobmon::detail
