#include "training/run_judge.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

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
  double gap = 0;
  for (std::size_t i = 1; i < ev.step_times.size(); ++i) {
    gap = std::max(gap, ev.step_times[i].first - ev.step_times[i - 1].first);
  }
  return gap;
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
  const std::uint64_t evals = std::max<std::uint64_t>(ev.eval_count, [&] {
    std::uint64_t n = 0;
    for (const auto& [name, series] : run.metrics) {
      if (name == "eval_loss" || name == "eval/loss") n = std::max(n, series.count());
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
  out.push_back(stage("saved", ev.results_written || run.finished ? "done" : ended ? "skipped" : "waiting", {},
                      ev.results_time, ev.results_written ? "final results written" : run.finished ? "final log entry" : ""));
  return out;
}

}  // namespace

void judge_run(TrainingRun& run, const RunEvidence& ev, double now, const TrainingOptions& options) {
  const bool reached_end = run.step && run.max_steps && *run.step >= *run.max_steps;
  const double quiet = run.updated_at ? std::max(0.0, now - *run.updated_at) : 0;
  const double window = std::max(options.min_stall_seconds, options.stall_factor * longest_gap(ev));
  const bool trained = run.step && *run.step > 0;

  if (run.finished || reached_end) {
    run.status = JobStatus::complete;
    if (run.stopped_early) {
      run.state_reason = fmt::format("finished early at {}: a final entry before max_steps", steps_text(run));
    } else if (run.finished) {
      run.state_reason = fmt::format("finished at {}", steps_text(run));
    } else {
      run.state_reason = fmt::format("reached max_steps ({})", steps_text(run));
    }
    if (!run.stopped_early) run.fraction = 1.0;  // stopped early: the share of max_steps it did
  } else if (!trained) {
    const bool late = run.updated_at && quiet > options.startup_stall_seconds;
    run.status = late ? JobStatus::stalled : JobStatus::pending;
    run.state_reason = late ? fmt::format("no training step after {} of quiet", format_duration(quiet))
                            : "loading: no training step yet";
  } else if (quiet <= window) {
    run.status = JobStatus::running;
    run.state_reason = fmt::format("at {}, last write {} ago", steps_text(run), format_duration(quiet));
  } else if (quiet > options.dead_factor * window && run.max_steps) {
    run.status = JobStatus::failed;
    run.state_reason = fmt::format("stopped at {} with no final entry; last write {} ago", steps_text(run),
                                   format_duration(quiet));
  } else {
    run.status = JobStatus::stalled;
    run.state_reason = run.max_steps
                           ? fmt::format("no write for {} at {} (usual gap up to {})", format_duration(quiet),
                                         steps_text(run), format_duration(window / options.stall_factor))
                           : fmt::format("no write for {} at {}; no final entry and no planned length, so finished "
                                         "and stopped look alike",
                                         format_duration(quiet), steps_text(run));
  }
  if (run.status != JobStatus::running && run.status != JobStatus::pending) run.ended_at = run.updated_at;

  // ETA from the real step times (event wall times, checkpoint and state writes).
  if (run.status == JobStatus::complete) {
    run.eta.remaining_seconds = 0;
    run.eta.finish_time = run.updated_at;
  } else if (run.max_steps && run.status == JobStatus::running) {
    EtaEstimator estimator(static_cast<double>(*run.max_steps));
    for (const auto& [time, step] : ev.step_times) estimator.add(time, static_cast<double>(step));
    run.eta = estimator.smoothed(now);
  } else if (run.max_steps) {
    EtaEstimator estimator(static_cast<double>(*run.max_steps));
    for (const auto& [time, step] : ev.step_times) estimator.add(time, static_cast<double>(step));
    run.eta.rate = estimator.linear(run.updated_at.value_or(now)).rate;  // what it managed; no finish promised
  }
  run.stages = stages_of(run, ev);
}

}  // namespace jobmon::detail
