// The scheduler's word joined to datatrove ranks: array tasks mapped through
// ranks_to_run.json and tasks_per_job, each rank's fate, the judgement, the
// relaunch hint and the JSON. Answers are Slurm's real ones (captured from
// the test cluster) where the case happened there, else built by hand in
// the shape the query gives (tests/e2e/test_slurm_datatrove.sh runs the
// whole path on a real cluster).
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fstream>
#include <map>

#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/json.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/datatrove/scheduler_join.hpp"
#include "job_state_builder.hpp"
#include "slurm_captures.hpp"
#include "temp_tree.hpp"

using namespace jobmon;

namespace {

constexpr double t0 = 1796582000;  // the captures' launch, about

// A Slurm-launched job: `world` ranks, `done` of them complete (ranks
// listed), one array per (id, [indices]) with logs written at `log_time`.
std::shared_ptr<JobState> slurm_job(std::int64_t world, std::vector<std::int64_t> done, std::vector<std::int64_t> ranks_to_run,
                                    std::int64_t tasks_per_job = 1) {
  auto job = test::job_state("tok", world, 0);
  job->path = "/logs/tok";
  job->done_ranks = std::move(done);
  job->completed = static_cast<std::int64_t>(job->done_ranks.size());
  job->launched_at = t0;
  job->slurm.launched_on_slurm = true;
  job->slurm.job_name = "jm-e2e";
  job->slurm.tasks_per_job = tasks_per_job;
  job->slurm.has_ranks_to_run = true;
  job->slurm.ranks_to_run = std::move(ranks_to_run);
  job->slurm.ranks_to_run_mtime = t0;
  job->slurm.logs_dir = "/logs/tok/slurm_logs";
  return job;
}

void add_log(JobState& job, const std::string& array, std::int64_t index, double mtime) {
  job.slurm.logs.push_back({array, index, fmt::format("{}/{}_{}.out", job.slurm.logs_dir, array, index), mtime, 0});
}

void add_issue(JobState& job, std::int64_t rank, RankState state, const std::string& message = {}, double mtime = t0 + 60) {
  RankIssue issue;
  issue.rank = rank;
  issue.state = state;
  issue.message = message;
  issue.log_mtime = mtime;
  job.rank_issues.push_back(issue);
}

SchedulerTask task(const std::string& array, std::int64_t index, TaskState state, const std::string& raw_id) {
  SchedulerTask t;
  t.array_job_id = array;
  t.array_task_index = index;
  t.job_id = raw_id;
  t.state = state;
  t.slurm_state = to_string(state);
  for (auto& c : t.slurm_state) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  t.name = "jm-e2e";
  t.node = state == TaskState::pending ? "" : "vm";
  return t;
}

std::shared_ptr<const SchedulerAnswer> answer_of(std::vector<SchedulerTask> tasks, double now) {
  auto a = std::make_shared<SchedulerAnswer>();
  a->available = true;
  a->kind = "slurm";
  a->taken_at = now;
  std::sort(tasks.begin(), tasks.end(), [](const SchedulerTask& x, const SchedulerTask& y) {
    return std::make_tuple(x.array_job_id.size(), x.array_job_id, x.array_task_index.value_or(-1)) <
           std::make_tuple(y.array_job_id.size(), y.array_job_id, y.array_task_index.value_or(-1));
  });
  a->tasks = std::move(tasks);
  return a;
}

const RankScheduling& rank_of(const JobScheduling& s, std::int64_t rank) {
  const RankScheduling* r = s.find(rank);
  INFO("rank " << rank);
  REQUIRE(r != nullptr);
  return *r;
}

}  // namespace

TEST_CASE("Slurm's real answers joined to a datatrove job: running ranks, then timeout, cancel and a merge job that never runs",
          "[datatrove]") {
  auto job = test::slurm_capture_job();

  for (const bool parsable : {false, true}) {
    INFO((parsable ? "parsable" : "json"));
    const double running_now = test::slurm_capture_running_time;
    auto running = std::make_shared<const SchedulerAnswer>(test::slurm_capture_answer("running", parsable, running_now));
    const JobScheduling s = join_job_scheduling(*job, running);
    CHECK(s.kind == "slurm");
    CHECK(s.job_ids == std::vector<std::string>{"1"});
    CHECK(s.earlier_job_ids.empty());
    CHECK(rank_of(s, 1).state == "failed");  // the log's exception wins
    CHECK(rank_of(s, 1).task->exit_code == 1);
    CHECK(rank_of(s, 2).state == "running");
    CHECK(rank_of(s, 2).started);
    CHECK(rank_of(s, 2).task->node == "vm");
    CHECK(rank_of(s, 3).state == "running");
    CHECK(rank_of(s, 3).slurm_log == test::slurm_capture_logs_dir + "/1_3.out");
    CHECK(s.find(0) == nullptr);  // complete ranks have no entry
    CHECK(s.running == 2);
    CHECK(s.ended_beyond_logs == 0);
    // The capture's merge job (afterok:1) has its own name (datatrove's keeps the
    // job's); --json gives its output path, in the job's logs dir: that names it.
    // The parsable form has no output path: not named there.
    if (parsable) {
      CHECK_FALSE(s.merge_job);
    } else {
      REQUIRE(s.merge_job);
      CHECK(s.merge_job->job_id == "3");
      CHECK(s.merge_job->state == TaskState::pending);
      CHECK_FALSE(s.merge_job->never_runs);
    }
    const JobJudgement j = judge_job(*job, running_now, {}, &s);
    CHECK(j.status == JobStatus::running);
    CHECK(j.failed_ranks == 1);
    CHECK_THAT(j.reason, Catch::Contains("Slurm: 2 running, 1 failed"));

    const double ended_now = running_now + 120;
    auto ended = std::make_shared<const SchedulerAnswer>(test::slurm_capture_answer("ended", parsable, ended_now));
    const JobScheduling e = join_job_scheduling(*job, ended);
    // The logs still say running: only the scheduler knows these ended.
    CHECK(rank_of(e, 2).state == "timeout");
    CHECK(rank_of(e, 2).started);
    CHECK(rank_of(e, 2).task->elapsed_seconds == 87);
    CHECK(rank_of(e, 3).state == "cancelled");
    CHECK(e.ended_beyond_logs == 2);
    CHECK(e.states.at("timeout") == 1);
    CHECK(e.states.at("cancelled") == 1);
    CHECK(e.states.at("failed") == 1);
    if (!parsable) {
      REQUIRE(e.merge_job);
      CHECK(e.merge_job->never_runs);
      CHECK(e.merge_job->reason == "DependencyNeverSatisfied");
    }
    const JobJudgement je = judge_job(*job, ended_now, {}, &e);
    CHECK(je.status == JobStatus::failed);  // nothing left can finish: files alone said running
    CHECK(je.failed_ranks == 3);
    CHECK(judge_job(*job, ended_now).status == JobStatus::running);

    const auto hint = relaunch_hint(*job, &e);
    REQUIRE(hint);
    CHECK(hint->ranks == "1-3");
    CHECK(hint->array_indices == "1-3");
    REQUIRE(hint->commands.size() == (parsable ? 1 : 2));
    CHECK(hint->commands[0] == "sbatch --array=1-3 /logs/tok/launch_script.slurm");
    if (!parsable) CHECK(hint->commands[1] == "scancel 3");
  }
}

TEST_CASE("tasks_per_job > 1 after a relaunch: ranks_to_run maps indices, a task's later ranks share its fate",
          "[datatrove]") {
  // world 16, ranks 0-9 done in launch 1 (array 40); the relaunch runs
  // ranks 10-15 in array 50, two ranks per task.
  std::vector<std::int64_t> done = test::range(0, 10);
  done.push_back(12);
  auto job = slurm_job(16, done, {10, 11, 12, 13, 14, 15}, 2);
  for (int i = 0; i < 5; ++i) add_log(*job, "40", i, t0 - 3600);  // the first launch's logs
  add_log(*job, "50", 0, t0 + 100);
  add_log(*job, "50", 1, t0 + 100);
  add_issue(*job, 10, RankState::running);  // killed by the time limit: no exception
  add_issue(*job, 13, RankState::running);
  add_issue(*job, 5, RankState::failed, "old failure", t0 - 3000);
  job->rank_issues.back().earlier_attempt = true;
  std::sort(job->rank_issues.begin(), job->rank_issues.end(), [](auto& a, auto& b) { return a.rank < b.rank; });
  recount_ranks(*job);
  job->marker_mtimes = std::vector<double>(10, t0 - 3500);
  job->marker_mtimes.push_back(t0 + 200);

  auto t_timeout = task("50", 0, TaskState::timeout, "51");
  t_timeout.elapsed_seconds = 60;
  t_timeout.time_limit_seconds = 60;
  auto t_running = task("50", 1, TaskState::running, "52");
  auto t_pending = task("50", 2, TaskState::pending, "");
  t_pending.reason = "Priority";
  t_pending.submit_time = t0;
  const auto answer = answer_of({t_timeout, t_running, t_pending, task("40", 0, TaskState::completed, "41")}, t0 + 300);
  const JobScheduling s = join_job_scheduling(*job, answer);

  CHECK(s.job_ids == std::vector<std::string>{"50"});
  CHECK(s.earlier_job_ids == std::vector<std::string>{"40"});
  CHECK(rank_of(s, 10).state == "timeout");
  CHECK(rank_of(s, 10).started);
  CHECK(rank_of(s, 10).array_index == 0);
  CHECK(rank_of(s, 11).state == "timeout");  // never reached: its task ended first
  CHECK_FALSE(rank_of(s, 11).started);
  CHECK_THAT(rank_of(s, 11).note, Catch::Contains("never started"));
  CHECK(s.find(12) == nullptr);                // done in this launch
  CHECK(rank_of(s, 13).state == "running");
  CHECK(rank_of(s, 14).state == "pending");
  CHECK(rank_of(s, 15).state == "pending");
  CHECK(rank_of(s, 15).task->reason == "Priority");
  CHECK(s.find(5) == nullptr);  // done since (its marker exists); earlier launches are history
  CHECK(s.ended_beyond_logs == 2);
  CHECK(s.queued == 2);
  CHECK(s.pending_reasons.at("Priority") == 2);
  CHECK(s.longest_queued_seconds == 300);

  const JobJudgement j = judge_job(*job, t0 + 300, {}, &s);
  CHECK(j.status == JobStatus::running);
  CHECK(j.failed_ranks == 2);
  const auto hint = relaunch_hint(*job, &s);
  REQUIRE(hint);
  CHECK(hint->ranks == "10-11");
  CHECK(hint->array_indices == "0");
  CHECK_THAT(hint->hint, Catch::Contains("3 other incomplete ranks may still finish"));
}

TEST_CASE("A task with no trace in squeue nor sacct was cancelled before it ran, when both answered", "[datatrove]") {
  auto job = slurm_job(3, {}, {0, 1, 2});
  add_log(*job, "7", 0, t0 + 10);
  add_issue(*job, 0, RankState::running);
  recount_ranks(*job);
  auto both = answer_of({task("7", 0, TaskState::running, "8"), task("7", 1, TaskState::pending, "")}, t0 + 20);
  const JobScheduling s = join_job_scheduling(*job, both);
  CHECK(rank_of(s, 0).state == "running");
  CHECK(rank_of(s, 1).state == "pending");
  CHECK(rank_of(s, 2).state == "never_scheduled");
  CHECK_THAT(rank_of(s, 2).note, Catch::Contains("cancelled before it started"));
  CHECK(s.ended_beyond_logs == 1);

  // sacct did not answer: silence proves nothing.
  auto partial = std::make_shared<SchedulerAnswer>(*both);
  partial->problems.push_back("sacct: timed out after 10 s");
  const JobScheduling p = join_job_scheduling(*job, partial);
  CHECK(p.find(2) == nullptr);
  CHECK(p.problems.size() == 1);
}

TEST_CASE("Ranks waiting in the queue make a job pending with the queue's reasons, before and after it started",
          "[datatrove]") {
  auto job = slurm_job(4, {}, {0, 1, 2, 3});
  recount_ranks(*job);
  // Submitted, nothing started: no log names the array; squeue finds it by
  // its name and its output dir.
  std::vector<SchedulerTask> tasks;
  for (int i = 0; i < 4; ++i) {
    auto t = task("90", i, TaskState::pending, "");
    t.reason = i < 2 ? "Priority" : "Resources";
    t.stdout_path = fmt::format("/logs/tok/slurm_logs/90_{}.out", i);
    t.submit_time = t0;
    tasks.push_back(t);
  }
  auto other = task("91", 0, TaskState::pending, "");  // same name, another job's dir
  other.stdout_path = "/elsewhere/slurm_logs/91_0.out";
  tasks.push_back(other);
  const JobScheduling s = join_job_scheduling(*job, answer_of(tasks, t0 + 7200));
  CHECK(s.job_ids == std::vector<std::string>{"90"});
  CHECK(s.queued == 4);
  const JobJudgement j = judge_job(*job, t0 + 7200, {}, &s);
  CHECK(j.status == JobStatus::pending);
  CHECK(j.reason == "4 ranks wait in Slurm's queue (Priority: 2, Resources: 2) for up to 2h 00m");

  // Later: ranks 0-1 done hours ago, 2-3 still queued. Files alone: stalled.
  auto later = slurm_job(4, {0, 1}, {0, 1, 2, 3});
  add_log(*later, "90", 0, t0 + 100);
  add_log(*later, "90", 1, t0 + 100);
  recount_ranks(*later);
  later->marker_mtimes = {t0 + 100, t0 + 160};
  const double now = t0 + 20 * 3600;
  CHECK(judge_job(*later, now).status == JobStatus::stalled);
  const JobScheduling ls = join_job_scheduling(*later, answer_of({tasks[2], tasks[3]}, now));
  const JobJudgement lj = judge_job(*later, now, {}, &ls);
  CHECK(lj.status == JobStatus::pending);
  CHECK_THAT(lj.reason, Catch::StartsWith("2 ranks wait in Slurm's queue (Resources: 2)"));
}

TEST_CASE("The JSON of a job joined with the scheduler: the scheduler section and rank_issues with details",
          "[datatrove]") {
  auto job = slurm_job(3, {0}, {0, 1, 2});
  add_log(*job, "7", 0, t0 + 10);
  add_log(*job, "7", 1, t0 + 10);
  add_issue(*job, 1, RankState::running);
  recount_ranks(*job);
  auto timeout = task("7", 1, TaskState::timeout, "9");
  timeout.exit_code = 0;
  timeout.signal = 15;
  timeout.elapsed_seconds = 60;
  auto pending = task("7", 2, TaskState::pending, "");
  pending.reason = "JobArrayTaskLimit";
  SchedulerView view;
  view.kind = "slurm";
  view.answer = answer_of({task("7", 0, TaskState::completed, "8"), timeout, pending}, t0 + 100);
  view.by_path[job->path] = std::make_shared<JobScheduling>(join_job_scheduling(*job, view.answer));
  const Aggregate agg = aggregate({job}, t0 + 100, {}, &view);
  REQUIRE(agg.rows.size() == 1);
  const boost::json::object o = to_json(agg.rows[0], t0 + 100).as_object();
  const auto& sched = o.at("scheduler").as_object();
  CHECK(sched.at("kind") == "slurm");
  CHECK(sched.at("job_ids").as_array() == boost::json::array{"7"});
  CHECK(sched.at("states").as_object().at("timeout") == 1);
  CHECK(sched.at("states").as_object().at("pending") == 1);
  CHECK(sched.at("pending_reasons").as_object().at("JobArrayTaskLimit") == 1);
  CHECK(sched.at("merge_job").is_null());
  CHECK(sched.at("relaunch").as_object().at("ranks") == "1");
  CHECK(o.at("relaunch") == sched.at("relaunch"));
  CHECK(o.at("failed_ranks") == 1);
  const auto& issues = o.at("rank_issues").as_array();
  REQUIRE(issues.size() == 2);
  const auto& r1 = issues[0].as_object();
  CHECK(r1.at("rank") == 1);
  CHECK(r1.at("state") == "timeout");
  CHECK(r1.at("scheduler").as_object().at("job_id") == "9");
  CHECK(r1.at("scheduler").as_object().at("array_job_id") == "7");
  CHECK(r1.at("scheduler").as_object().at("array_index") == 1);
  CHECK(r1.at("scheduler").as_object().at("slurm_state") == "TIMEOUT");
  CHECK(r1.at("scheduler").as_object().at("signal") == 15);
  CHECK(r1.at("scheduler").as_object().at("started") == true);
  CHECK(r1.at("scheduler").as_object().at("slurm_log") == "/logs/tok/slurm_logs/7_1.out");
  const auto& r2 = issues[1].as_object();  // no log: listed for the scheduler's word
  CHECK(r2.at("rank") == 2);
  CHECK(r2.at("state") == "pending");
  CHECK(r2.at("log_mtime").is_null());
  CHECK(r2.at("scheduler").as_object().at("reason") == "JobArrayTaskLimit");

  // Without a scheduler: the files' words, scheduler null.
  const boost::json::object plain = to_json(aggregate({job}, t0 + 100).rows[0], t0 + 100).as_object();
  CHECK(plain.at("scheduler").is_null());
  CHECK(plain.at("rank_issues").as_array().size() == 1);
  CHECK(plain.at("rank_issues").as_array()[0].at("state") == "running");
}

namespace {

// The scheduler's answer is given; the rest (request, join, tails) is real.
class FixedAnswer final : public SchedulerQuery {
 public:
  explicit FixedAnswer(SchedulerAnswer a) : answer_(std::move(a)) {}
  std::string_view kind() const override { return "slurm"; }
  using SchedulerQuery::query;
  SchedulerAnswer query(const SchedulerRequest& request, double) override {
    requests.push_back(request);
    return answer_;
  }
  std::vector<SchedulerRequest> requests;

 private:
  SchedulerAnswer answer_;
};

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("A job dir's Slurm files are read by the Scanner and joined by SchedulerJoin with slurm log tails",
          "[datatrove]") {
  test::TempTree dir;
  const std::string job = dir.root() + "/tok";
  dir.mkdir("tok/completions");
  dir.mkdir("tok/logs");
  dir.mkdir("tok/slurm_logs");
  write(job + "/executor.json",
        R"({"job_name": "tok_x", "tasks_per_job": 1, "max_array_size": 1001, "slurm_logs_folder": null, "job_id": null, "world_size": 3})");
  write(job + "/launch_script.slurm", "#!/bin/bash\n#SBATCH --job-name=tok_x\n#SBATCH --array=0-2%2\n#SBATCH --output=" + job +
                                          "/slurm_logs/%A_%a.out\nsrun python -c 'x'\n");
  write(job + "/ranks_to_run.json", "[0, 1, 2]");
  write(job + "/completions/00000", "");
  write(job + "/logs/task_00001.log", "2026-12-06 10:00:00.000 | INFO     | m:f:1 - Launching pipeline for rank=1\n");
  write(job + "/slurm_logs/12_0.out", "done\n");
  write(job + "/slurm_logs/12_1.out", "line a\nslurmstepd: error: *** JOB 14 ON vm CANCELLED AT 2026-12-06T10:01:00 DUE TO TIME LIMIT ***\n");
  write(job + "/slurm_logs/notes.txt", "");
  write(job + "/slurm_logs/12_x.out", "");

  auto storage = std::make_shared<LocalStorage>();
  Scanner scanner(storage);
  const ScanResult scan = scanner.scan({job});
  REQUIRE(scan.jobs.size() == 1);
  const SlurmLaunch& s = scan.jobs[0]->slurm;
  CHECK(s.launched_on_slurm);
  CHECK(s.job_name == "tok_x");
  CHECK(s.tasks_per_job == 1);
  CHECK(s.max_array_size == 1001);
  CHECK(s.ranks_to_run == std::vector<std::int64_t>{0, 1, 2});
  CHECK(s.logs_dir == job + "/slurm_logs");
  REQUIRE(s.logs.size() == 2);  // notes.txt and 12_x.out are not task logs
  CHECK(s.logs[1].array_job_id == "12");
  CHECK(s.logs[1].index == 1);

  const auto request = scheduler_request(scan.jobs);
  CHECK(request.job_ids == std::vector<std::string>{"12"});
  CHECK(request.job_names == std::vector<std::string>{"tok_x"});

  SchedulerAnswer a = *answer_of({task("12", 0, TaskState::completed, "12"), task("12", 1, TaskState::timeout, "14"),
                                  task("12", 2, TaskState::cancelled, "15")}, 100);
  a.tasks[2].node.clear();  // cancelled while pending would be never_scheduled; this one ran
  auto query = std::make_unique<FixedAnswer>(a);
  FixedAnswer* asked = query.get();
  SchedulerJoin join(std::move(query), storage);
  const SchedulerView view = join.refresh(scan.jobs, 100);
  REQUIRE(asked->requests.size() == 1);
  const auto joined = view.find(*scan.jobs[0]);
  REQUIRE(joined);
  CHECK(rank_of(*joined, 1).state == "timeout");
  CHECK(rank_of(*joined, 1).slurm_log_tail ==
        "line a\nslurmstepd: error: *** JOB 14 ON vm CANCELLED AT 2026-12-06T10:01:00 DUE TO TIME LIMIT ***");
  CHECK(rank_of(*joined, 2).state == "cancelled");
  CHECK(rank_of(*joined, 2).slurm_log.empty());  // no file: no tail
  const Aggregate agg = aggregate(scan.jobs, 100, {}, &view);
  CHECK(agg.rows[0].status == JobStatus::failed);

  // A corrupt ranks_to_run.json: a warning, and no mapping (no guess).
  write(job + "/ranks_to_run.json", "[0, 1, \"x\"]");
  write(job + "/executor.json",
        R"({"job_name": "tok_x", "tasks_per_job": 1, "slurm_logs_folder": null, "job_id": null, "world_size": 3} )");
  Scanner fresh(storage);
  const ScanResult again = fresh.scan({job});
  REQUIRE(again.jobs.size() == 1);
  CHECK_FALSE(again.jobs[0]->slurm.has_ranks_to_run);
  bool warned = false;
  for (const auto& w : again.jobs[0]->warnings) warned = warned || w.message.find("ranks_to_run.json") != std::string::npos;
  CHECK(warned);
}

TEST_CASE("A job not launched on Slurm is never asked about", "[datatrove]") {
  test::TempTree dir;
  test::copy_tree(std::string(JOBMON_FIXTURES_DIR) + "/datatrove/tokenize_CC-MAIN-2023-50", dir.root() + "/j");
  Scanner scanner(std::make_shared<LocalStorage>());
  const ScanResult scan = scanner.scan({dir.root() + "/j"});
  REQUIRE(scan.jobs.size() == 1);
  CHECK_FALSE(scan.jobs[0]->slurm.launched_on_slurm);
  const auto request = scheduler_request(scan.jobs);
  CHECK(request.job_ids.empty());
  CHECK(request.job_names.empty());
  // Nothing to ask: the scheduler is not asked at all (a big cluster's queue is not read for local jobs).
  auto query = std::make_unique<FixedAnswer>(SchedulerAnswer{});
  FixedAnswer* asked = query.get();
  SchedulerJoin join(std::move(query), nullptr);
  const SchedulerView view = join.refresh(scan.jobs, 100);
  CHECK(asked->requests.empty());
  CHECK(view.by_path.empty());
  CHECK(view.asked == "slurm");
}

TEST_CASE("Review cases: a held array found by its name in the real queue, split launches, unmapped, grace, merge vs chunk",
          "[datatrove]") {
  SECTION("an array submitted and not started is found by name and output dir in squeue's real range row") {
    auto job = test::slurm_capture_job();
    job->slurm.job_name = "jm-held";
    job->slurm.logs.clear();
    job->rank_issues.clear();
    job->done_ranks.clear();
    job->completed = 0;
    job->marker_mtimes.clear();
    recount_ranks(*job);
    const double now = test::slurm_capture_running_time;
    auto answer = std::make_shared<const SchedulerAnswer>(test::slurm_capture_answer("running", false, now));
    const JobScheduling s = join_job_scheduling(*job, answer);
    CHECK(s.job_ids == std::vector<std::string>{"2"});
    CHECK(s.queued == 4);
    CHECK(s.pending_reasons.at("JobHeldUser") == 4);
    CHECK(judge_job(*job, now, {}, &s).status == JobStatus::pending);
  }
  SECTION("a launch split at max_array_size: an array never has more than its own tasks") {
    auto job = slurm_job(2500, {}, test::range(0, 2500));
    job->slurm.max_array_size = 1000;
    add_log(*job, "100", 0, t0 + 10);
    add_issue(*job, 0, RankState::running);
    recount_ranks(*job);
    const JobScheduling s = join_job_scheduling(*job, answer_of({task("100", 0, TaskState::running, "100")}, t0 + 20));
    CHECK(rank_of(s, 0).state == "running");
    CHECK(rank_of(s, 999).state == "never_scheduled");  // array 100's own index 999: no trace
    CHECK(s.find(1000) == nullptr);                      // array 101's: not seen, not guessed
    CHECK(s.find(2499) == nullptr);
    CHECK(s.states.at("never_scheduled") == 999);
    const auto hint = relaunch_hint(*job, &s);
    REQUIRE(hint);
    CHECK(hint->commands.empty());  // the launch is not one array: no sbatch --array to paste
  }
  SECTION("ranks_to_run.json unreadable: arrays known, nothing mapped") {
    auto job = slurm_job(3, {}, {});
    job->slurm.has_ranks_to_run = false;
    job->slurm.ranks_to_run_unreadable = true;
    add_log(*job, "7", 0, t0 + 10);
    add_issue(*job, 0, RankState::running);
    recount_ranks(*job);
    const JobScheduling s = join_job_scheduling(*job, answer_of({task("7", 0, TaskState::timeout, "7")}, t0 + 20));
    CHECK(s.job_ids == std::vector<std::string>{"7"});
    CHECK(s.ranks.empty());
    CHECK(judge_job(*job, t0 + 20, {}, &s).status == JobStatus::running);
  }
  SECTION("a task that completed moments ago may still be writing its marker's listing: no word yet") {
    auto job = slurm_job(2, {0}, {0, 1});
    add_log(*job, "7", 1, t0 + 10);
    add_issue(*job, 1, RankState::running);
    recount_ranks(*job);
    auto done = task("7", 1, TaskState::completed, "8");
    done.end_time = t0 + 100;
    CHECK(join_job_scheduling(*job, answer_of({done}, t0 + 130)).find(1) == nullptr);
    const JobScheduling later = join_job_scheduling(*job, answer_of({done}, t0 + 400));
    CHECK(rank_of(later, 1).state == "failed");
    CHECK_THAT(rank_of(later, 1).note, Catch::Contains("exit 0 but the rank left no completion marker"));
  }
  SECTION("datatrove's chunks wait afterany, its merge job afterok: each is told apart") {
    auto job = slurm_job(3000, {}, test::range(0, 3000));
    job->slurm.max_array_size = 1000;
    add_log(*job, "50", 0, t0 + 10);
    add_issue(*job, 0, RankState::running);
    recount_ranks(*job);
    auto queued = [&](const std::string& id, const std::string& dependency) {
      auto t = task(id, 0, TaskState::pending, "");
      t.dependency = dependency;
      t.reason = "Dependency";
      t.submit_time = t0;
      t.stdout_path = "/logs/tok/slurm_logs/" + id + "_0.out";
      return t;
    };
    const auto answer = answer_of({task("50", 0, TaskState::running, "50"), queued("51", "afterany:50_*(unfulfilled)"),
                                   queued("52", "afterany:51_*(unfulfilled)"),
                                   queued("53", "afterok:50_*(unfulfilled),afterok:51_*(unfulfilled),afterok:52_*(unfulfilled)")},
                                  t0 + 20);
    const JobScheduling s = join_job_scheduling(*job, answer);
    CHECK(s.job_ids == (std::vector<std::string>{"50", "51", "52"}));
    REQUIRE(s.merge_job);
    CHECK(s.merge_job->job_id == "53");
    CHECK(rank_of(s, 1000).array_job_id == "51");  // the second chunk's index 0
    CHECK(rank_of(s, 2000).array_job_id == "52");
    CHECK(rank_of(s, 1000).state == "pending");
  }
  SECTION("logs not all listed: ranks past the list are not counted twice; DependencyNeverSatisfied needs action") {
    auto job = slurm_job(4, {}, {0, 1, 2, 3});
    add_log(*job, "7", 0, t0 + 10);
    add_issue(*job, 0, RankState::running);
    recount_ranks(*job);
    job->rank_issues_truncated = true;  // ranks 1-3 may have logs the list left out
    std::vector<SchedulerTask> tasks;
    for (int i = 0; i < 4; ++i) tasks.push_back(task("7", i, TaskState::timeout, std::to_string(10 + i)));
    const JobScheduling s = join_job_scheduling(*job, answer_of(tasks, t0 + 20));
    CHECK(s.states.at("timeout") == 4);
    CHECK(s.ended_beyond_logs == 1);  // only rank 0, whose log word is known

    auto waiting = slurm_job(1, {}, {0});
    add_log(*waiting, "9", 0, t0 + 10);
    recount_ranks(*waiting);
    auto never = task("9", 0, TaskState::pending, "");
    never.reason = "DependencyNeverSatisfied";
    const JobScheduling w = join_job_scheduling(*waiting, answer_of({never}, t0 + 20));
    CHECK(rank_of(w, 0).state == "pending");
    CHECK_THAT(rank_of(w, 0).note, Catch::Contains("will not start"));
    CHECK(w.ended_beyond_logs == 1);
    CHECK(w.queued == 0);
    CHECK(judge_job(*waiting, t0 + 20, {}, &w).status == JobStatus::failed);
  }
}

TEST_CASE("A relaunch seconds after the last attempt: Slurm's submit time tells the attempts apart", "[datatrove]") {
  auto job = slurm_job(4, {0, 2}, {1, 3});  // the relaunch runs ranks 1 and 3 as indices 0 and 1
  add_log(*job, "7", 1, t0 - 5);            // the first launch's logs, written just before the relaunch
  add_log(*job, "7", 3, t0 - 5);
  add_log(*job, "22", 0, t0 + 10);
  add_issue(*job, 1, RankState::running);
  recount_ranks(*job);
  auto old_task = task("7", 1, TaskState::failed, "8");
  old_task.submit_time = t0 - 300;
  auto fresh = task("22", 0, TaskState::running, "22");
  fresh.submit_time = t0 + 2;
  auto queued = task("22", 1, TaskState::pending, "");
  queued.submit_time = t0 + 2;
  const JobScheduling s = join_job_scheduling(*job, answer_of({old_task, fresh, queued}, t0 + 20));
  CHECK(s.job_ids == std::vector<std::string>{"22"});
  CHECK(s.earlier_job_ids == std::vector<std::string>{"7"});
  CHECK(rank_of(s, 1).array_job_id == "22");
  CHECK(rank_of(s, 1).state == "running");
  CHECK(rank_of(s, 3).state == "pending");
}

namespace {

// A query that hands out the same answer object until told otherwise, as
// SlurmQuery does within its refresh interval.
class SharedAnswer final : public SchedulerQuery {
 public:
  explicit SharedAnswer(SchedulerAnswer a) : answer(std::make_shared<const SchedulerAnswer>(std::move(a))) {}
  std::string_view kind() const override { return "slurm"; }
  using SchedulerQuery::query;
  SchedulerAnswer query(const SchedulerRequest& request, double now) override { return *shared_query(request, now); }
  std::shared_ptr<const SchedulerAnswer> shared_query(const SchedulerRequest& request, double) override {
    requests.push_back(request);
    return answer;
  }
  std::shared_ptr<const SchedulerAnswer> answer;
  std::vector<SchedulerRequest> requests;
};

}  // namespace

TEST_CASE("A job's join is kept while its files and the answer are the same, and redone when either changes",
          "[datatrove]") {
  test::TempTree dir;
  const std::string job = dir.root() + "/tok";
  dir.mkdir("tok/completions");
  dir.mkdir("tok/logs");
  dir.mkdir("tok/slurm_logs");
  write(job + "/executor.json", R"({"job_name": "tok_x", "tasks_per_job": 1, "job_id": null, "world_size": 3})");
  write(job + "/launch_script.slurm", "#!/bin/bash\n#SBATCH --job-name=tok_x\n#SBATCH --output=" + job +
                                          "/slurm_logs/%A_%a.out\nsrun python -c 'x'\n");
  write(job + "/ranks_to_run.json", "[0, 1, 2]");
  write(job + "/completions/00000", "");
  write(job + "/slurm_logs/12_0.out", "done\n");
  write(job + "/slurm_logs/12_1.out", "slurmstepd: error: *** JOB 14 ON vm CANCELLED AT 2026-12-06T10:01:00 DUE TO TIME LIMIT ***\n");
  auto storage = std::make_shared<LocalStorage>();
  Scanner scanner(storage);
  const ScanResult scan = scanner.scan({job});
  REQUIRE(scan.jobs.size() == 1);

  SchedulerAnswer a = *answer_of({task("12", 0, TaskState::completed, "12"), task("12", 1, TaskState::timeout, "14"),
                                  task("12", 2, TaskState::running, "15")}, 100);
  auto query = std::make_unique<SharedAnswer>(a);
  SharedAnswer* shared = query.get();
  SchedulerJoin join(std::move(query), storage);
  const auto first = join.refresh(scan.jobs, 100).find(*scan.jobs[0]);
  REQUIRE(first);
  CHECK(rank_of(*first, 1).state == "timeout");
  CHECK(rank_of(*first, 1).slurm_log_tail.find("TIME LIMIT") != std::string::npos);

  // The same JobState, or a new read of the same files: the same join.
  CHECK(join.refresh(scan.jobs, 101).find(*scan.jobs[0]) == first);
  auto reread = std::make_shared<JobState>(*scan.jobs[0]);
  CHECK(join.refresh({reread}, 102).find(*reread) == first);

  // A marker arrived: joined again.
  auto marked = std::make_shared<JobState>(*reread);
  marked->done_ranks = {0, 2};
  marked->completed = 2;
  const auto after_marker = join.refresh({marked}, 103).find(*marked);
  REQUIRE(after_marker);
  CHECK(after_marker != first);
  CHECK(after_marker->find(2) == nullptr);  // done: no word needed
  // A slurm log grew: joined again (its tail is read again).
  auto grown = std::make_shared<JobState>(*marked);
  grown->slurm.logs[1].size += 10;
  CHECK(join.refresh({grown}, 104).find(*grown) != after_marker);

  // A new answer: every job joined again, with its word.
  a.tasks[1].state = TaskState::out_of_memory;
  shared->answer = std::make_shared<const SchedulerAnswer>(a);
  const auto new_answer = join.refresh({grown}, 105).find(*grown);
  REQUIRE(new_answer);
  CHECK(rank_of(*new_answer, 1).state == "out_of_memory");
  CHECK(join.refresh({grown}, 106).find(*grown) == new_answer);
}

TEST_CASE("A refresh with the same jobs and answer gives the last joins; a new job state, order or answer is joined again",
          "[datatrove]") {
  // Two Slurm jobs mid-run: rank 1 of tok_a timed out, rank 1 of tok_b waits.
  auto make = [](const std::string& name, const std::string& array) {
    auto job = slurm_job(3, {0}, {0, 1, 2});
    job->path = "/logs/" + name;
    job->name = name;
    job->slurm.job_name = "jm-" + name;
    job->slurm.logs_dir = job->path + "/slurm_logs";
    add_log(*job, array, 0, t0 + 10);
    add_log(*job, array, 1, t0 + 10);
    add_log(*job, array, 2, t0 + 10);
    add_issue(*job, 1, RankState::running);
    add_issue(*job, 2, RankState::running);
    recount_ranks(*job);
    return job;
  };
  std::shared_ptr<const JobState> a = make("tok_a", "12"), b = make("tok_b", "20");
  SchedulerAnswer answer = *answer_of({task("12", 1, TaskState::timeout, "14"), task("12", 2, TaskState::running, "15"),
                                       task("20", 1, TaskState::pending, ""), task("20", 2, TaskState::running, "23")}, t0 + 60);
  auto query = std::make_unique<SharedAnswer>(answer);
  SharedAnswer* shared = query.get();
  SchedulerJoin join(std::move(query), nullptr);
  // What a join that has seen nothing before makes of these jobs and answer.
  auto states_afresh = [&](const std::vector<std::shared_ptr<const JobState>>& jobs, const JobState& job) {
    SchedulerJoin afresh(std::make_unique<SharedAnswer>(*shared->answer), nullptr);
    const auto s = afresh.refresh(jobs, t0 + 60).find(job);
    REQUIRE(s);
    return s->states;
  };

  const std::vector<std::shared_ptr<const JobState>> jobs{a, b};
  const SchedulerView first = join.refresh(jobs, t0 + 60);
  const auto a1 = first.find(*a), b1 = first.find(*b);
  REQUIRE(a1);
  REQUIRE(b1);
  CHECK(rank_of(*a1, 1).state == "timeout");
  CHECK(rank_of(*b1, 1).state == "pending");
  CHECK(shared->requests.back().job_ids == std::vector<std::string>{"12", "20"});
  CHECK(shared->requests.back().job_names == std::vector<std::string>{"jm-tok_a", "jm-tok_b"});

  // The same jobs (a copy of the list) and the same answer: the same joins and request.
  const SchedulerView again = join.refresh({a, b}, t0 + 61);
  CHECK(again.by_path.size() == 2);
  CHECK(again.find(*a) == a1);
  CHECK(again.find(*b) == b1);
  CHECK(again.answer == first.answer);
  CHECK(shared->requests.back().job_names == shared->requests.front().job_names);
  CHECK(shared->requests.back().job_ids == shared->requests.front().job_ids);

  // The same jobs in another order: still each job's own join.
  const SchedulerView reordered = join.refresh({b, a}, t0 + 62);
  CHECK(reordered.find(*a) == a1);
  CHECK(reordered.find(*b) == b1);

  // tok_b read again with every rank done: joined again, and asked about no more.
  auto done = std::make_shared<JobState>(*b);
  done->done_ranks = {0, 1, 2};
  done->completed = 3;
  done->rank_issues.clear();
  recount_ranks(*done);
  const std::vector<std::shared_ptr<const JobState>> finished{a, done};
  for (const double now : {t0 + 63, t0 + 64}) {  // the refresh that sees it, and the one after
    const SchedulerView view = join.refresh(finished, now);
    CHECK(view.find(*a) == a1);
    const auto b2 = view.find(*done);
    REQUIRE(b2);
    CHECK(b2 != b1);
    CHECK(b2->ranks.empty());
    CHECK(b2->states == states_afresh(finished, *done));
    CHECK(shared->requests.back().job_ids == std::vector<std::string>{"12"});
    CHECK(shared->requests.back().job_names == std::vector<std::string>{"jm-tok_a"});
  }

  // A new answer for the same jobs: joined again with its word.
  answer.tasks[0].state = TaskState::out_of_memory;
  shared->answer = std::make_shared<const SchedulerAnswer>(answer);
  for (const double now : {t0 + 65, t0 + 66}) {
    const SchedulerView view = join.refresh(finished, now);
    CHECK(view.answer == shared->answer);
    const auto a2 = view.find(*a);
    REQUIRE(a2);
    CHECK(a2 != a1);
    CHECK(rank_of(*a2, 1).state == "out_of_memory");
    CHECK(a2->states == states_afresh(finished, *a));
  }

  // Back to the first jobs: tok_b, mid-run again, is asked about and joined with the new answer.
  const SchedulerView back = join.refresh(jobs, t0 + 67);
  CHECK(shared->requests.back().job_names == std::vector<std::string>{"jm-tok_a", "jm-tok_b"});
  const auto b3 = back.find(*b);
  REQUIRE(b3);
  CHECK(b3 != b1);
  CHECK(rank_of(*b3, 1).state == "pending");
  CHECK(rank_of(*back.find(*a), 1).state == "out_of_memory");
}

TEST_CASE("The judgement's Slurm part: states by count, most first, ties by word", "[datatrove]") {
  auto job = slurm_job(9, {0}, {0, 1, 2, 3, 4, 5, 6, 7, 8});
  add_issue(*job, 1, RankState::running);
  recount_ranks(*job);
  JobScheduling s;
  s.kind = "slurm";
  s.states = {{"running", 2}, {"pending", 2}, {"failed", 3}, {"timeout", 1}, {"cancelled", 1}};
  const JobJudgement j = judge_job(*job, t0 + 70, {}, &s);
  CHECK(j.status == JobStatus::running);
  CHECK_THAT(j.reason, Catch::EndsWith("; Slurm: 3 failed, 2 pending, 2 running, 1 cancelled, 1 timeout"));
  s.states.clear();
  CHECK(judge_job(*job, t0 + 70, {}, &s).reason.find("Slurm") == std::string::npos);
}

namespace {

// Local files, counting the slurm log tails read.
class CountingReads final : public Storage {
 public:
  std::vector<DirEntry> list(const std::string& d, const ListOptions& o) const override { return local_.list(d, o); }
  FileStat stat(const std::string& p) const override { return local_.stat(p); }
  std::string read(const std::string& p, std::uint64_t m) const override { return local_.read(p, m); }
  std::string read_range(const std::string& p, std::uint64_t offset, std::uint64_t length) const override {
    ++reads[p];
    return local_.read_range(p, offset, length);
  }
  Counters counters() const override { return local_.counters(); }
  mutable std::map<std::string, int> reads;

 private:
  LocalStorage local_;
};

}  // namespace

TEST_CASE("Slurm log tails are kept while a kept join shows them, and dropped with the last", "[datatrove]") {
  test::TempTree dir;
  auto make = [&](const std::string& name, const std::string& array) {
    dir.mkdir(name + "/slurm_logs");
    auto job = slurm_job(3, {0}, {0, 1, 2});
    job->path = dir.root() + "/" + name;
    job->name = name;
    job->slurm.job_name = "jm-" + name;
    job->slurm.logs_dir = job->path + "/slurm_logs";
    for (const std::int64_t index : {0, 1, 2}) add_log(*job, array, index, t0 + 10);
    write(job->slurm.logs[1].path, "slurmstepd: error: *** JOB 1 ON vm CANCELLED AT 2026-12-06T10:01:00 DUE TO TIME LIMIT ***\n");
    add_issue(*job, 2, RankState::running);
    recount_ranks(*job);
    return job;
  };
  std::shared_ptr<const JobState> a = make("tok_a", "12"), b = make("tok_b", "20");
  const std::string a_log = a->slurm.logs[1].path, b_log = b->slurm.logs[1].path;
  SchedulerAnswer answer = *answer_of({task("12", 1, TaskState::timeout, "14"), task("12", 2, TaskState::running, "15"),
                                       task("20", 1, TaskState::timeout, "22"), task("20", 2, TaskState::running, "23")}, t0 + 60);
  auto query = std::make_unique<SharedAnswer>(answer);
  SharedAnswer* shared = query.get();
  auto storage = std::make_shared<CountingReads>();
  SchedulerJoin join(std::move(query), storage);
  auto tail_of = [](const SchedulerView& view, const JobState& job) {
    const auto s = view.find(job);
    REQUIRE(s);
    return rank_of(*s, 1).slurm_log_tail;
  };

  const SchedulerView first = join.refresh({a, b}, t0 + 60);
  CHECK(tail_of(first, *a).find("TIME LIMIT") != std::string::npos);
  CHECK(tail_of(first, *b).find("TIME LIMIT") != std::string::npos);
  CHECK(storage->reads == std::map<std::string, int>{{a_log, 1}, {b_log, 1}});

  // tok_b read again with a marker more: joined again, its tail from the cache; tok_a's kept.
  auto marked = std::make_shared<JobState>(*b);
  marked->done_ranks = {0, 2};
  marked->completed = 2;
  marked->rank_issues.clear();
  recount_ranks(*marked);
  CHECK(tail_of(join.refresh({a, marked}, t0 + 61), *marked).find("TIME LIMIT") != std::string::npos);
  // A new answer: both joined again, the tails still from the cache.
  shared->answer = std::make_shared<const SchedulerAnswer>(answer);
  CHECK(tail_of(join.refresh({a, marked}, t0 + 62), *a).find("TIME LIMIT") != std::string::npos);
  CHECK(storage->reads == std::map<std::string, int>{{a_log, 1}, {b_log, 1}});

  // tok_a gone: its tail is dropped, and read again when it is back.
  join.refresh({marked}, t0 + 63);
  CHECK(tail_of(join.refresh({a, marked}, t0 + 64), *a).find("TIME LIMIT") != std::string::npos);
  CHECK(storage->reads == std::map<std::string, int>{{a_log, 2}, {b_log, 1}});
}
