#include <catch2/catch.hpp>

#include <memory>

#include "jobmon/training/run_report.hpp"

using namespace jobmon;

namespace {

MetricSeries series_to(std::int64_t last_step, const char* name) {
  MetricSeries s(metric_goal(name));
  for (std::int64_t step = 100; step <= last_step; step += 100) s.add(step, 1.0 / static_cast<double>(step));
  return s;
}

}  // namespace

TEST_CASE("run_report: a live run's TensorBoard spelling runs ahead of the checkpoint's", "[training]") {
  TrainingRun run;
  run.metrics.emplace("loss", series_to(500, "loss"));             // checkpoint-500/trainer_state.json
  run.metrics.emplace("train/loss", series_to(700, "train/loss"));  // the event file, two log steps on
  run.metrics.emplace("eval_loss", series_to(500, "eval_loss"));
  run.metrics.emplace("eval/loss", series_to(500, "eval/loss"));
  run.metrics.emplace("eval_accuracy", series_to(500, "eval_accuracy"));
  run.metrics.emplace("eval/accuracy", series_to(600, "eval/accuracy"));
  std::string name;
  REQUIRE(train_loss_series(run, &name));
  CHECK(name == "train/loss");
  CHECK(is_stale_copy(run, "loss"));
  CHECK_FALSE(is_stale_copy(run, "train/loss"));
  // A tie keeps trainer_state.json's spelling (doubles, not float32).
  REQUIRE(eval_loss_series(run, &name));
  CHECK(name == "eval_loss");
  CHECK(is_stale_copy(run, "eval/loss"));
  CHECK_FALSE(is_stale_copy(run, "eval_loss"));
  REQUIRE(eval_metric_series(run, &name));
  CHECK(name == "eval/accuracy");
  // Names without a twin are never copies.
  run.metrics.emplace("train_loss", series_to(300, "train_loss"));
  CHECK_FALSE(is_stale_copy(run, "train_loss"));
}

TEST_CASE("run_report: warnings about a run's dirs are no surprise", "[training]") {
  auto run = std::make_shared<TrainingRun>();
  run->path = "/r/pl/lightning_logs/version_0";
  run->problems = {"metrics.csv: half a line"};
  TrainingScanResult scan;
  scan.runs = {run};
  scan.warnings = {{"/r", "training discovery stopped after 10 directories"}};
  const std::vector<Warning> datatrove = {
      {"/r/pl/lightning_logs", "not a job: no executor.json"},
      {"/r/pl/lightning_logs/version_0", "not a job: no executor.json"},
      {"/r/pl/lightning_logs/version_0/checkpoints", "not a job: no executor.json"},
      {"/r/other", "not a job: no executor.json"},
      {"/r/pl/lightning_logs", "cannot list: permission denied"},
  };
  const std::vector<Warning> kept = without_training_dirs(datatrove, scan.runs);
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].path == "/r/other");
  CHECK(kept[1].message == "cannot list: permission denied");
  const std::vector<Warning> training = training_warnings(scan);
  REQUIRE(training.size() == 2);
  CHECK(training[1].path == run->path);
  CHECK(to_json(TrainingRuns{run}).size() == 1);
}
