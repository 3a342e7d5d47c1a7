// The library's Slurm query, asked once from the command line, for
// tests/e2e/test_slurm_query.sh: one line per task, tab-separated, so the
// script can assert every field.
//   slurm_query_probe [--squeue PATH] [--sacct PATH] [--timeout S] JOB_ID...
// Output: "available\t0|1", "calls\tSQUEUE\tSACCT", "problem\t...", then per task:
//   task ARRAY INDEX JOB_ID STATE EXIT SIGNAL NODE ELAPSED REASON STDOUT SOURCE
// ("-" for an unknown value).
#include <cstdio>
#include <string>
#include <vector>

#include "jobmon/clock.hpp"
#include "jobmon/scheduler/slurm_query.hpp"

namespace {

template <typename T>
std::string or_dash(const std::optional<T>& v) {
  return v ? std::to_string(static_cast<long long>(*v)) : "-";
}
std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

int main(int argc, char** argv) {
  jobmon::SlurmCommands commands;
  jobmon::SchedulerOptions options;
  std::vector<std::string> ids;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--squeue" && i + 1 < argc) commands.squeue = argv[++i];
    else if (a == "--sacct" && i + 1 < argc) commands.sacct = argv[++i];
    else if (a == "--timeout" && i + 1 < argc) options.timeout_seconds = std::stod(argv[++i]);
    else ids.push_back(a);
  }
  jobmon::SlurmQuery query(options, commands);
  const auto answer = query.query(ids, jobmon::wall_clock_now());
  std::printf("available\t%d\n", answer.available ? 1 : 0);
  std::printf("calls\t%d\t%d\n", query.squeue_calls(), query.sacct_calls());
  std::printf("mode\t%s\n", query.parsable_mode() ? "parsable" : "json");
  for (const auto& p : answer.problems) std::printf("problem\t%s\n", p.c_str());
  for (const auto& t : answer.tasks) {
    std::printf("task\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.array_job_id.c_str(),
                or_dash(t.array_task_index).c_str(), or_dash(t.job_id).c_str(), jobmon::to_string(t.state),
                or_dash(t.exit_code).c_str(), or_dash(t.signal).c_str(), or_dash(t.node).c_str(),
                or_dash(t.elapsed_seconds).c_str(), or_dash(t.reason).c_str(), or_dash(t.stdout_path).c_str(),
                t.source.c_str());
  }
  return 0;
}
