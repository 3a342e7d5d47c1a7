// jobmon-status's lines and --failed with the scheduler's word: how ranks
// ended, where, the slurm log's last line, the merge job, the relaunch.
// The answer is Slurm's real one, captured from the test cluster.
#include <catch2/catch.hpp>

#include "jobmon/cli/status_view.hpp"
#include "slurm_captures.hpp"

using namespace jobmon;

TEST_CASE("StatusView with Slurm's word: a job whose ranks timed out and were cancelled is failed, with every rank said",
          "[cli]") {
  auto job = test::slurm_capture_job();
  const double now = test::slurm_capture_running_time + 120;
  auto answer = std::make_shared<const SchedulerAnswer>(test::slurm_capture_answer("ended", false, now));
  SchedulerView view;
  view.kind = "slurm";
  view.answer = answer;
  auto joined = std::make_shared<JobScheduling>(join_job_scheduling(*job, answer));
  for (auto& r : joined->ranks) {
    if (r.rank == 2) r.slurm_log_tail = "line\nslurmstepd: error: *** JOB 6 ON vm CANCELLED AT 2026-12-06T18:29:07 DUE TO TIME LIMIT ***";
  }
  view.by_path[job->path] = joined;
  const Aggregate agg = aggregate({job}, now, {}, &view);
  StatusViewOptions o;
  o.style = TermStyle{false, true};
  o.bar_width = 4;
  CHECK(render_job_lines(agg, o) == "❌ tok: 1/4 ( 25%) █▶░░ 3 failed (1 cancelled, 1 timeout) · others done: relaunch to finish\n");
  o.show_failed = true;
  const std::string text = render_job_lines(agg, o);
  INFO(text);
  CHECK(text.find("    slurm: array 1 · merge job 3 pending (never runs: DependencyNeverSatisfied)\n") != std::string::npos);
  CHECK(text.find("    rank 1 failed: RuntimeError: boom (1_1, job 5, exit 1 on vm)\n") != std::string::npos);
  CHECK(text.find("    rank 2: TIMEOUT after 1m 27s on vm (1_2, job 6, signal 15), no exception in its log\n"
                  "      slurm log: slurmstepd: error: *** JOB 6 ON vm CANCELLED AT 2026-12-06T18:29:07 DUE TO TIME LIMIT ***\n") !=
        std::string::npos);
  CHECK(text.find("    rank 3: CANCELLED after 2s on vm (1_3, signal 15), no exception in its log\n") != std::string::npos);
  CHECK(text.find("      $ sbatch --array=1-3 /logs/tok/launch_script.slurm\n      $ scancel 3\n") != std::string::npos);
  // Without the scheduler the same files read as a running job.
  o.show_failed = false;
  CHECK(render_job_lines(aggregate({job}, now), o).find("⏳ tok: 1/4 ( 25%) █▶░░ 1 failed") == 0);
}
