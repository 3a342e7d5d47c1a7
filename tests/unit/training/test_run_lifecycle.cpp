// A training run's life as its files show it: resumes, restarts, deleted and
// replaced files, saves caught mid-write, failed reads, dead runs. Each run is
// written for real in a temp dir, with the library's own event writers.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "jobmon/clock.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/storage.hpp"
#include "jobmon/training/event_file.hpp"
#include "jobmon/training/training_scanner.hpp"
#include "temp_tree.hpp"
#include "training/events/event_records.hpp"
#include "training/run_reader.hpp"

using namespace jobmon;

namespace {

constexpr double kT0 = 1.7e9;  // the runs' clock: epoch seconds

std::string scalar(std::int64_t step, double wall_time, std::string_view tag, float value) {
  return detail::scalar_event_record(step, wall_time, tag, value);
}

// The Trainer's args/text_summary: a text-plugin string tensor.
std::string text(double wall_time, std::string_view tag, std::string_view body) {
  return detail::text_event_record(wall_time, tag, body);
}

std::string version(double wall_time) { return detail::version_event_record(wall_time); }

// train/loss every `every` steps from first to last at `seconds_per_step`,
// starting at wall time `start`; loss = value(step).
template <typename Value>
std::string losses(std::int64_t first, std::int64_t last, std::int64_t every, double start, double seconds_per_step,
                   Value value) {
  std::string out;
  for (std::int64_t s = first; s <= last; s += every) {
    out += scalar(s, start + static_cast<double>(s - first) * seconds_per_step, "train/loss", value(s));
  }
  return out;
}

std::string state_json(std::int64_t global_step, std::int64_t max_steps, bool final_entry = false,
                       double num_train_epochs = 3) {
  std::string history = fmt::format(R"({{"loss": 0.5, "learning_rate": 1e-5, "epoch": 1.0, "step": {}}})", global_step);
  if (final_entry) {
    history += fmt::format(R"(, {{"train_runtime": 100.0, "train_loss": 0.6, "epoch": 3.0, "step": {}}})", global_step);
  }
  return fmt::format(R"({{"global_step": {}, "max_steps": {}, "epoch": 1.0, "num_train_epochs": {}, "log_history": [{}]}})",
                     global_step, max_steps, num_train_epochs, history);
}

void write_checkpoint(const test::TempTree& tree, const std::string& run, std::int64_t step, std::int64_t max_steps,
                      double saved_at) {
  const std::string dir = run + "/checkpoint-" + std::to_string(step);
  tree.write(dir + "/trainer_state.json", state_json(step, max_steps));
  tree.set_mtime(dir + "/trainer_state.json", saved_at);
  tree.set_mtime(dir, saved_at);
}

void write_events(const test::TempTree& tree, const std::string& relative, const std::string& records, double mtime) {
  tree.write(relative, records);
  tree.set_mtime(relative, mtime);
}

const MetricSeries& metric(const TrainingRun& run, const std::string& name) {
  const auto it = run.metrics.find(name);
  REQUIRE(it != run.metrics.end());
  return it->second;
}

std::string stage_state(const TrainingRun& run, const std::string& name) {
  for (const TrainingStage& s : run.stages) {
    if (s.name == name) return s.state;
  }
  return "";
}

// A run that crashed at step 1230 and was resumed from checkpoint-1000 at
// 1 step/s, a day later; the second run dir sorts first by name (Feb01 < Jan31).
struct ResumedRun {
  test::TempTree tree;
  std::string dir = tree.path("out");
  double resumed_at = kT0 + 86400;
  double last_write = resumed_at + 100;
  ResumedRun() {
    std::string first = version(kT0) + losses(10, 1230, 10, kT0 + 10, 1.0, [](std::int64_t s) {
      return s <= 1000 ? 1.0f : 0.01f;  // the orphaned steps hold the "best" loss
    });
    write_events(tree, "out/runs/Jan31_10-00-00_host/events.out.tfevents.1700000000.host.1.0", first, kT0 + 1230);
    write_checkpoint(tree, "out", 1000, 3000, kT0 + 1000);
    const std::string second = version(resumed_at) + losses(1010, 1100, 10, resumed_at + 10, 1.0, [](std::int64_t) {
      return 0.5f;
    });
    write_events(tree, "out/runs/Feb01_10-00-00_host/events.out.tfevents.1700086400.host.1.0", second, last_write);
  }
};

}  // namespace

TEST_CASE("RunReader: a resumed run is read by segments: the steps it redid replace the orphaned ones", "[training]") {
  ResumedRun r;
  LocalStorage storage;
  const TrainingRun run = read_training_run(storage, r.dir, r.last_write + 30);
  REQUIRE(run.step);
  CHECK(*run.step == 1100);
  CHECK(run.max_steps == 3000);
  const MetricSeries& loss = metric(run, "train/loss");
  CHECK(loss.last().step == 1100);
  CHECK(loss.count() == 100 + 10);  // 10..1000 from the first run, 1010..1100 from the resume
  REQUIRE(loss.best());
  CHECK(loss.best()->value == 0.5);  // never the orphaned 0.01
  CHECK(run.status == JobStatus::running);
  // 1,900 steps left at 1 step/s (the resume's rate, not across the day's gap).
  REQUIRE(run.eta.remaining_seconds);
  CHECK(*run.eta.remaining_seconds == Approx(1900).epsilon(0.2));
  REQUIRE(run.eta.rate);
  CHECK(*run.eta.rate == Approx(1.0).epsilon(0.2));
}

TEST_CASE("RunReader: a resume is found while reading incrementally too", "[training]") {
  ResumedRun r;
  // Start with only the first run's file, then the resume appears.
  const std::string second = "out/runs/Feb01_10-00-00_host/events.out.tfevents.1700086400.host.1.0";
  const std::string kept = test::read_text(r.tree.path(second));
  r.tree.remove(second);
  TrainingScanner scanner(std::make_shared<LocalStorage>());
  const auto first = scanner.scan({r.dir}, kT0 + 1260);
  REQUIRE(first.runs.size() == 1);
  CHECK(first.runs[0]->step == 1230);
  write_events(r.tree, second, kept, r.last_write);
  const auto next = scanner.scan({r.dir}, r.last_write + 30);
  REQUIRE(next.runs.size() == 1);
  CHECK(next.runs[0]->step == 1100);
  CHECK(metric(*next.runs[0], "train/loss").best()->value == 0.5);
}

TEST_CASE("RunJudge: the stall window learns from the current segment only, at every write", "[training]") {
  SECTION("a resume's gap of a day does not keep a dead run running") {
    ResumedRun r;
    LocalStorage storage;
    const TrainingRun run = read_training_run(storage, r.dir, r.last_write + 3 * 86400.0);
    CHECK(run.status == JobStatus::failed);
  }
  SECTION("thinned-out chart points are not the usual gap") {
    test::TempTree tree;
    TrainingOptions options;
    options.max_points = 16;  // 20,000 steps at 1 s: kept points ~1,250 s apart
    write_checkpoint(tree, "out", 500, 1000000, kT0 + 500);
    write_events(tree, "out/runs/a/events.out.tfevents.1700000000.h",
                 version(kT0) + losses(1, 20000, 1, kT0 + 1, 1.0, [](std::int64_t) { return 1.0f; }), kT0 + 20000);
    LocalStorage storage;
    const TrainingRun run = read_training_run(storage, tree.path("out"), kT0 + 20000 + 4 * 3600.0, options);
    CHECK(run.status == JobStatus::failed);  // 600 s window x 6: dead after an hour
  }
}

TEST_CASE("RunReader: a deleted output dir and a new run in its place drop everything the old one said", "[training]") {
  test::TempTree tree;
  tree.write("out/trainer_state.json", state_json(1000, 1000, true));
  write_checkpoint(tree, "out", 1000, 1000, kT0 + 1000);
  write_events(tree, "out/runs/a/events.out.tfevents.1700000000.h",
               version(kT0) + losses(10, 1000, 10, kT0 + 10, 1.0, [](std::int64_t) { return 2.0f; }), kT0 + 1000);
  TrainingScanner scanner(std::make_shared<LocalStorage>());
  const auto before = scanner.scan({tree.path("out")}, kT0 + 1100);
  REQUIRE(before.runs.size() == 1);
  CHECK(before.runs[0]->status == JobStatus::complete);

  tree.remove("out");
  const double t1 = kT0 + 5000;
  write_events(tree, "out/runs/b/events.out.tfevents.1700005000.h",
               version(t1) + text(t1, "args/text_summary", R"({"max_steps": 5000})") +
                   losses(10, 50, 10, t1 + 10, 1.0, [](std::int64_t) { return 3.0f; }),
               t1 + 50);
  const auto after = scanner.scan({tree.path("out")}, t1 + 60);
  REQUIRE(after.runs.size() == 1);
  const TrainingRun& run = *after.runs[0];
  CHECK(run.status == JobStatus::running);
  CHECK(run.step == 50);
  CHECK(run.max_steps == 5000);
  CHECK(metric(run, "train/loss").count() == 5);
  CHECK(run.checkpoints.empty());
  CHECK_FALSE(run.finished);
}

TEST_CASE("RunReader: an event file that goes away takes its data with it", "[training]") {
  test::TempTree tree;
  write_events(tree, "tb/events.out.tfevents.1700000000.h",
               version(kT0) + losses(1, 5, 1, kT0, 1.0, [](std::int64_t) { return 1.0f; }), kT0 + 5);
  write_events(tree, "tb/events.out.tfevents.1700000100.h",
               version(kT0 + 100) + scalar(7, kT0 + 101, "other", 4.0f), kT0 + 101);
  TrainingScanner scanner(std::make_shared<LocalStorage>());
  CHECK(scanner.scan({tree.path("tb")}, kT0 + 110).runs.at(0)->metrics.count("other") == 1);
  tree.remove("tb/events.out.tfevents.1700000100.h");
  const auto after = scanner.scan({tree.path("tb")}, kT0 + 120);
  CHECK(after.runs.at(0)->metrics.count("other") == 0);
  CHECK(metric(*after.runs.at(0), "train/loss").count() == 5);
}

TEST_CASE("RunReader: an earlier run's final state and results do not end a resumed run", "[training]") {
  test::TempTree tree;
  // The first run: 3 epochs, 1,200 steps, finished (final entry, train_results.json).
  tree.write("out/trainer_state.json", state_json(1200, 1200, true));
  tree.set_mtime("out/trainer_state.json", kT0 + 1200);
  tree.write("out/train_results.json", R"({"train_loss": 0.6, "train_runtime": 1200.0})");
  tree.set_mtime("out/train_results.json", kT0 + 1201);
  // Resumed for 6 epochs (2,000 steps), at 1,600 with checkpoint-1500.
  const double t1 = kT0 + 86400;
  write_checkpoint(tree, "out", 1500, 2000, t1 + 300);
  write_events(tree, "out/runs/b/events.out.tfevents.1700086400.h",
               version(t1) + losses(1210, 1600, 10, t1 + 10, 1.0, [](std::int64_t) { return 0.4f; }), t1 + 400);
  LocalStorage storage;
  const TrainingRun run = read_training_run(storage, tree.path("out"), t1 + 420);
  CHECK(run.status == JobStatus::running);
  CHECK_FALSE(run.finished);
  CHECK(run.step == 1600);
  CHECK(run.max_steps == 2000);
  CHECK(run.state_file == "checkpoint-1500/trainer_state.json");
  CHECK(stage_state(run, "saved") == "waiting");
}

TEST_CASE("RunReader: a step past max_steps is a problem, max_steps stays as written", "[training]") {
  test::TempTree tree;
  write_checkpoint(tree, "out", 100, 200, kT0 + 100);
  write_events(tree, "out/runs/a/events.out.tfevents.1700000000.h",
               version(kT0) + losses(10, 250, 10, kT0 + 10, 1.0, [](std::int64_t) { return 1.0f; }), kT0 + 250);
  LocalStorage storage;
  const TrainingRun run = read_training_run(storage, tree.path("out"), kT0 + 260);
  CHECK(run.max_steps == 200);
  CHECK(run.step == 250);
  bool reported = false;
  for (const std::string& p : run.problems) reported = reported || p.find("past max_steps") != std::string::npos;
  CHECK(reported);
}

namespace {

// Local files, but the first read of one path fails the way a busy object store does.
class FlakyStorage final : public Storage {
 public:
  explicit FlakyStorage(std::string fail_path) : fail_path_(std::move(fail_path)) {}
  using Storage::list;
  using Storage::read;
  std::vector<DirEntry> list(const std::string& dir, const ListOptions& options) const override {
    return local_.list(dir, options);
  }
  FileStat stat(const std::string& path) const override { return local_.stat(path); }
  FileStat lstat(const std::string& path) const override { return local_.lstat(path); }
  std::string read(const std::string& path, std::uint64_t max_bytes) const override {
    if (path == fail_path_ && !failed_.exchange(true)) throw StorageError(path, "HTTP 503 Slow Down");
    return local_.read(path, max_bytes);
  }
  std::string read_range(const std::string& path, std::uint64_t offset, std::uint64_t length) const override {
    return local_.read_range(path, offset, length);
  }
  Counters counters() const override { return local_.counters(); }

 private:
  LocalStorage local_;
  std::string fail_path_;
  mutable std::atomic<bool> failed_{false};
};

}  // namespace

TEST_CASE("RunReader: a failed read is tried again at the next refresh, and says its path once", "[training]") {
  test::TempTree tree;
  tree.write("out/trainer_state.json", state_json(300, 300, true));
  const std::string state_path = tree.path("out/trainer_state.json");
  TrainingScanner scanner(std::make_shared<FlakyStorage>(state_path));
  const auto first = scanner.scan({tree.path("out")}, wall_clock_now());
  REQUIRE(first.runs.size() == 1);
  REQUIRE(first.runs[0]->problems.size() == 1);
  const std::string& problem = first.runs[0]->problems[0];
  CHECK(problem.find("503") != std::string::npos);
  CHECK(problem.find(state_path) == problem.rfind(state_path));  // the path once
  const auto second = scanner.scan({tree.path("out")}, wall_clock_now());
  REQUIRE(second.runs.size() == 1);
  CHECK(second.runs[0]->step == 300);
  CHECK(second.runs[0]->status == JobStatus::complete);
  CHECK(second.runs[0]->problems.empty());
}

TEST_CASE("RunReader: a checkpoint's state caught mid-write keeps the last good state", "[training]") {
  test::TempTree tree;
  write_checkpoint(tree, "out", 500, 3000, kT0 + 500);
  TrainingScanner scanner(std::make_shared<LocalStorage>());
  const auto before = scanner.scan({tree.path("out")}, kT0 + 510);
  REQUIRE(before.runs.size() == 1);
  CHECK(before.runs[0]->max_steps == 3000);

  tree.write("out/checkpoint-1000/trainer_state.json", R"({"global_step": 1000, "max_st)");
  tree.set_mtime("out/checkpoint-1000", kT0 + 1000);
  for (double now : {kT0 + 1010, kT0 + 1020}) {
    const auto after = scanner.scan({tree.path("out")}, now);
    REQUIRE(after.runs.size() == 1);
    const TrainingRun& run = *after.runs[0];
    CHECK(run.max_steps == 3000);
    CHECK(run.step == 1000);  // a checkpoint-1000 dir: step 1000 was reached
    CHECK(run.state_file == "checkpoint-500/trainer_state.json");
    CHECK(run.metrics.count("loss") == 1);
    CHECK(run.status == JobStatus::running);
    CHECK_FALSE(run.problems.empty());  // the torn file is reported
  }
  // Read from scratch (the process died during the save): the older checkpoint's state.
  LocalStorage storage;
  const TrainingRun fresh = read_training_run(storage, tree.path("out"), kT0 + 1030);
  CHECK(fresh.max_steps == 3000);
  CHECK(fresh.state_file == "checkpoint-500/trainer_state.json");
}

TEST_CASE("RunJudge: max_steps reached with nothing showing the end is not complete", "[training]") {
  test::TempTree tree;
  write_checkpoint(tree, "out", 400, 500, kT0 + 400);
  write_events(tree, "out/runs/a/events.out.tfevents.1700000000.h",
               version(kT0) + losses(10, 500, 10, kT0 + 10, 1.0, [](std::int64_t) { return 1.0f; }), kT0 + 500);
  LocalStorage storage;
  const TrainingRun soon = read_training_run(storage, tree.path("out"), kT0 + 530);
  CHECK(soon.status == JobStatus::running);
  CHECK(soon.state_reason.find("final evaluation") != std::string::npos);
  const TrainingRun later = read_training_run(storage, tree.path("out"), kT0 + 500 + 86400);
  CHECK(later.status == JobStatus::failed);
  CHECK(later.state_reason.find("never finished") != std::string::npos);

  // The Trainer's save at the end: a checkpoint at max_steps.
  write_checkpoint(tree, "out", 500, 500, kT0 + 505);
  const TrainingRun saved = read_training_run(storage, tree.path("out"), kT0 + 500 + 86400);
  CHECK(saved.status == JobStatus::complete);
  CHECK(stage_state(saved, "saved") == "done");
}

TEST_CASE("RunJudge: a settled run's reason gives the time of its last write, not an age", "[training]") {
  test::TempTree tree;
  write_checkpoint(tree, "out", 400, 1000, kT0 + 400);
  LocalStorage storage;
  const TrainingRun run = read_training_run(storage, tree.path("out"), kT0 + 30 * 86400.0);
  REQUIRE(run.status == JobStatus::failed);
  CHECK(run.state_reason.find(format_timestamp(kT0 + 400)) != std::string::npos);
  CHECK(run.state_reason.find(" ago") == std::string::npos);
}

TEST_CASE("RunReader: a bad wall time or a writer clock ahead never keeps a dead run running", "[training]") {
  test::TempTree tree;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  SECTION("NaN") {
    write_events(tree, "tb/events.out.tfevents.1700000000.h",
                 version(kT0) + losses(1, 10, 1, kT0, 1.0, [](std::int64_t) { return 1.0f; }) +
                     scalar(11, nan, "train/loss", 1.0f),
                 kT0 + 11);
  }
  SECTION("a clock a year ahead") {
    write_events(tree, "tb/events.out.tfevents.1700000000.h",
                 version(kT0) + losses(1, 10, 1, kT0 + 365 * 86400.0, 1.0, [](std::int64_t) { return 1.0f; }),
                 kT0 + 11);
  }
  LocalStorage storage;
  const TrainingRun run = read_training_run(storage, tree.path("tb"), kT0 + 30 * 86400.0);
  REQUIRE(run.updated_at);
  CHECK(std::isfinite(*run.updated_at));
  CHECK(*run.updated_at <= kT0 + 11);
  CHECK(run.status != JobStatus::running);
}

TEST_CASE("RunJudge: a run planned in epochs only can fail and gets an ETA", "[training]") {
  test::TempTree tree;
  std::string records = version(kT0) + text(kT0, "args/text_summary", R"({"num_train_epochs": 3})");
  for (int i = 1; i <= 50; ++i) {
    records += scalar(i * 10, kT0 + i * 10, "train/loss", 1.0f);
    records += scalar(i * 10, kT0 + i * 10, "train/epoch", static_cast<float>(i * 0.01));
  }
  write_events(tree, "tb/events.out.tfevents.1700000000.h", records, kT0 + 500);
  LocalStorage storage;
  const TrainingRun live = read_training_run(storage, tree.path("tb"), kT0 + 510);
  CHECK(live.status == JobStatus::running);
  CHECK(live.num_train_epochs == 3);
  REQUIRE(live.eta.remaining_seconds);
  CHECK(*live.eta.remaining_seconds == Approx(2.5 / 0.001).epsilon(0.2));  // 2.5 epochs at 0.001 epoch/s
  const TrainingRun dead = read_training_run(storage, tree.path("tb"), kT0 + 3 * 86400.0);
  CHECK(dead.status == JobStatus::failed);
}

TEST_CASE("RunReader: checkpoint dirs are never walked for event files", "[training]") {
  test::TempTree tree;
  tree.write("out/trainer_state.json", state_json(300, 300, true));
  for (int step : {100, 200, 300}) {
    write_checkpoint(tree, "out", step, 300, kT0 + step);
    tree.mkdir("out/checkpoint-" + std::to_string(step) + "/sub");
  }
  tree.mkdir("out/last-checkpoint/sub");
  tree.mkdir("out/checkpoint-300/global_step300");
  auto storage = std::make_shared<LocalStorage>();
  detail::RunReader reader(tree.path("out"), TrainingOptions{});
  reader.refresh(*storage);
  const std::uint64_t before = storage->counters().lists;
  reader.refresh(*storage);
  CHECK(storage->counters().lists - before == 1);  // the run dir only
}

TEST_CASE("RunReader: last-checkpoint's step comes from its state", "[training]") {
  test::TempTree tree;
  tree.write("out/last-checkpoint/trainer_state.json", state_json(700, 1000));
  LocalStorage storage;
  const TrainingRun run = read_training_run(storage, tree.path("out"), wall_clock_now());
  REQUIRE(run.checkpoints.size() == 1);
  CHECK(run.checkpoints[0].step == 700);
}

TEST_CASE("RunReader: past the bound on event files the newest are read", "[training]") {
  test::TempTree tree;
  for (int i = 0; i < 300; ++i) {
    write_events(tree, fmt::format("tb/events.out.tfevents.{}.h", 1700000000 + i),
                 version(kT0 + i) + scalar(i, kT0 + i, "train/loss", 1.0f), kT0 + i);
  }
  LocalStorage storage;
  const TrainingRun run = read_training_run(storage, tree.path("tb"), kT0 + 400);
  CHECK(run.step == 299);
  CHECK_FALSE(run.problems.empty());
}

TEST_CASE("RunName: generic version_N names carry the dir above the log folder", "[training]") {
  CHECK(detail::run_display_name("/x/exp1/lightning_logs/version_0") == "exp1/version_0");
  CHECK(detail::run_display_name("/x/exp2/lightning_logs/version_12/") == "exp2/version_12");
  CHECK(detail::run_display_name("s3://bucket/exp3/lightning_logs/version_1") == "exp3/version_1");
  CHECK(detail::run_display_name("/x/whisper-ft") == "whisper-ft");
  CHECK(detail::run_display_name("/x/version_final") == "version_final");
}
