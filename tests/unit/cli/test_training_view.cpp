// Training runs in jobmon-status (jobmon/cli/training_view.hpp) and on the
// --watch dashboard (jobmon/cli/watch.hpp), over runs read from the real
// fixtures in tests/fixtures/training by the library's own reader.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "jobmon/cli/status_command.hpp"
#include "jobmon/cli/training_view.hpp"
#include "jobmon/cli/watch.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/storage/storage.hpp"
#include "jobmon/training/training_scanner.hpp"
#include "temp_tree.hpp"

using namespace jobmon;

namespace {

const std::string training_dir = std::string(JOBMON_FIXTURES_DIR) + "/training/hf";
const std::string datatrove_dir = std::string(JOBMON_FIXTURES_DIR) + "/datatrove";

// Long after every fixture's last write: a run without a final entry has stopped.
const double later = wall_clock_now() + 30 * 86400;

std::shared_ptr<const TrainingRun> read_run(const std::string& dir, double now = later) {
  const LocalStorage storage;
  return std::make_shared<const TrainingRun>(read_training_run(storage, dir, now));
}

std::shared_ptr<const TrainingRun> finished_run() { return read_run(training_dir + "/hf-whisper-small-hi-wer"); }
std::shared_ptr<const TrainingRun> stopped_run() { return read_run(training_dir + "/hf-whisper-wer-ortho-stopped"); }

TermStyle plain() { return TermStyle{false, true}; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("TrainingView: a finished run reads complete, a stopped one failed with its reason", "[cli]") {
  const auto finished = finished_run();
  const auto stopped = stopped_run();
  REQUIRE(finished->status == JobStatus::complete);
  REQUIRE(stopped->status == JobStatus::failed);
  TrainingViewOptions o;
  o.style = plain();
  o.utc = true;
  const std::vector<std::string> lines = lines_of(render_training_lines({finished, stopped}, later, o));
  REQUIRE(lines.size() == 2);
  const std::string max = format_thousands(*finished->max_steps);
  CHECK(lines[0].starts_with("✅ hf-whisper-small-hi-wer:"));
  CHECK(contains(lines[0], "step " + format_thousands(*finished->step) + "/" + max + " (100%)"));
  CHECK(contains(lines[0], "finished"));
  CHECK(contains(lines[0], "loss "));
  CHECK(contains(lines[0], "eval_loss "));
  CHECK(contains(lines[0], "eval_wer "));  // the run's own eval metric, as the writer named it
  CHECK(lines[1].starts_with("❌ hf-whisper-wer-ortho-stopped:"));
  CHECK(contains(lines[1], "step " + format_thousands(*stopped->step) + "/" + format_thousands(*stopped->max_steps)));
  CHECK(contains(lines[1], terminal_safe(stopped->state_reason)));
  CHECK(render_training_summary_line({finished, stopped}, plain()) == "Training runs: 1/2 complete · 1 failed");
}

TEST_CASE("TrainingView: ASCII icons and no colour codes without Unicode and colour", "[cli]") {
  TrainingViewOptions o;
  o.style = TermStyle{false, false};
  const std::string text = render_training_lines({finished_run(), stopped_run()}, later, o);
  CHECK(contains(text, "[ok]"));
  CHECK(contains(text, "[FAIL]"));
  CHECK_FALSE(contains(text, "\x1b"));
  for (const char c : text) CHECK(static_cast<unsigned char>(c) < 0x80);
  o.style = TermStyle{true, true};
  CHECK(contains(render_training_lines({stopped_run()}, later, o), "\x1b[31m"));  // the failed run's words in red
}

TEST_CASE("TrainingView: every line fits the width, the least telling details going first", "[cli]") {
  const auto run = finished_run();
  TrainingViewOptions o;
  o.style = plain();
  const std::string wide = render_training_lines({run}, later, o);
  CHECK(contains(wide, "epoch "));
  for (const int columns : {200, 120, 100, 80, 60, 40}) {
    o.columns = columns;
    for (const std::string& line : lines_of(render_training_lines({run, stopped_run()}, later, o))) {
      INFO(line);
      CHECK(display_width(line) <= columns);
    }
  }
  o.columns = display_width(lines_of(wide)[0]) - 5;  // just too narrow for everything
  const std::string line = lines_of(render_training_lines({run}, later, o))[0];
  CHECK(contains(line, "finished"));  // the state stays
  CHECK(contains(line, "loss "));
  CHECK_FALSE(contains(line, "eval_wer"));  // the weakest detail went
}

TEST_CASE("TrainingView: a hostile run name cannot drive the terminal", "[cli]") {
  test::TempTree tree;
  const std::string evil = "run\x1b]2;pwned\x07\x1b[2J\x9b";
  test::copy_tree(training_dir + "/hf-whisper-small-hi-wer", tree.path(evil));
  const auto run = read_run(tree.path(evil));
  REQUIRE(run->name == evil);
  TrainingViewOptions o;
  o.style = plain();
  const std::string text = render_training_lines({run}, later, o);
  CHECK_FALSE(contains(text, "\x1b"));
  CHECK_FALSE(contains(text, "\x07"));
  CHECK(contains(text, terminal_safe(evil)));
  WatchFrameOptions f;
  f.style = plain();
  f.columns = 120;
  f.training = watch_training_rows({run}, nullptr);
  const std::string frame = render_watch_frame(aggregate({}, later), {}, f);
  CHECK_FALSE(contains(frame, "\x1b"));
  CHECK(contains(frame, terminal_safe(evil)));
  const std::string log = render_watch_log_line(aggregate({}, later), {}, f.training, true, true);
  CHECK_FALSE(contains(log, "\x1b"));
}

TEST_CASE("TrainingView: CSV rows in status_csv's columns", "[cli]") {
  const auto run = finished_run();
  const std::string rows = training_csv_rows({run}, later);
  REQUIRE(rows.ends_with("\r\n"));
  std::vector<std::string> fields;  // RFC 4180: a quoted field may hold commas
  std::string field;
  bool quoted = false;
  for (const char c : rows.substr(0, rows.find("\r\n"))) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.push_back(field);
      field.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(field);
  REQUIRE(fields.size() == 15);  // path,name,status,completed,world_size,percent,failed_ranks,...,state_reason
  CHECK(fields[1] == "hf-whisper-small-hi-wer");
  CHECK(fields[2] == "complete");
  CHECK(fields[3] == std::to_string(*run->step));
  CHECK(fields[4] == std::to_string(*run->max_steps));
  CHECK(fields[5] == "100");
  CHECK(fields[6].empty());  // a run has no ranks
}

TEST_CASE("TrainingView: notifications see runs as kind training, steps as done/total", "[cli]") {
  const auto run = stopped_run();
  const std::vector<JobObservation> seen = training_observations({run});
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].kind == "training");
  CHECK(seen[0].status == JobStatus::failed);
  CHECK(seen[0].done == *run->step);
  CHECK(seen[0].total == *run->max_steps);
  CHECK(std::filesystem::path(seen[0].key).is_absolute());
  CHECK(seen[0].reason == run->state_reason);
}

TEST_CASE("TrainingView: the datatrove scan's warnings about a run's own dirs are dropped", "[cli]") {
  auto run = std::make_shared<TrainingRun>();
  run->path = "/out/ft";
  auto lightning = std::make_shared<TrainingRun>();
  lightning->path = "/out/pl/lightning_logs/version_0";
  const std::vector<Warning> kept = without_training_dirs(
      {{"/out/ft", "not a job: no executor.json"},
       {"/out/ft/checkpoint-500", "not a job: no executor.json"},
       {"/out/ft/runs/", "not a job: no executor.json"},
       {"/out/ft2", "not a job: no executor.json"},
       {"/out/pl/lightning_logs", "not a job: no executor.json"},  // holds a run
       {"/out/pl", "not readable: Permission denied"},               // holds a run, but says something else
       {"/out", "not readable"}},
      {run, lightning});
  REQUIRE(kept.size() == 3);
  CHECK(kept[0].path == "/out/ft2");
  CHECK(kept[1].path == "/out/pl");
  CHECK(kept[2].path == "/out");
}

TEST_CASE("TrainingView: runs that share a name are told apart by their paths", "[cli]") {
  auto run = [](std::string path) {
    auto r = std::make_shared<TrainingRun>();
    r->name = path.substr(path.rfind('/') + 1);
    r->path = std::move(path);
    return std::shared_ptr<const TrainingRun>(r);
  };
  const TrainingRuns runs = {run("/x/pl-a/lightning_logs/version_0"), run("/x/pl-b/lightning_logs/version_0"),
                             run("/x/pl-a/lightning_logs/version_1"), run("/x/ft")};
  CHECK(training_display_names(runs) ==
        std::vector<std::string>{"pl-a/lightning_logs/version_0", "pl-b/lightning_logs/version_0", "version_1", "ft"});
  CHECK(training_display_names({run("/a/same"), run("/a/same")}) == std::vector<std::string>{"/a/same", "/a/same"});
  TrainingViewOptions o;
  o.style = plain();
  const std::string text = render_training_lines(runs, later, o);
  CHECK(contains(text, "pl-b/lightning_logs/version_0:"));
  CHECK(contains(text, "no step yet (  ?%)"));  // neither steps nor epochs bound it: no made-up 0%
}

TEST_CASE("WatchFrame: training runs are rows of the jobs table with a Training runs line", "[cli][watch]") {
  const auto finished = finished_run();
  const auto stopped = stopped_run();
  WatchFrameOptions f;
  f.style = plain();
  f.columns = 100;
  f.rows = 30;
  f.show_keys = false;
  f.training = watch_training_rows({finished, stopped}, nullptr);
  const std::string frame = render_watch_frame(aggregate({}, later), {}, f);
  const std::vector<std::string> lines = lines_of(frame);
  CHECK_FALSE(contains(frame, "Tracked jobs:"));  // only runs: no 0/0 totals
  CHECK(contains(frame, "Training runs: 1/2 - 50.0%  · 1 failed"));
  std::string finished_row, stopped_row;
  for (const std::string& line : lines) {
    if (line.starts_with("✓ hf-whisper-small-hi-wer")) finished_row = line;
    if (line.starts_with("✗ hf-whisper-wer-ortho-stopped")) stopped_row = line;
    CHECK(display_width(line) <= 100);
  }
  CHECK(contains(finished_row, std::to_string(*finished->step) + "/" + std::to_string(*finished->max_steps) + " 100%"));
  CHECK(contains(finished_row, "done"));
  CHECK(contains(finished_row, "loss "));
  CHECK(contains(stopped_row, "failed · stopped "));
  // Failed before complete, as the jobs.
  CHECK(frame.find("hf-whisper-wer-ortho-stopped") < frame.find("hf-whisper-small-hi-wer"));
  for (const int columns : {60, 40}) {
    f.columns = columns;
    for (const std::string& line : lines_of(render_watch_frame(aggregate({}, later), {}, f))) CHECK(display_width(line) <= columns);
  }
}

TEST_CASE("WatchFrame: jobs and runs together; new steps since the last refresh", "[cli][watch]") {
  auto before = std::make_shared<TrainingRun>(*stopped_run());
  auto now_run = std::make_shared<TrainingRun>(*before);
  before->step = *now_run->step - 40;
  now_run->status = JobStatus::running;
  const std::vector<WatchTrainingRow> first = watch_training_rows({before}, nullptr);
  const std::vector<WatchTrainingRow> second = watch_training_rows({now_run}, &first);
  REQUIRE(second.size() == 1);
  CHECK(second[0].new_steps == 40);
  auto job = std::make_shared<JobState>();
  job->path = "/runs/tok";
  job->name = "tok";
  job->world_size = 4;
  WatchFrameOptions f;
  f.style = plain();
  f.columns = 120;
  f.training = second;
  const std::string frame = render_watch_frame(aggregate({job}, later), {}, f);
  CHECK(contains(frame, "Tracked jobs:  0/1"));
  CHECK(contains(frame, "Training runs: 0/1 - 0.0%  · 1 running"));
  CHECK(contains(frame, "+40"));
  const std::string log = render_watch_log_line(aggregate({job}, later), {}, second, true, true);
  CHECK(contains(log, "jobs 0/1 (0%)"));
  CHECK(contains(log, "training 0/1 (0%) · 1 running · hf-whisper-wer-ortho-stopped running step "));
  CHECK(contains(log, " +40"));
}

TEST_CASE("StatusCommand: one report over datatrove jobs and training runs", "[cli][status]") {
  test::TempTree tree;
  test::copy_tree(datatrove_dir, tree.path("out"));
  test::copy_tree(training_dir + "/hf-whisper-small-hi-wer", tree.path("out/ft-done"));
  test::copy_tree(training_dir + "/hf-whisper-wer-ortho-stopped", tree.path("out/ft-stopped"));
  StatusCommandOptions o;
  o.targets = {tree.path("out")};
  o.color = ColorMode::never;
  o.scheduler = SchedulerChoice::none;

  SECTION("lines: jobs, then runs, then both summaries; no warning about the runs' dirs") {
    std::ostringstream out, err;
    CHECK(run_status_command(o, Console{out, err}) == ExitCode::ok);
    const std::string text = out.str();
    CHECK(contains(text, "ft-done:"));
    CHECK(contains(text, "ft-stopped:"));
    CHECK(text.find("tokenize_CC-MAIN-2023-40") < text.find("ft-done:"));
    CHECK(contains(text, "Summary: "));
    CHECK(contains(text, "Training runs: 1/2 complete"));
    CHECK_FALSE(contains(err.str(), "ft-done"));
    CHECK_FALSE(contains(err.str(), "ft-stopped"));
  }
  SECTION("--json: every key of the status document, and the runs under training") {
    o.json = true;
    std::ostringstream out, err;
    run_status_command(o, Console{out, err});
    const boost::json::value doc = boost::json::parse(out.str());
    const boost::json::object& top = doc.as_object();
    for (const char* key : {"jobs", "summary", "warnings", "generated_at", "training"}) CHECK(top.contains(key));
    CHECK(top.at("jobs").as_array().size() == 2);
    const boost::json::array& runs = top.at("training").as_array();
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].at("kind").as_string() == "training");
    CHECK(runs[0].at("name").as_string() == "ft-done");
    CHECK(runs[0].at("status").as_string() == "complete");
    CHECK(runs[0].at("metrics").as_object().contains("eval_wer"));
  }
  SECTION("--csv: the header as before, a row per job and run") {
    o.csv = true;
    std::ostringstream out, err;
    run_status_command(o, Console{out, err});
    const std::string text = out.str();
    CHECK(text.starts_with("path,name,status,completed,world_size,percent,failed_ranks,failed_ranks_exact,eta_seconds,"
                           "rate_per_hour,launched_at,last_activity_at,ended_at,duration_seconds,state_reason\r\n"));
    CHECK(contains(text, ",ft-done,complete,"));
    CHECK(contains(text, ",ft-stopped,"));
  }
  SECTION("--check: incomplete while a run is not complete") {
    o.check = true;
    o.targets = {tree.path("out/ft-done")};
    std::ostringstream out, err;
    CHECK(run_status_command(o, Console{out, err}) == ExitCode::ok);
    CHECK_FALSE(contains(out.str(), "No jobs found"));
    CHECK(err.str().empty());  // the run's checkpoint and runs dirs are not "not a job"
    o.targets = {tree.path("out/ft-stopped")};
    CHECK(run_status_command(o, Console{out, err}) == ExitCode::incomplete);
  }
  SECTION("--hide-complete hides complete runs; the summary still counts them") {
    o.hide_complete = true;
    std::ostringstream out, err;
    run_status_command(o, Console{out, err});
    CHECK_FALSE(contains(out.str(), "ft-done:"));
    CHECK(contains(out.str(), "ft-stopped:"));
    CHECK(contains(out.str(), "Training runs: 1/2 complete"));
  }
  SECTION("No jobs found only when neither kind was found") {
    tree.mkdir("empty");
    o.targets = {tree.path("empty")};
    std::ostringstream out, err;
    run_status_command(o, Console{out, err});
    CHECK(out.str() == "No jobs found.\n");
  }
  SECTION("--once: the frame shows both") {
    o.once = true;
    std::ostringstream out, err;
    CHECK(run_status_tool(o, Console{out, err, -1, -1, -1}) == ExitCode::ok);
    CHECK(contains(out.str(), "Tracked jobs:"));
    CHECK(contains(out.str(), "Training runs: 1/2"));
    CHECK(contains(out.str(), "ft-stopped"));
  }
}
