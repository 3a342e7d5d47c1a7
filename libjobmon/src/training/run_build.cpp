// RunReader::build: the run's headline numbers, metrics and evidence from
// what was read, then judged (run_judge.hpp).
#include <algorithm>
#include <cmath>

#include "jobmon/storage/storage.hpp"
#include "training/run_judge.hpp"
#include "training/run_reader.hpp"

namespace jobmon::detail {
namespace {

void widen(std::optional<double>& first, std::optional<double>& last, std::optional<double> t) {
  if (!t) return;
  if (!first || *t < *first) first = t;
  if (!last || *t > *last) last = t;
}

template <typename Parsed>
TrainingSource whole_file_source(const WholeFile<Parsed>& file, const char* kind) {
  TrainingSource s;
  s.path = file.path;
  s.kind = kind;
  s.bytes = file.size;
  if (file.mtime > 0) s.mtime = file.mtime;
  s.problem = file.problem;
  return s;
}

}  // namespace

RunEvidence RunReader::evidence() const {
  RunEvidence ev;
  std::optional<double> ignored;
  widen(ev.first_write, ev.last_write, first_event_time_);
  for (const auto& [path, source] : events_) {
    if (source->mtime > 0) widen(ev.first_write, ev.last_write, source->mtime);
    widen(ev.first_write, ev.last_write, source->reader.stats().last_wall_time);
  }
  for (const auto& [name, c] : checkpoints_) {
    widen(ev.first_write, ev.last_write, c.saved_at);
    if (c.step && c.saved_at) ev.step_times.emplace_back(*c.saved_at, *c.step);
  }
  for (const WholeFile<TrainerState>* state : {&top_state_, &checkpoint_state_}) {
    if (!state->parsed) continue;
    widen(ev.first_write, ev.last_write, state->mtime);
    if (state->parsed->global_step) ev.step_times.emplace_back(state->mtime, *state->parsed->global_step);
  }
  if (lightning_.parsed) widen(ev.first_write, ev.last_write, lightning_.mtime);
  for (const auto& [name, file] : results_) {
    if (!file.parsed) continue;
    widen(ev.first_write, ev.last_write, file.mtime);
    if (name != "eval_results.json") {
      ev.results_written = true;
      ev.results_time = std::max(ev.results_time.value_or(0), file.mtime);
    }
  }
  for (const MetricPoint& p : event_steps_.points()) {
    if (p.wall_time) ev.step_times.emplace_back(*p.wall_time, p.step);
  }
  std::sort(ev.step_times.begin(), ev.step_times.end());
  ev.first_step_time = first_train_time_;
  ev.last_eval_time = last_eval_event_time_;
  ev.eval_count = eval_events_;
  return ev;
}

TrainingRun RunReader::build(double now) const {
  TrainingRun run;
  run.path = dir_;
  run.name = base_name(dir_);
  const TrainerState* state = top_state_.parsed ? &*top_state_.parsed
                              : checkpoint_state_.parsed ? &*checkpoint_state_.parsed
                                                         : nullptr;
  if (top_state_.parsed) {
    run.state_file = "trainer_state.json";
  } else if (checkpoint_state_.parsed) {
    run.state_file = checkpoint_state_name_ + "/trainer_state.json";
  }
  const bool hf = state || !checkpoints_.empty() || has_runs_dir_ || !results_.empty();
  run.writer = hf ? TrainingWriter::hf_trainer
               : (lightning_.parsed || hparams_.parsed) ? TrainingWriter::lightning
                                                         : TrainingWriter::tensorboard;

  // Metrics: the state file's, the event files', the CSV's (first one named wins).
  if (state) run.metrics = state->series;
  for (const auto& [name, series] : event_metrics_) run.metrics.emplace(name, series);
  if (lightning_.parsed) {
    for (const auto& [name, series] : lightning_.parsed->series) run.metrics.emplace(name, series);
  }
  run.dropped_series = dropped_series_;

  // Progress: the newest step any source shows (event files run ahead of checkpoints).
  auto raise = [](std::optional<std::int64_t>& to, std::optional<std::int64_t> v) {
    if (v && (!to || *v > *to)) to = v;
  };
  if (state) raise(run.step, state->global_step);
  if (!event_steps_.empty()) raise(run.step, event_steps_.last().step);
  if (lightning_.parsed) raise(run.step, lightning_.parsed->max_step);
  if (state && state->max_steps && *state->max_steps > 0) run.max_steps = state->max_steps;
  if (!run.max_steps) run.max_steps = args_max_steps_;
  if (state) {
    run.epoch = state->epoch;
    run.num_train_epochs = state->num_train_epochs;
    run.epochs_unbounded = state->epochs_unbounded;
    run.best_metric = state->best_metric;
    run.best_model_checkpoint = state->best_model_checkpoint;
    run.best_global_step = state->best_global_step;
    run.final_values = state->final_values;
  }
  auto latest_epoch = [&](std::string_view name) -> std::optional<double> {
    const auto it = run.metrics.find(name);
    if (it == run.metrics.end() || it->second.empty()) return std::nullopt;
    return it->second.last().value;
  };
  if (const auto tb_epoch = latest_epoch("train/epoch"); tb_epoch && (!run.epoch || *tb_epoch > *run.epoch)) {
    run.epoch = tb_epoch;
  }
  if (!run.epoch) run.epoch = latest_epoch("epoch");
  if (!run.num_train_epochs && !run.epochs_unbounded) run.num_train_epochs = args_epochs_;
  for (const auto& [name, file] : results_) {
    if (file.parsed) {
      for (const auto& [key, value] : *file.parsed) run.final_values.insert_or_assign(key, value);
    }
  }

  const RunEvidence ev = evidence();
  const bool final_entry = (state && state->has_final_entry()) || run.metrics.count("train/train_runtime") > 0;
  run.finished = final_entry || ev.results_written;
  if (run.max_steps && run.step && *run.step > *run.max_steps) run.max_steps = run.step;
  run.stopped_early = run.finished && run.max_steps && run.step && *run.step < *run.max_steps;
  if (run.max_steps && run.step) {
    run.fraction = std::clamp(static_cast<double>(*run.step) / static_cast<double>(*run.max_steps), 0.0, 1.0);
  } else if (run.epoch && run.num_train_epochs && *run.num_train_epochs > 0) {
    run.fraction = std::clamp(*run.epoch / *run.num_train_epochs, 0.0, 1.0);
  }

  for (const auto& [name, c] : checkpoints_) run.checkpoints.push_back(c);
  std::sort(run.checkpoints.begin(), run.checkpoints.end(), [](const TrainingCheckpoint& a, const TrainingCheckpoint& b) {
    if (a.step != b.step) return a.step.value_or(-1) < b.step.value_or(-1);
    return a.name < b.name;
  });
  run.arguments = !arguments_.empty() ? arguments_ : hparams_.parsed ? *hparams_.parsed : arguments_;

  // Sources and problems.
  auto note = [&](TrainingSource s) {
    if (!s.problem.empty()) run.problems.push_back(s.path + ": " + s.problem);
    run.sources.push_back(std::move(s));
  };
  if (top_state_.parsed || !top_state_.problem.empty()) note(whole_file_source(top_state_, "trainer_state"));
  if (checkpoint_state_.parsed || !checkpoint_state_.problem.empty()) note(whole_file_source(checkpoint_state_, "trainer_state"));
  for (const auto& [name, file] : results_) note(whole_file_source(file, "results"));
  if (lightning_.size > 0 || !lightning_.problem.empty()) {
    if (lightning_.parsed || lightning_.size > 0) note(whole_file_source(lightning_, "metrics_csv"));
  }
  if (hparams_.parsed) note(whole_file_source(hparams_, "hparams"));
  for (const auto& [path, source] : events_) {
    const EventFileStats& st = source->reader.stats();
    TrainingSource s;
    s.path = path;
    s.kind = "event_file";
    s.bytes = source->size;
    if (source->mtime > 0) s.mtime = source->mtime;
    s.records = st.records;
    s.crc_failures = st.crc_failures;
    s.oversized = st.oversized;
    s.pending_bytes = st.pending_bytes;
    s.problem = st.error;
    if (st.crc_failures > 0) {
      run.problems.push_back(path + ": " + std::to_string(st.crc_failures) + " record(s) with a wrong CRC skipped");
    }
    if (st.oversized > 0) {
      run.problems.push_back(path + ": " + std::to_string(st.oversized) + " oversized record(s) skipped");
    }
    run.crc_failures += st.crc_failures;
    note(std::move(s));
  }
  if (!listing_problem_.empty()) run.problems.push_back(dir_ + ": " + listing_problem_);
  if (dropped_series_ > 0) {
    run.problems.push_back(dir_ + ": more than " + std::to_string(options_.max_series) + " series; " +
                           std::to_string(dropped_series_) + " tag(s) not kept");
  }
  run.started_at = ev.first_write;
  if (first_event_time_) run.started_at = std::min(*first_event_time_, run.started_at.value_or(*first_event_time_));
  run.updated_at = ev.last_write;
  judge_run(run, ev, now, options_);
  return run;
}

}  // namespace jobmon::detail
