#include <boost/json.hpp>

#include "core/json_values.hpp"
#include "jobmon/json.hpp"
#include "jobmon/training/training_run.hpp"

namespace jobmon {
namespace json = boost::json;
using detail::iso_time_or_null;
using detail::number_or_null;

const char* to_string(TrainingWriter writer) {
  switch (writer) {
    case TrainingWriter::tensorboard: return "tensorboard";
    case TrainingWriter::lightning: return "lightning";
    case TrainingWriter::hf_trainer: break;
  }
  return "hf_trainer";
}

namespace {

json::value int_or_null(const std::optional<std::int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::value text_or_null(const std::optional<std::string>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::object metric_json(const MetricSeries& s) {
  json::object m;
  m["last"] = s.empty() ? json::value(nullptr) : number_or_null(s.last().value);
  m["last_step"] = s.empty() ? json::value(nullptr) : json::value(s.last().step);
  m["count"] = s.count();
  const auto best = s.best();
  m["best"] = best ? number_or_null(best->value) : json::value(nullptr);
  m["best_step"] = best ? json::value(best->step) : json::value(nullptr);
  m["goal"] = to_string(s.goal());
  return m;
}

}  // namespace

json::value to_json(const TrainingRun& run, bool with_points) {
  json::object o;
  o["kind"] = "training";
  o["path"] = run.path;
  o["name"] = run.name;
  o["writer"] = to_string(run.writer);
  o["status"] = to_string(run.status);
  o["reason"] = run.state_reason;
  o["step"] = int_or_null(run.step);
  o["max_steps"] = int_or_null(run.max_steps);
  o["epoch"] = number_or_null(run.epoch);
  o["num_train_epochs"] = number_or_null(run.num_train_epochs);
  o["epochs_unbounded"] = run.epochs_unbounded;
  o["percent"] = run.fraction ? number_or_null(*run.fraction * 100.0) : json::value(nullptr);
  o["finished"] = run.finished;
  o["stopped_early"] = run.stopped_early;
  o["eta_seconds"] = number_or_null(run.eta.remaining_seconds);
  o["finish_time"] = iso_time_or_null(run.eta.finish_time);
  o["steps_per_second"] = number_or_null(run.eta.rate);
  o["started_at"] = iso_time_or_null(run.started_at);
  o["updated_at"] = iso_time_or_null(run.updated_at);
  o["ended_at"] = iso_time_or_null(run.ended_at);
  json::object metrics;
  for (const auto& [name, series] : run.metrics) metrics[name] = metric_json(series);
  o["metrics"] = std::move(metrics);
  json::object final_values;
  for (const auto& [name, value] : run.final_values) final_values[name] = number_or_null(value);
  o["final"] = std::move(final_values);
  json::array checkpoints;
  for (const TrainingCheckpoint& c : run.checkpoints) {
    checkpoints.push_back(json::object{{"name", c.name}, {"step", int_or_null(c.step)},
                                       {"saved_at", iso_time_or_null(c.saved_at)}, {"has_state", c.has_state}});
  }
  o["checkpoints"] = std::move(checkpoints);
  json::array stages;
  for (const TrainingStage& s : run.stages) {
    stages.push_back(json::object{{"name", s.name}, {"state", s.state}, {"started_at", iso_time_or_null(s.started_at)},
                                  {"ended_at", iso_time_or_null(s.ended_at)}, {"detail", s.detail}});
  }
  o["stages"] = std::move(stages);
  json::object arguments;
  for (const auto& [key, value] : run.arguments) arguments[key] = value;
  o["arguments"] = std::move(arguments);
  o["best_model_checkpoint"] = text_or_null(run.best_model_checkpoint);
  o["best_metric"] = number_or_null(run.best_metric);
  o["best_global_step"] = int_or_null(run.best_global_step);
  o["state_file"] = run.state_file.empty() ? json::value(nullptr) : json::value(run.state_file);
  json::array sources;
  for (const TrainingSource& s : run.sources) {
    json::object so{{"path", s.path}, {"kind", s.kind}, {"bytes", s.bytes}, {"mtime", iso_time_or_null(s.mtime)}};
    if (s.kind == "event_file") {
      so["records"] = s.records;
      so["crc_failures"] = s.crc_failures;
      so["oversized"] = s.oversized;
      so["pending_bytes"] = s.pending_bytes;
    }
    so["problem"] = s.problem.empty() ? json::value(nullptr) : json::value(s.problem);
    sources.push_back(std::move(so));
  }
  o["sources"] = std::move(sources);
  o["crc_failures"] = run.crc_failures;
  o["dropped_series"] = run.dropped_series;
  json::array problems;
  for (const std::string& p : run.problems) problems.push_back(json::value(p));
  o["problems"] = std::move(problems);
  if (with_points) {
    json::object series;
    for (const auto& [name, s] : run.metrics) {
      json::array points;
      for (const MetricPoint& p : s.points()) points.push_back(json::array{p.step, number_or_null(p.value)});
      series[name] = std::move(points);
    }
    o["series"] = std::move(series);
  }
  return o;
}

}  // namespace jobmon
