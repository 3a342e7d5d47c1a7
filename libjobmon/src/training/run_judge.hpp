// The state model of a training run: one of the five words every tool shows
// (running, stalled, failed, pending, complete), the reason, the stage
// tracker and the ETA, from the evidence its files gave. Pure: no I/O.
//
// Evidence first (RunReader, run_build.cpp):
//   segments  event files of one group (same sub-run prefix) are segments in the
//             order of the time in their names; a later one whose first training
//             step s0 is at or below an earlier one's steps orphans that data at
//             steps >= s0 (a resume from a checkpoint redoes them), as TensorBoard
//             does. Step, rate, gaps and ETA come from the current (newest) segment.
//   final     a final log entry, train_results.json / all_results.json or
//             TensorBoard's train/train_runtime counts only when at least as new as
//             the newest progress evidence (same or later step; a results file not
//             older than the newest checkpoint or training event): an earlier run's
//             final files in a reused output_dir do not end a newer run.
//   state     the top-level trainer_state.json unless the newest checkpoint is past
//             it; a checkpoint state that does not parse (caught mid-write, too big)
//             never replaces the last good one; a checkpoint-N dir bounds the step
//             from below. A step past max_steps is reported as a problem.
//   times     "last write" is the newest file mtime or event wall time, an event's
//             time capped at its file's mtime (the storage's clock decides); NaN or
//             infinite wall times are ignored.
//
// Rules, in order:
//   complete  finished (a final entry or results file, as above), or the step at
//             max_steps with the save the Trainer makes there: a checkpoint at
//             max_steps, or a top-level trainer_state.json at max_steps (written
//             only by save_state() after train(): the fixtures that never call
//             save_metrics end this way). "stopped early" when it finished before
//             max_steps;
//   pending   no training step yet (loading, tokenizing), quiet for less than
//             startup_stall_seconds; stalled after that;
//   running   the newest write within the stall window: stall_factor x the
//             longest gap between progress writes within the current segment
//             (tracked at every write, not on thinned chart points), at least
//             min_stall_seconds. At max_steps with no final evidence yet: running
//             ("final evaluation and save");
//   failed    quiet for dead_factor x the window with a planned length (max_steps,
//             or num_train_epochs when only epochs are known) not finished: it
//             stopped mid-run with no final entry, or reached max_steps but never
//             finished. Its reason gives the time of the last write, not an age
//             (a settled run's object is kept between scans);
//   stalled   quiet past the window, or (no planned length) far past it.
// ETA: the EtaEstimator over the current segment's (time, step) samples; over
// (time, train/epoch) when only num_train_epochs is known (no steps/s then).
// Stages: loading, training, validation (evaluations: the most points of any
// eval-like series), checkpoint, saved; each "done" | "active" | "waiting" |
// "skipped" | "stopped" (training, when the run failed).
#pragma once

#include <string_view>

#include "jobmon/training/training_run.hpp"
#include "jobmon/training/training_scanner.hpp"
#include "training/run_reader.hpp"

namespace jobmon::detail {

// Whether a series (or a sub-run prefix) holds evaluation results: eval_*,
// eval/*, val_*, val/*, valid*, validation/*, .../eval*.
bool is_eval_metric_name(std::string_view name);

// Fills run.status, state_reason, stages, ended_at and eta; run's progress
// fields (step, max_steps, epoch, finished...) must be set.
void judge_run(TrainingRun& run, const RunEvidence& evidence, double now, const TrainingOptions& options);

}  // namespace jobmon::detail
