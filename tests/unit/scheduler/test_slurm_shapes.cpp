// Slurm answers this cluster cannot produce, shaped like the real ones the
// issue records: OUT_OF_MEMORY needs cgroup memory enforcement (22.05 needs
// systemd for cgroup v2, so the test cluster has none); a cancelled array's
// range row overlapping real rows; node failures, preemption, requeues; and
// unreadable answers.
#include <catch2/catch.hpp>

#include <string>

#include "jobmon/scheduler/scheduler_query.hpp"
#include "scheduler/slurm/slurm_join.hpp"
#include "scheduler/slurm/slurm_json.hpp"
#include "scheduler/slurm/slurm_parsable.hpp"

using namespace jobmon;
using namespace jobmon::detail;

namespace {

// One sacct --json job row in 22.05's shape.
std::string sacct_job(int raw, int array, int index, const std::string& state, const std::string& steps,
                      const std::string& exit = R"({"status": "SUCCESS", "return_code": 0})") {
  return R"({"job_id": )" + std::to_string(raw) + R"(, "array": {"job_id": )" + std::to_string(array) +
         R"(, "task_id": )" + std::to_string(index) + R"(, "task": null}, "state": {"current": ")" + state +
         R"(", "reason": "None"}, "exit_code": )" + exit +
         R"(, "time": {"elapsed": 30, "start": 1796580000, "end": 1796580030, "submission": 1796579990, "limit": 60},
            "nodes": "node17", "name": "dt", "working_directory": "/w", "steps": [)" + steps + "]}";
}
std::string step(const std::string& id, const std::string& state, const std::string& exit) {
  return R"({"step": {"job_id": 1, "id": ")" + id + R"(", "name": "x"}, "state": ")" + state + R"(", "exit_code": )" +
         exit + "}";
}
std::string doc(const std::string& jobs) { return R"({"meta": {}, "errors": [], "jobs": [)" + jobs + "]}"; }

SchedulerAnswer join(const SlurmRows& sacct, const std::vector<std::string>& ids) {
  REQUIRE(sacct.problem.empty());
  SchedulerAnswer a;
  a.tasks = join_slurm_rows({}, false, sacct.rows, ids, 1796580100);
  return a;
}

}  // namespace

TEST_CASE("OUT_OF_MEMORY under srun shows on step .0 only: the task is out_of_memory", "[scheduler]") {
  // Job row FAILED 1:0; batch FAILED 1:0; step 0 OUT_OF_MEMORY 0:125.
  const std::string steps = step("batch", "FAILED", R"({"status": "FAILED", "return_code": 1})") + "," +
                            step("0", "OUT_OF_MEMORY", R"({"status": "SIGNALED", "return_code": 0, "signal": {"signal_id": 125, "name": "?"}})");
  const auto a = join(parse_sacct_json(doc(sacct_job(98257, 98215, 42, "FAILED", steps,
                                                    R"({"status": "FAILED", "return_code": 1})"))),
                      {"98215"});
  const auto* t = a.find("98215", 42);
  REQUIRE(t != nullptr);
  CHECK(t->state == TaskState::out_of_memory);
  CHECK(t->slurm_state == "FAILED");
  CHECK(t->exit_code == 1);
  CHECK(t->signal == 125);
  CHECK(t->node == "node17");
  CHECK(t->job_id == "98257");
}

TEST_CASE("OUT_OF_MEMORY without srun is the job row's own state", "[scheduler]") {
  const auto a = join(parse_sacct_json(doc(sacct_job(7, 5, 1, "OUT_OF_MEMORY",
                                                    step("batch", "OUT_OF_MEMORY", R"({"status": "FAILED", "return_code": 0})")))),
                      {"5"});
  REQUIRE(a.find("5", 1) != nullptr);
  CHECK(a.find("5", 1)->state == TaskState::out_of_memory);
}

TEST_CASE("sacct -P: OOM on step .0, range rows overlapping real rows, each state word", "[scheduler]") {
  const std::string text =
      "98215_42|98257|FAILED|1:0|2026-12-06T10:00:00|2026-12-06T10:20:00|00:20:00|2026-12-06T09:59:00|01:00:00|node17|None|/w|dt\n"
      "98215_42.batch|98257.batch|FAILED|1:0|2026-12-06T10:00:00|2026-12-06T10:20:00|00:20:00|2026-12-06T10:00:00||node17|||batch\n"
      "98215_42.0|98257.0|OUT_OF_MEMORY|0:125|2026-12-06T10:00:01|2026-12-06T10:20:00|00:19:59|2026-12-06T10:00:01||node17|||python\n"
      "34_3|40|COMPLETED|0:0|2026-12-06T10:00:00|2026-12-06T10:01:00|00:01:00|2026-12-06T09:59:00|01:00:00|n1|None|/w|dt\n"
      "34_[3-5]|34|CANCELLED by 1000|0:0|None|2026-12-06T10:02:00|00:00:00|2026-12-06T09:59:00|01:00:00|None assigned|None|/w|dt\n"
      "50_0|51|NODE_FAIL|0:0|2026-12-06T10:00:00|2026-12-06T10:05:00|00:05:00|2026-12-06T09:59:00|01:00:00|n2|None|/w|dt\n"
      "50_1|52|PREEMPTED|0:0|2026-12-06T10:00:00|2026-12-06T10:05:00|00:05:00|2026-12-06T09:59:00|01:00:00|n2|None|/w|dt\n"
      "50_2|53|REQUEUED|0:0|2026-12-06T10:00:00|2026-12-06T10:05:00|00:05:00|2026-12-06T09:59:00|01:00:00|n2|None|/w|a|name|with|bars\n"
      "50_3|54|BOOT_FAIL|0:0|None|2026-12-06T10:05:00|00:00:00|2026-12-06T09:59:00|01:00:00|n2|None|/w|dt\n"
      "50_4|55|WEIRD_NEW_STATE|0:0|None|None|00:00:00|2026-12-06T09:59:00|01:00:00|None assigned|None|/w|dt\n";
  const auto a = join(parse_sacct_parsable(text), {"98215", "34", "50"});
  REQUIRE(a.find("98215", 42) != nullptr);
  CHECK(a.find("98215", 42)->state == TaskState::out_of_memory);
  CHECK(a.find("98215", 42)->exit_code == 1);
  CHECK(a.find("98215", 42)->signal == 125);
  CHECK(a.find("98215", 42)->elapsed_seconds == 1200);
  CHECK(a.find("98215", 42)->time_limit_seconds == 3600);
  // 34_3 ran and completed: the range row 34_[3-5] does not hide it.
  CHECK(a.find("34", 3)->state == TaskState::completed);
  CHECK(a.find("34", 4)->state == TaskState::never_scheduled);
  CHECK(a.find("34", 5)->state == TaskState::never_scheduled);
  CHECK(a.find("34", 5)->job_id.empty());
  CHECK(a.find("34", 6) == nullptr);
  CHECK(a.find("50", 0)->state == TaskState::node_fail);
  CHECK(a.find("50", 1)->state == TaskState::preempted);
  CHECK(a.find("50", 2)->state == TaskState::requeued);
  CHECK(a.find("50", 2)->name == "a|name|with|bars");
  CHECK(a.find("50", 3)->state == TaskState::node_fail);
  CHECK(a.find("50", 4)->state == TaskState::unknown);
  CHECK(a.find("50", 4)->slurm_state == "WEIRD_NEW_STATE");
}

TEST_CASE("sacct --json: a range row's hex bitmap, the array's record", "[scheduler]") {
  const std::string range = R"({"job_id": 34, "array": {"job_id": 34, "task_id": null, "task": "0x38"},
    "state": {"current": "CANCELLED", "reason": "None"}, "time": {"start": 0, "end": 1796580030}, "nodes": "None assigned", "steps": []})";
  const auto a = join(parse_sacct_json(doc(sacct_job(40, 34, 3, "COMPLETED", "") + "," + range)), {"34"});
  REQUIRE(a.tasks.size() == 3);  // 0x38: indices 3, 4, 5
  CHECK(a.find("34", 3)->state == TaskState::completed);
  CHECK(a.find("34", 4)->state == TaskState::never_scheduled);
  CHECK(a.find("34", 5)->state == TaskState::never_scheduled);
}

TEST_CASE("Later Slurm JSON shapes: a state list, {number} times, an exit_code object", "[scheduler]") {
  const std::string job = R"({"jobs": [{"job_id": 12, "array_job_id": {"set": true, "infinite": false, "number": 10},
    "array_task_id": {"set": true, "infinite": false, "number": 2}, "job_state": ["RUNNING"], "state_reason": "None",
    "start_time": {"set": true, "infinite": false, "number": 1796580000}, "end_time": {"set": true, "infinite": false, "number": 1796583600},
    "time_limit": {"set": true, "infinite": false, "number": 60}, "nodes": "gpu3", "standard_output": "/logs/%x-%A_%3a.out",
    "name": "dt", "user_name": "u", "current_working_directory": "/w"}]})";
  const auto q = parse_squeue_json(job);
  REQUIRE(q.problem.empty());
  REQUIRE(q.rows.size() == 1);
  const auto& t = q.rows[0].task;
  CHECK(t.array_job_id == "10");
  CHECK(t.array_task_index == 2);
  CHECK(t.state == TaskState::running);
  CHECK(t.start_time == 1796580000);
  CHECK_FALSE(t.end_time);
  CHECK(t.time_limit_seconds == 3600);
  CHECK(t.stdout_path == "/logs/dt-10_002.out");
}

TEST_CASE("Unreadable answers: a problem, no rows, never a crash", "[scheduler]") {
  for (const std::string bad : {"", "{", "[]", R"({"jobs": 3})", "not json", R"({"jobs": [1, "x", null, {}]})"}) {
    INFO(bad);
    const auto q = parse_squeue_json(bad);
    const auto a = parse_sacct_json(bad);
    CHECK(q.rows.empty());
    CHECK(a.rows.empty());
    if (bad.rfind(R"({"jobs": [)", 0) != 0) {
      CHECK_FALSE(q.problem.empty());
      CHECK_FALSE(a.problem.empty());
    }
  }
  CHECK(parse_squeue_json("{").problem.rfind("squeue --json: unreadable JSON", 0) == 0);
  CHECK(parse_sacct_json(R"({"meta": {}})").problem == "sacct --json: JSON without a \"jobs\" list");
  // Truncated text: a problem naming the line, the good rows kept.
  const auto p = parse_squeue_parsable("4|1|0|COMPLETED|None|vm|N/A|N/A|N/A|1:00|/w|u|(null)|dt\n4|1|0|COMP\n");
  CHECK(p.rows.size() == 1);
  CHECK(p.problem == "squeue: unreadable line: 4|1|0|COMP");
  CHECK(parse_sacct_parsable("garbage\n").problem == "sacct: unreadable line: garbage");
  CHECK(parse_sacct_parsable("").rows.empty());
  CHECK(parse_sacct_parsable("").problem.empty());
}
