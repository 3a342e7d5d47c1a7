// TrainingRun: one fine-tuning run as jobmon sees it, whatever wrote it (the
// Hugging Face Trainer's output dir, TensorBoard event files, Lightning's
// CSVLogger): progress by steps (or epochs), the one state model's word,
// every scalar series, checkpoints, stages and the run's arguments.
// Reading is in training_scanner.hpp; this header is the result and its JSON.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "jobmon/eta.hpp"
#include "jobmon/job_state.hpp"
#include "jobmon/training/metric_series.hpp"

namespace jobmon {

// Whose files the run is read from (the first that applies).
enum class TrainingWriter { hf_trainer, tensorboard, lightning };
const char* to_string(TrainingWriter writer);  // "hf_trainer" | "tensorboard" | "lightning"

struct TrainingCheckpoint {
  std::string name;                 // "checkpoint-500", "last-checkpoint"
  std::optional<std::int64_t> step; // from the name, or (last-checkpoint) its trainer_state.json's global_step once read
  std::optional<double> saved_at;   // its trainer_state.json's mtime (the dir's while it has none)
  bool has_state = false;           // holds a trainer_state.json
};

// One step of the stage tracker: loading (before the first training
// evidence), training, validation, checkpoint, saved (final results).
struct TrainingStage {
  std::string name;
  std::string state;  // "done" | "active" | "waiting" | "skipped" | "stopped" (training, in a failed run)
  std::optional<double> started_at, ended_at;
  std::string detail;  // "3 evaluations", "checkpoint-1500", "train_results.json"
};

// One file the run was read from.
struct TrainingSource {
  std::string path;
  std::string kind;  // "trainer_state" | "event_file" | "metrics_csv" | "results" | "hparams"
  std::uint64_t bytes = 0;  // size when last read
  std::optional<double> mtime;
  std::uint64_t records = 0, crc_failures = 0, oversized = 0, pending_bytes = 0;  // event files
  std::string problem;  // why it could not be (fully) read, empty when fine
};

struct TrainingRun {
  std::string path;  // the run's dir, as found
  std::string name;  // its last component; "<dir above lightning_logs>/version_N" for Lightning's generic names
  TrainingWriter writer = TrainingWriter::hf_trainer;

  JobStatus status = JobStatus::pending;
  std::string state_reason;  // one sentence: why this word

  std::optional<std::int64_t> step, max_steps;
  std::optional<double> epoch, num_train_epochs;
  bool epochs_unbounded = false;      // num_train_epochs was sys.maxsize: max_steps bounds the run
  std::optional<double> fraction;     // step / max_steps, else epoch / num_train_epochs; 1 when complete
  bool finished = false;              // train() returned: a final entry or results file as new as the progress
  bool stopped_early = false;         // finished before max_steps (early stopping)

  std::optional<double> started_at;   // first evidence of the run (first event, dir mtime)
  std::optional<double> updated_at;   // newest write seen
  std::optional<double> ended_at;     // once not running: the last write
  EtaEstimate eta;                    // rate in steps per second, from the real step times

  // Every scalar series by the name its writer gave it: loss, eval_loss,
  // eval_wer (trainer_state.json); train/loss, eval/loss (TensorBoard);
  // train_loss, val_loss (Lightning). A run read from trainer_state.json and
  // TensorBoard holds both spellings.
  std::map<std::string, MetricSeries, std::less<>> metrics;
  // The final entry's and the results files' values (train_runtime, train_loss, eval_*...).
  std::map<std::string, double, std::less<>> final_values;
  std::vector<TrainingCheckpoint> checkpoints;  // by step
  std::vector<TrainingStage> stages;
  // The run's arguments as written (TrainingArguments from the args text
  // summary, Lightning's hparams.yaml), key -> value text, bounded.
  std::vector<std::pair<std::string, std::string>> arguments;
  std::optional<std::string> best_model_checkpoint;
  std::optional<double> best_metric;
  std::optional<std::int64_t> best_global_step;
  std::string state_file;  // the trainer_state.json the headline numbers come from (relative), empty when none

  std::vector<TrainingSource> sources;
  std::uint64_t crc_failures = 0;    // over every event file
  std::uint64_t dropped_series = 0;  // tags past TrainingOptions::max_series
  std::vector<std::string> problems; // this run's warnings (files unreadable, corrupt, skipped)
};

// The JSON every tool writes for a run (CLI --json, the web API, Python):
// {"kind": "training", "path", "name", "writer", "status", "reason", "step",
// "max_steps", "epoch", "num_train_epochs", "epochs_unbounded", "percent",
// "finished", "stopped_early", "eta_seconds", "finish_time",
// "steps_per_second", "started_at", "updated_at", "ended_at",
// "metrics": {"<name>": {"last", "last_step", "count", "best", "best_step",
// "goal"}}, "final": {...}, "checkpoints": [{"name", "step", "saved_at"}],
// "stages": [{"name", "state", "started_at", "ended_at", "detail"}],
// "arguments": {...}, "best_model_checkpoint", "best_metric",
// "best_global_step", "state_file", "sources": [...], "crc_failures",
// "dropped_series", "problems": [...]}. Absent numbers are null.
// with_points adds "series": {"<name>": [[step, value], ...]} (bounded).
boost::json::value to_json(const TrainingRun& run, bool with_points = false);

}  // namespace jobmon
