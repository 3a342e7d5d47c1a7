// RunReader::build: the run's headline numbers, metrics and evidence from
// what was read, then judged (run_judge.hpp).
#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

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

// Names that say nothing of the run (Lightning's lightning_logs/version_N,
// TensorBoard's logs/ or runs/ folders): the run is named by the dir above.
bool is_log_folder(std::string_view name) {
  return name == "lightning_logs" || name == "tb_logs" || name == "logs" || name == "runs" || name == "tensorboard" ||
         name == "csv_logs";
}

bool is_generic_run_name(std::string_view name) {
  if (!name.starts_with("version_")) return false;
  name.remove_prefix(8);
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

// lightning_logs/version_3 -> "<dir above lightning_logs>/version_3"; a name
// that tells runs apart stays as it is.
std::string run_display_name(std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= dir.size()) {
    const std::size_t slash = dir.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? dir.size() : slash;
    if (end > start) parts.push_back(dir.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.empty()) return std::string(dir);
  const std::string_view base = parts.back();
  if (!is_generic_run_name(base) || parts.size() < 2) return std::string(base);
  for (std::size_t i = parts.size() - 1; i-- > 0;) {
    if (!is_log_folder(parts[i]) && !parts[i].ends_with(':')) return std::string(parts[i]) + "/" + std::string(base);
  }
  return std::string(base);
}

RunEvidence RunReader::evidence() const {
  RunEvidence ev;
  // Event times count for "last write" no later than their file's mtime: the
  // storage's clock decides, not a writer's clock that runs ahead.
  auto capped = [](std::optional<double> t, double mtime) -> std::optional<double> {
    if (!t || !std::isfinite(*t)) return std::nullopt;
    return mtime > 0 ? std::min(*t, mtime) : *t;
  };
  std::optional<double> newest_mtime;
  for (const auto& [path, source] : events_) {
    if (source->mtime > 0) newest_mtime = std::max(newest_mtime.value_or(0), source->mtime);
  }
  if (first_event_time_) widen(ev.first_write, ev.last_write, capped(first_event_time_, newest_mtime.value_or(0)));
  for (const auto& [path, source] : events_) {
    if (source->mtime > 0) widen(ev.first_write, ev.last_write, source->mtime);
    widen(ev.first_write, ev.last_write, capped(source->reader.stats().last_wall_time, source->mtime));
  }
  // The current segment: progress, gaps and rate start again at a resume.
  const EventSource* segment = current_segment();
  std::optional<double> segment_start;
  if (segment) {
    segment_start = segment->steps.first().wall_time;
    ev.longest_gap = segment->longest_gap;
    for (const MetricPoint& p : segment->steps.points()) {
      if (p.wall_time) ev.step_times.emplace_back(*p.wall_time, p.step);
    }
  }
  auto in_segment = [&](double t) { return !segment_start || t >= *segment_start; };
  for (const auto& [name, c] : checkpoints_) {
    widen(ev.first_write, ev.last_write, c.saved_at);
    if (c.step && c.saved_at && in_segment(*c.saved_at)) ev.step_times.emplace_back(*c.saved_at, *c.step);
  }
  for (const WholeFile<TrainerState>* state : {&top_state_, &checkpoint_state_}) {
    if (!state->parsed) continue;
    widen(ev.first_write, ev.last_write, state->mtime);
    if (state->parsed->global_step && in_segment(state->mtime)) ev.step_times.emplace_back(state->mtime, *state->parsed->global_step);
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
  std::sort(ev.step_times.begin(), ev.step_times.end());
  if (const auto it = event_metrics_.find("train/epoch"); it != event_metrics_.end()) {
    for (const MetricPoint& p : it->second.points()) {
      if (p.wall_time && in_segment(*p.wall_time)) ev.epoch_times.emplace_back(*p.wall_time, p.value);
    }
  }
  ev.first_step_time = first_train_time_;
  ev.last_eval_time = last_eval_event_time_;
  ev.eval_count = eval_events_;
  return ev;
}

TrainingRun RunReader::build(double now) const {
  TrainingRun run;
  run.path = dir_;
  run.name = run_display_name(dir_);
  // The state with the newest step: the top-level one unless a checkpoint is
  // past it (an earlier run's final state in a resumed output dir).
  const bool use_checkpoint =
      checkpoint_state_.parsed &&
      (!top_state_.parsed || checkpoint_state_.parsed->global_step.value_or(-1) > top_state_.parsed->global_step.value_or(-1));
  const TrainerState* state = use_checkpoint ? &*checkpoint_state_.parsed : top_state_.parsed ? &*top_state_.parsed : nullptr;
  if (use_checkpoint) {
    run.state_file = checkpoint_state_name_ + "/trainer_state.json";
  } else if (top_state_.parsed) {
    run.state_file = "trainer_state.json";
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
  for (const auto& [path, source] : events_) {
    if (!source->steps.empty()) raise(run.step, source->steps.last().step);  // past the cutoffs: no orphaned step
  }
  if (lightning_.parsed) raise(run.step, lightning_.parsed->max_step);
  // A checkpoint-N dir means step N was reached, whatever its state file says.
  std::optional<std::int64_t> newest_checkpoint;
  std::optional<double> newest_checkpoint_time;
  for (const auto& [name, c] : checkpoints_) {
    raise(newest_checkpoint, c.step);
    if (c.saved_at) newest_checkpoint_time = std::max(newest_checkpoint_time.value_or(0), *c.saved_at);
  }
  raise(run.step, newest_checkpoint);
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

  RunEvidence ev = evidence();
  // Finished: a final entry or results file at least as new as the newest
  // progress evidence (same or later step, not older than the newest
  // checkpoint or event): an earlier run's final files in the same output_dir
  // do not end a newer run.
  const std::int64_t progress_step = run.step.value_or(0);
  std::optional<double> progress_time = newest_checkpoint_time;
  if (const EventSource* segment = current_segment(); segment && segment->last_progress_time) {
    progress_time = std::max(progress_time.value_or(0), *segment->last_progress_time);
  }
  constexpr double kClockSlack = 60;  // mtimes and writers' clocks disagree a little
  const bool state_final = state && state->has_final_entry() && state->global_step.value_or(-1) >= progress_step;
  bool tb_final = false;
  if (const auto it = run.metrics.find("train/train_runtime"); it != run.metrics.end() && !it->second.empty()) {
    tb_final = it->second.last().step >= progress_step;
  }
  bool results_final = false;
  for (const auto& [name, file] : results_) {
    if (file.parsed && name != "eval_results.json" && (!progress_time || file.mtime + kClockSlack >= *progress_time)) {
      results_final = true;
    }
  }
  run.finished = state_final || tb_final || results_final;
  ev.results_written = results_final;
  if (!results_final) ev.results_time.reset();
  if (run.finished) {
    for (const auto& [name, file] : results_) {
      if (file.parsed) {
        for (const auto& [key, value] : *file.parsed) run.final_values.insert_or_assign(key, value);
      }
    }
  }
  if (run.max_steps && run.step && *run.step > *run.max_steps) {
    run.problems.push_back(dir_ + ": step " + std::to_string(*run.step) + " is past max_steps " +
                           std::to_string(*run.max_steps) + " (max_steps from " +
                           (state ? run.state_file : std::string("the arguments")) + ")");
  }
  run.stopped_early = run.finished && run.max_steps && run.step && *run.step < *run.max_steps;
  // Saved at its end: the Trainer saves a checkpoint at max_steps, and a
  // top-level trainer_state.json at max_steps is save_state()'s end-of-train save.
  const bool at_end = run.max_steps && run.step && *run.step >= *run.max_steps;
  const bool top_at_end = top_state_.parsed && !use_checkpoint && run.max_steps &&
                          top_state_.parsed->global_step.value_or(-1) >= *run.max_steps;
  ev.saved_at_end = at_end && ((newest_checkpoint && *newest_checkpoint >= *run.max_steps) || top_at_end);
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
    // Storage errors already name the path.
    if (!s.problem.empty()) run.problems.push_back(s.problem.starts_with(s.path) ? s.problem : s.path + ": " + s.problem);
    run.sources.push_back(std::move(s));
  };
  if (top_state_.parsed || !top_state_.problem.empty()) note(whole_file_source(top_state_, "trainer_state"));
  if (checkpoint_state_.parsed || !checkpoint_state_.problem.empty()) note(whole_file_source(checkpoint_state_, "trainer_state"));
  for (const auto& [name, file] : unparsed_states_) note(whole_file_source(file, "trainer_state"));
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
