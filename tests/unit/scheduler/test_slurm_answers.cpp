// Slurm's real answers (captured from the test cluster by
// tests/e2e/test_slurm_query.sh, see tests/data/slurm/README.md) read and
// joined per task: squeue --json + sacct --json, and the parsable -o/-P
// forms of the same moments, which must say the same.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <string>

#include "slurm_captures.hpp"

using namespace jobmon;
using namespace jobmon::detail;

namespace {

using test::slurm_capture;
const auto& ids = test::slurm_capture_ids;
constexpr double now_running = test::slurm_capture_running_time;
void utc() { test::slurm_capture_timezone(); }
SchedulerAnswer answer_of(const std::string& moment, bool parsable, double now) {
  return test::slurm_capture_answer(moment, parsable, now);
}

const SchedulerTask& task(const SchedulerAnswer& a, const std::string& array, std::optional<std::int64_t> index) {
  const SchedulerTask* t = a.find(array, index);
  INFO("task " << array << "_" << (index ? std::to_string(*index) : "-"));
  REQUIRE(t != nullptr);
  return *t;
}

}  // namespace

TEST_CASE("Slurm answers while tasks run: every task, field by field", "[scheduler]") {
  for (const bool parsable : {false, true}) {
    INFO((parsable ? "squeue -o / sacct -P" : "squeue --json / sacct --json"));
    const auto a = answer_of("running", parsable, now_running);
    REQUIRE(a.tasks.size() == 9);  // 4 + 4 + the merge job

    const auto& done = task(a, "1", 0);
    CHECK(done.job_id == "4");  // each task has its own raw id
    CHECK(done.state == TaskState::completed);
    CHECK(done.exit_code == 0);
    CHECK_FALSE(done.signal);
    CHECK(done.node == "vm");
    CHECK(done.elapsed_seconds == 0);
    CHECK(done.name == "jm-e2e");
    CHECK(done.source == "squeue+sacct");

    const auto& failed = task(a, "1", 1);
    CHECK(failed.job_id == "5");
    CHECK(failed.state == TaskState::failed);
    CHECK(failed.exit_code == 1);  // from squeue's wait status (22.05's sacct --json says 0)

    const auto& running = task(a, "1", 2);
    CHECK(running.job_id == "6");
    CHECK(running.state == TaskState::running);
    CHECK(running.node == "vm");
    REQUIRE(running.start_time);
    CHECK(*running.elapsed_seconds == Approx(now_running - *running.start_time));
    CHECK_FALSE(running.end_time);  // squeue's end of a running task is a forecast
    CHECK_FALSE(running.exit_code);
    CHECK(running.time_limit_seconds == 60);

    // The array's last task keeps the array's own id as its raw id.
    CHECK(task(a, "1", 3).job_id == "1");
    CHECK(task(a, "1", 3).state == TaskState::running);

    for (int i = 0; i < 4; ++i) {
      const auto& held = task(a, "2", i);
      CHECK(held.state == TaskState::pending);
      CHECK(held.reason == "JobHeldUser");
      CHECK(held.job_id.empty());  // still inside the array's pending record
      CHECK_FALSE(held.start_time);
      CHECK_FALSE(held.elapsed_seconds);
    }

    const auto& merge = task(a, "3", std::nullopt);
    CHECK(merge.state == TaskState::pending);
    CHECK(merge.reason == "Dependency");
    CHECK(merge.dependency == "afterok:1_*(unfulfilled)");
    REQUIRE(a.dependents_of("1").size() == 1);
    CHECK(a.dependents_of("1")[0]->job_id == "3");

    CHECK(a.find("1", 4) == nullptr);
    CHECK(a.find("99", std::nullopt) == nullptr);

    // tasks_of: one array's tasks, by index, the very ones find gives.
    const auto of_1 = a.tasks_of("1");
    REQUIRE(of_1.size() == 4);
    for (std::size_t i = 0; i < of_1.size(); ++i) {
      CHECK(of_1[i].array_task_index == static_cast<std::int64_t>(i));
      CHECK(&of_1[i] == a.find("1", static_cast<std::int64_t>(i)));
    }
    REQUIRE(a.tasks_of("3").size() == 1);
    CHECK(&a.tasks_of("3")[0] == a.find("3", std::nullopt));
    CHECK(a.tasks_of("99").empty());
    CHECK(a.tasks_of("").empty());
  }
}

TEST_CASE("Slurm answers after the end: timeout, cancelled running, cancelled pending, dependency never satisfied",
          "[scheduler]") {
  for (const bool parsable : {false, true}) {
    INFO((parsable ? "squeue -o / sacct -P" : "squeue --json / sacct --json"));
    const auto a = answer_of("ended", parsable, now_running + 120);

    const auto& timeout = task(a, "1", 2);
    CHECK(timeout.state == TaskState::timeout);
    CHECK(timeout.slurm_state == "TIMEOUT");
    CHECK(timeout.exit_code == 0);  // the job row says TIMEOUT 0:0 ...
    CHECK(timeout.signal == 15);    // ... its batch step CANCELLED 0:15
    CHECK(timeout.elapsed_seconds == 87);
    REQUIRE(timeout.end_time);
    CHECK(*timeout.end_time - *timeout.start_time == 87);

    const auto& cancelled = task(a, "1", 3);
    CHECK(cancelled.state == TaskState::cancelled);
    CHECK(cancelled.slurm_state.rfind("CANCELLED", 0) == 0);
    CHECK(cancelled.signal == 15);
    CHECK(cancelled.node == "vm");
    CHECK(cancelled.elapsed_seconds == 2);

    // The held array cancelled whole: sacct's range row 2_[0-3] (Start=None)
    // stands for every index, the one cancelled first included.
    for (int i = 0; i < 4; ++i) {
      const auto& held = task(a, "2", i);
      CHECK(held.state == TaskState::never_scheduled);
      CHECK_FALSE(held.start_time);
      CHECK_FALSE(held.elapsed_seconds);
      CHECK(held.node.empty());
    }

    const auto& merge = task(a, "3", std::nullopt);
    CHECK(merge.state == TaskState::pending);
    CHECK(merge.reason == "DependencyNeverSatisfied");

    CHECK(task(a, "1", 0).state == TaskState::completed);
    CHECK(task(a, "1", 1).state == TaskState::failed);
  }
}

TEST_CASE("Slurm answers: the JSON and parsable forms agree on every task", "[scheduler]") {
  for (const std::string moment : {"running", "ended"}) {
    const auto j = answer_of(moment, false, now_running + 200);
    const auto p = answer_of(moment, true, now_running + 200);
    REQUIRE(j.tasks.size() == p.tasks.size());
    for (std::size_t i = 0; i < j.tasks.size(); ++i) {
      INFO(moment << " task " << j.tasks[i].array_job_id << "_" << j.tasks[i].array_task_index.value_or(-1));
      CHECK(j.tasks[i].array_job_id == p.tasks[i].array_job_id);
      CHECK(j.tasks[i].array_task_index == p.tasks[i].array_task_index);
      CHECK(j.tasks[i].state == p.tasks[i].state);
      CHECK(j.tasks[i].exit_code == p.tasks[i].exit_code);
      CHECK(j.tasks[i].signal == p.tasks[i].signal);
      CHECK(j.tasks[i].node == p.tasks[i].node);
      CHECK(j.tasks[i].reason == p.tasks[i].reason);
      CHECK(j.tasks[i].start_time == p.tasks[i].start_time);
      CHECK(j.tasks[i].elapsed_seconds == p.tasks[i].elapsed_seconds);
    }
  }
}

TEST_CASE("Slurm answers: StdOut patterns expanded per task from squeue --json", "[scheduler]") {
  const auto a = answer_of("running", false, now_running);
  CHECK(task(a, "1", 2).stdout_path.size() > 0);
  const std::string path = task(a, "1", 2).stdout_path;
  CHECK(path.substr(path.rfind('/') + 1) == "1_2.out");  // %A_%a
  CHECK(task(a, "1", 3).stdout_path.substr(path.rfind('/') + 1) == "1_3.out");
  CHECK(task(a, "3", std::nullopt).stdout_path.substr(path.rfind('/') + 1) == "merge.out");
  // The held array is one pending record (2_[0-3]): each of its tasks gets its own path.
  for (int i = 0; i < 4; ++i) {
    const std::string held = task(a, "2", i).stdout_path;
    CHECK(held == path.substr(0, path.rfind('/') + 1) + "2_" + std::to_string(i) + ".out");
  }
}

TEST_CASE("Slurm answers: sacct lags squeue, squeue wins for live states", "[scheduler]") {
  utc();
  // squeue after the end, sacct from while tasks ran (it lags).
  const auto q = parse_squeue_json(slurm_capture("squeue_ended.json"));
  const auto a = parse_sacct_json(slurm_capture("sacct_running.json"));
  const auto tasks = join_slurm_rows(q.rows, true, a.rows, ids, now_running + 120);
  SchedulerAnswer ans;
  ans.tasks = tasks;
  CHECK(task(ans, "1", 2).state == TaskState::timeout);   // squeue says it ended; sacct's RUNNING is old
  CHECK(task(ans, "1", 3).state == TaskState::cancelled);
  CHECK(task(ans, "2", 0).state == TaskState::never_scheduled);

  // squeue from while tasks ran, sacct already past them: the live word wins.
  const auto q2 = parse_squeue_json(slurm_capture("squeue_running.json"));
  const auto a2 = parse_sacct_json(slurm_capture("sacct_ended.json"));
  ans.tasks = join_slurm_rows(q2.rows, true, a2.rows, ids, now_running);
  CHECK(task(ans, "1", 2).state == TaskState::running);
  CHECK(task(ans, "2", 1).state == TaskState::pending);

  // squeue no longer lists a task sacct calls live: stale; a pending range index never ran.
  ans.tasks = join_slurm_rows({}, true, a.rows, ids, now_running);
  CHECK(task(ans, "1", 2).state == TaskState::unknown);
  CHECK(task(ans, "1", 2).reason == "sacct says RUNNING; squeue no longer lists it");
  CHECK(task(ans, "2", 1).state == TaskState::never_scheduled);
  CHECK(task(ans, "1", 0).state == TaskState::completed);

  // squeue did not answer: sacct's word stands.
  ans.tasks = join_slurm_rows({}, false, a.rows, ids, now_running);
  CHECK(task(ans, "1", 2).state == TaskState::running);
  CHECK(task(ans, "2", 1).state == TaskState::pending);
}

TEST_CASE("Slurm answers: only the jobs asked about and their dependents are kept", "[scheduler]") {
  utc();
  const auto q = parse_squeue_json(slurm_capture("squeue_running.json"));
  const auto a = parse_sacct_json(slurm_capture("sacct_running.json"));
  SchedulerAnswer ans;
  ans.tasks = join_slurm_rows(q.rows, true, a.rows, {"1"}, now_running);
  CHECK(ans.tasks.size() == 5);  // array 1 and the merge job that waits on it
  CHECK(ans.find("3", std::nullopt) != nullptr);
  CHECK(ans.find("2", 0) == nullptr);
  CHECK(dependent_job_ids(q.rows, {"1"}) == std::vector<std::string>{"3"});
  ans.tasks = join_slurm_rows(q.rows, true, a.rows, {"2"}, now_running);
  CHECK(ans.tasks.size() == 4);
  // A raw id finds its task.
  ans.tasks = join_slurm_rows(q.rows, true, a.rows, {"1"}, now_running);
  REQUIRE(ans.find("6", std::nullopt) != nullptr);
  CHECK(ans.find("6", std::nullopt)->array_task_index == 2);
}
