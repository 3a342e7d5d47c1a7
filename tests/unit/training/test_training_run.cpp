// TrainingScanner and TrainingRun over every real run in tests/fixtures/training,
// against MANIFEST.json (expected values computed by independent readers).
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <string>

#include "jobmon/clock.hpp"
#include "jobmon/json.hpp"
#include "jobmon/storage/storage.hpp"
#include "jobmon/training/training_scanner.hpp"
#include "exact_json.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace json = boost::json;

namespace {

const std::string kTraining = std::string(JOBMON_FIXTURES_DIR) + "/training";

const json::object& manifest() {
  static const json::value doc = test::parse_exact_json(test::read_text(kTraining + "/MANIFEST.json"));
  return doc.as_object();
}

double num(const json::value& v) { return test::exact_number(v); }

// Far enough after the files were written that an unfinished run has stopped for good.
double long_after() { return wall_clock_now() + 365 * 86400.0; }

}  // namespace

TEST_CASE("TrainingRun: every Hugging Face output dir against MANIFEST.json", "[training]") {
  LocalStorage storage;
  int checked = 0;
  for (const json::value& artifact : manifest().at("artifacts").as_array()) {
    const json::object& a = artifact.as_object();
    const json::object& expected = a.at("expected").as_object();
    if (!expected.contains("run")) continue;
    const json::object& run_expected = expected.at("run").as_object();
    const std::string dir = kTraining + "/" + std::string(a.at("dir").as_string());
    INFO(dir);
    const TrainingRun run = read_training_run(storage, dir, long_after());
    ++checked;
    CHECK(run.writer == TrainingWriter::hf_trainer);
    CHECK(run.state_file == std::string(run_expected.at("authoritative_state").as_string()));
    CHECK(run.problems.empty());
    REQUIRE(run.step);
    CHECK(*run.step == run_expected.at("global_step").as_int64());
    REQUIRE(run.max_steps);
    CHECK(*run.max_steps == run_expected.at("max_steps").as_int64());
    REQUIRE(run.epoch);
    CHECK(*run.epoch == num(run_expected.at("epoch")));
    const json::value& epochs = run_expected.at("num_train_epochs");
    if (epochs.is_int64() && epochs.as_int64() == 9223372036854775807LL) {
      CHECK(run.epochs_unbounded);
      CHECK_FALSE(run.num_train_epochs);
    } else {
      REQUIRE(run.num_train_epochs);
      CHECK(*run.num_train_epochs == num(epochs));
    }
    // Checkpoints: every checkpoint-N dir, by step.
    const json::array& checkpoints = run_expected.at("checkpoints").as_array();
    REQUIRE(run.checkpoints.size() == checkpoints.size());
    for (std::size_t i = 0; i < checkpoints.size(); ++i) {
      CHECK(run.checkpoints[i].step == checkpoints[i].as_int64());
      CHECK(run.checkpoints[i].has_state);
    }
    const bool finished = run_expected.at("finished").as_bool();
    CHECK((run.status == JobStatus::complete) == finished);
    if (!finished) {
      // Stopped mid-run with no final entry, long ago.
      CHECK(run.status == JobStatus::failed);
      CHECK(run.state_reason.find("no final entry") != std::string::npos);
      REQUIRE(run.fraction);
      CHECK(*run.fraction == Approx(num(run_expected.at("progress"))));
    } else {
      CHECK(run.ended_at);
      CHECK(run.eta.remaining_seconds == 0.0);
    }
    if (!run_expected.at("last_train_loss").is_null()) {
      REQUIRE(run.metrics.count("loss"));
      CHECK(run.metrics.at("loss").last().value == num(run_expected.at("last_train_loss")));
    }
    if (!run_expected.at("best_metric").is_null()) {
      REQUIRE(run.best_metric);
      CHECK(*run.best_metric == num(run_expected.at("best_metric")));
    }
    if (!run_expected.at("train_runtime").is_null()) {
      REQUIRE(run.final_values.count("train_runtime"));
      CHECK(run.final_values.at("train_runtime") == num(run_expected.at("train_runtime")));
    }
    // Each eval metric's last value, from the authoritative state file.
    const json::object& state_expected =
        expected.at("trainer_states").as_object().at(std::string(run_expected.at("authoritative_state").as_string())).as_object();
    for (const auto& [name, value] : state_expected.at("eval_metrics_last").as_object()) {
      INFO(std::string(name));
      REQUIRE(run.metrics.count(std::string(name)));
      if (value.is_number()) CHECK(run.metrics.at(std::string(name)).last().value == num(value));
    }
    // The JSON every tool writes: the keys, valid and parseable.
    const json::value doc = json::parse(to_compact_json(to_json(run, true)));
    for (const char* key : {"kind", "step", "max_steps", "epoch", "num_train_epochs", "status", "percent", "eta_seconds",
                            "metrics", "checkpoints", "stages", "series"}) {
      CHECK(doc.as_object().contains(key));
    }
    CHECK(doc.at("kind") == "training");
  }
  CHECK(checked == 27);
}

TEST_CASE("TrainingRun: TensorBoard event files merged per run; tags per sub-run", "[training]") {
  LocalStorage storage;
  TrainingScanOptions options;
  options.recursive = true;
  TrainingScanner scanner(std::make_shared<LocalStorage>(), options);
  const TrainingScanResult result = scanner.scan({kTraining}, long_after());
  CHECK(result.warnings.empty());
  CHECK(result.runs.size() == 33);  // 27 HF output dirs, 3 TensorBoard runs, 3 Lightning versions
  std::map<std::string, const TrainingRun*> by_path;
  for (const auto& run : result.runs) by_path[run->path] = run.get();

  for (const json::value& artifact : manifest().at("artifacts").as_array()) {
    const json::object& a = artifact.as_object();
    const json::object& expected = a.at("expected").as_object();
    if (!expected.contains("event_files")) continue;
    const std::string artifact_dir = kTraining + "/" + std::string(a.at("dir").as_string());
    // Expected per metric name: the run that holds the file, the tag as the run names it.
    std::map<std::pair<const TrainingRun*, std::string>, std::pair<std::uint64_t, double>> totals;
    for (const auto& [file, stats] : expected.at("event_files").as_object()) {
      const std::string path = artifact_dir + "/" + std::string(file);
      const TrainingRun* owner = nullptr;
      for (const auto& [run_path, run] : by_path) {
        if (path.starts_with(run_path + "/") && (!owner || run_path.size() > owner->path.size())) owner = run;
      }
      INFO(path);
      REQUIRE(owner);
      CHECK(owner->crc_failures == 0);
      // A sub-run dir below a plain TensorBoard run prefixes its tags ("validation/epoch_loss").
      std::string prefix;
      if (owner->writer != TrainingWriter::hf_trainer) {
        const std::string rel = path.substr(owner->path.size() + 1);
        const auto slash = rel.rfind('/');
        if (slash != std::string::npos) prefix = rel.substr(0, slash + 1);
      }
      for (const auto& [tag, s] : stats.at("scalars").as_object()) {
        auto& total = totals[{owner, prefix + std::string(tag)}];
        total.first += s.at("count").as_int64();
        total.second = num(s.at("last_value"));  // files are read in name order: the last file's last value
      }
    }
    for (const auto& [key, total] : totals) {
      INFO(key.second);
      REQUIRE(key.first->metrics.count(key.second));
      const MetricSeries& series = key.first->metrics.at(key.second);
      CHECK(series.count() == total.first);
      CHECK(series.last().value == total.second);
    }
  }
}

TEST_CASE("TrainingRun: Lightning CSVLogger versions", "[training]") {
  LocalStorage storage;
  for (const char* id : {"pl-csv-small-every-step", "pl-csv-slm-sorted-columns"}) {
    const std::string dir = kTraining + "/lightning/" + id + "/lightning_logs/version_0";
    INFO(dir);
    const TrainingRun run = read_training_run(storage, dir, long_after());
    CHECK(run.writer == TrainingWriter::lightning);
    CHECK_FALSE(run.metrics.empty());
    CHECK(run.step);
    CHECK_FALSE(run.arguments.empty());  // hparams.yaml
    // No planned length in a CSVLogger dir: quiet for a year is stalled, never called failed or complete.
    CHECK(run.status == JobStatus::stalled);
    // Lightning's generic version_0 is named by the dir above lightning_logs.
    CHECK(run.name == std::string(id) + "/version_0");
  }
  // Evaluations counted from any eval-like series (val_loss here), not only eval_loss.
  const TrainingRun sorted =
      read_training_run(storage, kTraining + "/lightning/pl-csv-slm-sorted-columns/lightning_logs/version_0", long_after());
  REQUIRE(sorted.metrics.count("val_loss") == 1);
  bool found = false;
  for (const TrainingStage& stage : sorted.stages) {
    if (stage.name != "validation") continue;
    found = true;
    CHECK(stage.state == "done");
    CHECK(stage.detail == std::to_string(sorted.metrics.at("val_loss").count()) + " evaluations");
  }
  CHECK(found);
}

TEST_CASE("TrainingScanner: a refresh of unchanged runs reads nothing and keeps finished runs' objects", "[training]") {
  TrainingScanOptions options;
  options.recursive = true;
  TrainingScanner scanner(std::make_shared<LocalStorage>(), options);
  const double now = long_after();
  const TrainingScanResult first = scanner.scan({kTraining + "/hf"}, now);
  CHECK(first.stats.bytes_read > 0);
  const TrainingScanResult second = scanner.scan({kTraining + "/hf"}, now + 5);
  CHECK(second.stats.bytes_read == 0);
  CHECK(second.stats.runs_changed == 0);
  REQUIRE(second.runs.size() == first.runs.size());
  for (std::size_t i = 0; i < first.runs.size(); ++i) {
    if (first.runs[i]->status == JobStatus::complete) CHECK(first.runs[i] == second.runs[i]);
  }
}
