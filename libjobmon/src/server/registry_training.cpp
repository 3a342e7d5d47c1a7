// Registry entries and job details for training runs (TrainingRun): progress
// in steps, the loss chart's curves, metric cards, the stage tracker,
// checkpoints and the run's arguments, plus the run's own JSON under
// "training" so a script reads the one schema every tool writes.
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <fmt/format.h>

#include "core/text/text.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/format.hpp"
#include "jobmon/json.hpp"
#include "server/registry_entries.hpp"

namespace jobmon::detail {
namespace json = boost::json;
namespace {

const TrainingRun& run_of(const RegistryEntry& e) { return *std::get<std::shared_ptr<const TrainingRun>>(e.source); }

bool is_current(JobStatus status) { return status != JobStatus::complete && status != JobStatus::failed; }

// The last path part of a metric name, lower case: "eval/loss" -> "loss".
std::string leaf_lower(std::string_view name) {
  const auto slash = name.rfind('/');
  return ascii_lower(slash == std::string_view::npos ? name : name.substr(slash + 1));
}

// The series with a direction (goal lower or higher), TensorBoard copies
// left out, by name ignoring case (eval_overall_f1 before eval_T005_f1).
std::vector<std::string> directed_metric_names(const TrainingRun& run) {
  std::vector<std::string> names;
  for (const auto& [name, series] : run.metrics) {
    if (!series.empty() && series.goal() != MetricGoal::none && !is_stale_copy(run, name)) names.push_back(name);
  }
  std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) { return ascii_lower(a) < ascii_lower(b); });
  return names;
}

}  // namespace

std::vector<std::string> eval_loss_names(const TrainingRun& run) {
  std::vector<std::string> names;
  for (const auto& [name, series] : run.metrics) {
    if (series.empty() || !is_eval_metric(name) || is_stale_copy(run, name)) continue;
    const std::string leaf = leaf_lower(name);
    if (leaf == "loss" || leaf.ends_with("_loss")) names.push_back(name);
  }
  return names;
}

std::vector<std::string> card_metric_names(const TrainingRun& run, std::size_t limit) {
  std::vector<std::string> names;
  auto add = [&](const std::string& name) {
    if (names.size() < limit && !is_stale_copy(run, name) && std::find(names.begin(), names.end(), name) == names.end())
      names.push_back(name);
  };
  std::string train;
  if (train_loss_series(run, &train) != nullptr) add(train);
  for (const auto& name : eval_loss_names(run)) add(name);
  // The learning rate keeps the last card: the one directionless series people watch.
  std::string lr;
  for (const auto& [name, series] : run.metrics) {
    const std::string leaf = leaf_lower(name);
    const bool is_lr = leaf.find("learning_rate") != std::string::npos || leaf == "lr" || leaf.starts_with("lr-");
    if (!series.empty() && is_lr && !is_stale_copy(run, name)) {
      lr = name;
      break;
    }
  }
  const std::size_t room = lr.empty() ? limit : limit - std::min<std::size_t>(limit, 1);
  // Metrics with a direction (accuracy, F1, WER...), evaluations first.
  for (const bool eval : {true, false}) {
    for (const auto& name : directed_metric_names(run)) {
      if (names.size() < room && is_eval_metric(name) == eval) add(name);
    }
  }
  if (!lr.empty()) add(lr);
  return names;
}

std::vector<std::string> gauge_metric_names(const TrainingRun& run, std::size_t limit) {
  std::vector<std::string> names;
  std::string train;
  if (train_loss_series(run, &train) != nullptr && limit > 0) names.push_back(train);
  for (const auto& name : directed_metric_names(run)) {
    if (names.size() >= limit) break;
    if (name != train) names.push_back(name);
  }
  return names;
}

RegistryEntry training_entry(std::shared_ptr<const TrainingRun> run) {
  const TrainingRun& r = *run;
  RegistryEntry e;
  e.path = r.path;
  e.name = r.name.empty() ? base_name(r.path) : r.name;
  e.id = job_id_for(JobKind::training, r.path);
  e.status = r.status;
  e.current = is_current(r.status);
  e.done = r.step.value_or(0);
  e.total = r.max_steps.value_or(0);
  e.fraction = std::clamp(r.fraction.value_or(0.0), 0.0, 1.0);
  if (r.status == JobStatus::running || r.status == JobStatus::stalled) e.eta_seconds = r.eta.remaining_seconds;
  if (r.status == JobStatus::complete) e.finished_at = r.ended_at ? r.ended_at : r.updated_at;
  e.source = std::move(run);
  e.summary_text = std::make_shared<const std::string>(to_compact_json(training_summary(e)));
  return e;
}

json::object training_summary(const RegistryEntry& e) {
  const TrainingRun& r = run_of(e);
  json::object o = summary_fields(e);
  o["state_reason"] = r.state_reason;
  o["unit"] = "steps";
  o["writer"] = to_string(r.writer);
  o["step"] = r.step ? json::value(*r.step) : json::value(nullptr);
  o["max_steps"] = r.max_steps ? json::value(*r.max_steps) : json::value(nullptr);
  o["fraction"] = number_or_null(r.fraction);
  o["epoch"] = number_or_null(r.epoch);
  o["num_train_epochs"] = r.epochs_unbounded ? json::value(nullptr) : number_or_null(r.num_train_epochs);
  std::string loss_name;
  const MetricSeries* loss = train_loss_series(r, &loss_name);
  o["loss"] = loss != nullptr ? number_or_null(loss->last().value) : json::value(nullptr);
  o["loss_metric"] = loss != nullptr ? json::value(loss_name) : json::value(nullptr);
  o["finished"] = r.finished;
  o["stopped_early"] = r.stopped_early;
  o["rate_per_hour"] = r.eta.rate ? json::value(*r.eta.rate * 3600) : json::value(nullptr);
  o["steps_per_second"] = number_or_null(r.eta.rate);
  o["started_at"] = iso_time_or_null(r.started_at);
  o["finished_at"] = e.status == JobStatus::complete ? iso_time_or_null(e.finished_at) : json::value(nullptr);
  o["last_change_at"] = iso_time_or_null(r.updated_at);
  o["ended_at"] = iso_time_or_null(r.ended_at);
  o["crc_failures"] = r.crc_failures;
  o["problems"] = static_cast<std::int64_t>(r.problems.size());
  return o;
}

namespace {

json::array meta_of(const RegistryEntry& e, const TrainingRun& r) {
  json::array meta;
  auto add = [&](const char* label, json::value value) { meta.push_back(json::array{label, std::move(value)}); };
  add("Path", json::value(e.path));
  add("Writer", json::value(to_string(r.writer)));
  if (r.step)
    add("Step", json::value(r.max_steps ? fmt::format("{} of {}", format_thousands(*r.step), format_thousands(*r.max_steps))
                                        : format_thousands(*r.step)));
  if (r.epoch) {
    const bool bounded = r.num_train_epochs && !r.epochs_unbounded;
    add("Epoch", json::value(bounded ? fmt::format("{:.2f} of {:g}", *r.epoch, *r.num_train_epochs)
                                     : fmt::format("{:.2f}", *r.epoch)));
  }
  if (r.epochs_unbounded) add("Epochs", json::value("unbounded (max_steps ends the run)"));
  if (r.stopped_early) add("Stopped early", json::value("yes: finished before max_steps"));
  if (r.best_model_checkpoint) add("Best checkpoint", json::value(*r.best_model_checkpoint));
  if (r.best_metric)
    add("Best metric", json::value(r.best_global_step ? fmt::format("{:g} at step {}", *r.best_metric, *r.best_global_step)
                                                      : fmt::format("{:g}", *r.best_metric)));
  if (!r.state_file.empty()) add("State file", json::value(r.state_file));
  add("Sources", static_cast<std::int64_t>(r.sources.size()));
  if (r.crc_failures > 0) add("CRC failures", r.crc_failures);
  if (r.dropped_series > 0) add("Series dropped", r.dropped_series);
  return meta;
}

// One card per chosen metric: its last and best values.
json::array cards_of(const TrainingRun& r, const std::vector<std::string>& names) {
  json::array cards;
  for (const auto& name : names) {
    const MetricSeries& s = r.metrics.find(name)->second;
    json::object c{{"name", name}, {"goal", to_string(s.goal())}, {"count", s.count()}};
    c["eval"] = is_eval_metric(name);
    c["last"] = number_or_null(s.last().value);
    c["last_step"] = s.last().step;
    const auto best = s.best();
    c["best"] = best ? number_or_null(best->value) : json::value(nullptr);
    c["best_step"] = best ? json::value(best->step) : json::value(nullptr);
    cards.push_back(std::move(c));
  }
  return cards;
}

}  // namespace

json::value training_detail(const RegistryEntry& e, const RegistryOptions&) {
  const TrainingRun& r = run_of(e);
  json::object o = training_summary(e);
  o["meta"] = meta_of(e, r);

  json::value whole = to_json(r, true);
  json::object& training = whole.as_object();
  json::object all_series;
  if (auto* s = training.if_contains("series"); s != nullptr && s->is_object()) all_series = std::move(s->as_object());
  training.erase("series");

  // The chart: the train loss and the eval loss curves on a step axis, and
  // the card metrics' points, so the page can chart any card.
  std::string train_name;
  const bool has_train = train_loss_series(r, &train_name) != nullptr;
  const std::vector<std::string> cards = card_metric_names(r, kMaxTrainingCards);
  json::object chart_series;
  auto keep_series = [&](const std::string& name) {
    if (auto* points = all_series.if_contains(name)) chart_series[name] = *points;
  };
  if (has_train) keep_series(train_name);
  const std::vector<std::string> eval_names = eval_loss_names(r);
  for (const auto& name : eval_names) keep_series(name);
  for (const auto& name : cards) keep_series(name);
  json::array eval_json;
  for (const auto& name : eval_names) eval_json.push_back(json::value(name));
  o["chart"] = json::object{{"x", "step"},
                            {"train", has_train ? json::value(train_name) : json::value(nullptr)},
                            {"eval", std::move(eval_json)},
                            {"series", std::move(chart_series)}};
  o["cards"] = cards_of(r, cards);

  json::array stages;
  for (const TrainingStage& st : r.stages) {
    stages.push_back(json::object{{"name", st.name},
                                  {"status", st.state},
                                  {"detail", st.detail},
                                  {"started_at", iso_time_or_null(st.started_at)},
                                  {"ended_at", iso_time_or_null(st.ended_at)}});
  }
  o["stages"] = std::move(stages);

  json::array checkpoints;
  for (const TrainingCheckpoint& c : r.checkpoints) {
    const bool best = r.best_model_checkpoint && (r.best_model_checkpoint->ends_with("/" + c.name) || *r.best_model_checkpoint == c.name);
    checkpoints.push_back(json::object{{"name", c.name},
                                       {"step", c.step ? json::value(*c.step) : json::value(nullptr)},
                                       {"saved_at", iso_time_or_null(c.saved_at)},
                                       {"has_state", c.has_state},
                                       {"best", best}});
  }
  o["checkpoints"] = std::move(checkpoints);

  json::array arguments;  // pairs, in the order the run wrote them
  for (const auto& [key, value] : r.arguments) arguments.push_back(json::array{json::value(key), json::value(value)});
  o["arguments"] = std::move(arguments);

  json::array errors;
  for (const auto& p : r.problems) errors.push_back(json::object{{"where", "run"}, {"message", p}});
  o["errors"] = std::move(errors);
  o["sources"] = training.contains("sources") ? training.at("sources") : json::value(json::array{});
  o["training"] = std::move(whole);
  return json::value(std::move(o));
}

}  // namespace jobmon::detail
