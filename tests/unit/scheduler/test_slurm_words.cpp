// Slurm's notations: state words, array index lists, dependencies, output
// patterns, durations; the choice of scheduler and the state vocabulary.
#include <catch2/catch.hpp>

#include "jobmon/scheduler/scheduler_query.hpp"
#include "scheduler/slurm/slurm_rows.hpp"

using namespace jobmon;
using namespace jobmon::detail;
using V = std::vector<std::int64_t>;

TEST_CASE("Slurm state words", "[scheduler]") {
  CHECK(slurm_task_state("CANCELLED by 0", true) == TaskState::cancelled);
  CHECK(slurm_task_state("CANCELLED by 0", false) == TaskState::never_scheduled);
  CHECK(slurm_task_state("TIMEOUT", true) == TaskState::timeout);
  CHECK(slurm_task_state("OUT_OF_MEMORY", true) == TaskState::out_of_memory);
  CHECK(slurm_task_state("COMPLETING", true) == TaskState::running);
  CHECK(slurm_task_state("PENDING", false) == TaskState::pending);
  CHECK(slurm_task_state("pending", false) == TaskState::unknown);
  CHECK(slurm_task_state("", false) == TaskState::unknown);
  for (int s = 0; s <= static_cast<int>(TaskState::unknown); ++s) {
    const auto state = static_cast<TaskState>(s);
    CHECK(parse_task_state(to_string(state)) == state);
  }
  CHECK(is_live(TaskState::pending));
  CHECK(is_live(TaskState::requeued));
  CHECK_FALSE(is_live(TaskState::timeout));
  CHECK_FALSE(is_live(TaskState::never_scheduled));
}

TEST_CASE("Array index lists", "[scheduler]") {
  CHECK(parse_array_indices("0,2-3") == V{0, 2, 3});
  CHECK(parse_array_indices("[3-5]") == V{3, 4, 5});
  CHECK(parse_array_indices("0-3%2") == V{0, 1, 2, 3});
  CHECK(parse_array_indices("1-7:3") == V{1, 4, 7});
  CHECK(parse_array_indices("0xD") == V{0, 2, 3});
  CHECK(parse_array_indices("0x30") == V{4, 5});
  CHECK(parse_array_indices("7") == V{7});
  CHECK(parse_array_indices("0-999999999", 5) == V{0, 1, 2, 3, 4});
  for (const char* bad : {"", "x", "3-1", "-1", "1-", "0xZ", "1:0", "1-3:-1"}) {
    INFO(bad);
    CHECK(parse_array_indices(bad).empty());
  }
}

TEST_CASE("Dependencies name job ids", "[scheduler]") {
  CHECK(dependency_job_ids("afterok:34_*(unfulfilled)") == std::vector<std::string>{"34"});
  CHECK(dependency_job_ids("afterok:34_*(failed),afterany:35:36") == std::vector<std::string>{"34", "35", "36"});
  CHECK(dependency_job_ids("").empty());
  CHECK(dependency_job_ids("singleton").empty());
}

TEST_CASE("sbatch output patterns", "[scheduler]") {
  SchedulerTask t;
  t.array_job_id = "98215";
  t.array_task_index = 42;
  t.job_id = "98257";
  t.name = "dt_job";
  t.node = "node17";
  CHECK(expand_output_pattern("/logs/slurm_logs/%A_%a.out", t, "u", "/w") == "/logs/slurm_logs/98215_42.out");
  CHECK(expand_output_pattern("slurm-%j.out", t, "u", "/w") == "/w/slurm-98257.out");
  CHECK(expand_output_pattern("%x_%4a_%u_%N_%%_%q.log", t, "ann", "/") == "//dt_job_0042_ann_node17_%_%q.log");
  CHECK(expand_output_pattern("", t, "u", "/w").empty());
  CHECK(expand_output_pattern("trailing%", t, "u", "/w") == "/w/trailing%");
  SchedulerTask plain;
  plain.array_job_id = plain.job_id = "7";
  CHECK(expand_output_pattern("%A-%a.out", plain, "u", "/w") == "/w/7-4294967294.out");
}

TEST_CASE("Slurm durations and times", "[scheduler]") {
  CHECK(parse_slurm_duration("1:00") == 60);
  CHECK(parse_slurm_duration("00:01:27") == 87);
  CHECK(parse_slurm_duration("7-00:00:00") == 604800);
  CHECK(parse_slurm_duration("1-02") == 93600);
  CHECK(parse_slurm_duration("1-02:03") == 93780);
  CHECK(parse_slurm_duration("45") == 45);
  CHECK(parse_slurm_duration("00:00:01.500") == 1);
  for (const char* none : {"UNLIMITED", "Partition_Limit", "N/A", "", "1:x", "1:2:3:4"}) {
    INFO(none);
    CHECK_FALSE(parse_slurm_duration(none));
  }
  setenv("TZ", "UTC", 1);
  tzset();
  CHECK(parse_slurm_time("2026-12-06T18:35:35") == 1796582135);
  for (const char* none : {"None", "Unknown", "N/A", "", "2026-12-06T18:35:35Z"}) {
    INFO(none);
    CHECK_FALSE(parse_slurm_time(none));
  }
}

TEST_CASE("--scheduler slurm|auto|none", "[scheduler]") {
  CHECK(parse_scheduler_choice("slurm") == SchedulerChoice::slurm);
  CHECK(parse_scheduler_choice("auto") == SchedulerChoice::automatic);
  CHECK(parse_scheduler_choice("none") == SchedulerChoice::none);
  CHECK_FALSE(parse_scheduler_choice("Slurm"));
  CHECK_FALSE(parse_scheduler_choice(""));
  CHECK_FALSE(parse_scheduler_choice("pbs"));
  CHECK(std::string(to_string(SchedulerChoice::automatic)) == "auto");
  auto none = make_scheduler_query(SchedulerChoice::none);
  CHECK(none->kind() == "none");
  const auto answer = none->query({"1"}, 100);
  CHECK_FALSE(answer.available);
  CHECK(answer.tasks.empty());
  CHECK(answer.problems.empty());
}
