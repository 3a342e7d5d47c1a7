// The state model of a training run: one of the five words every tool shows
// (running, stalled, failed, pending, complete), the reason, the stage
// tracker and the ETA, from the evidence its files gave. Pure: no I/O.
//
// Rules, in order:
//   complete  the Trainer finished train() (a final log entry, train_results.json /
//             all_results.json, TensorBoard's train/train_runtime), or the step reached
//             max_steps; "stopped early" when it finished before max_steps;
//   pending   no training step yet (loading, tokenizing), quiet for less than
//             startup_stall_seconds; stalled after that;
//   running   the newest write within the stall window: stall_factor x the
//             longest gap between progress writes so far, at least min_stall_seconds;
//   stalled   quiet past the window, or (its planned end unknown) far past it;
//   failed    quiet for dead_factor x the window with max_steps known and not
//             reached: it stopped mid-run with no final entry.
#pragma once

#include "jobmon/training/training_run.hpp"
#include "jobmon/training/training_scanner.hpp"
#include "training/run_reader.hpp"

namespace jobmon::detail {

// Fills run.status, state_reason, stages, ended_at and eta; run's progress
// fields (step, max_steps, epoch, finished...) must be set.
void judge_run(TrainingRun& run, const RunEvidence& evidence, double now, const TrainingOptions& options);

}  // namespace jobmon::detail
