// TrainingScanner: finds training runs under targets (paths, globs, local or
// s3://) and reads each incrementally: a refresh re-reads a trainer_state.json
// or metrics.csv only when its size or mtime moved, and reads only the bytes
// appended to event files, so 100 runs where one changed cost that one's new
// bytes.
//
// A directory is a training run when it holds (first match wins, and a run's
// own subdirectories are not searched further):
//   trainer_state.json, checkpoint-*/trainer_state.json,
//   last-checkpoint/trainer_state.json or runs/*/events.out.tfevents.*  (Hugging Face Trainer)
//   metrics.csv beside hparams.yaml                                     (Lightning CSVLogger)
//   events.out.tfevents.* files, or subdirectories holding them         (TensorBoard)
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jobmon/storage/storage.hpp"
#include "jobmon/training/training_run.hpp"
#include "jobmon/warning.hpp"

namespace jobmon {

struct TrainingOptions {
  std::size_t max_points = 1024;       // chart points per series
  std::size_t max_series = 4096;       // series per run; more tags are counted in dropped_series
  std::uint64_t max_json_bytes = 64ull << 20;  // a bigger trainer_state.json is refused with a problem
  std::uint64_t max_record_bytes = 64ull << 20;  // event records longer than this are skipped unread
  // A run quiet for stall_factor x its usual gap between writes (at least
  // min_stall_seconds) is stalled; quiet for dead_factor x that window with
  // its planned end not reached, it stopped mid-run: failed.
  double stall_factor = 5;
  double min_stall_seconds = 600;
  double dead_factor = 6;
  // Before the first step: how long loading/tokenizing may take before the run counts as stalled.
  double startup_stall_seconds = 3600;
};

struct TrainingScanOptions {
  std::string prefix;      // immediate subdirectories must start with it (like jobmon-status -p)
  bool recursive = false;  // search below the targets' subdirectories too
  int max_depth = 8;
  std::size_t max_directories = 100000;  // per scan; then a warning and the runs found so far
  TrainingOptions run;
};

struct TrainingScanStats {
  std::uint64_t runs = 0;
  std::uint64_t runs_changed = 0;   // runs where some file was (re)read
  std::uint64_t bytes_read = 0;     // file bytes read this scan
  std::uint64_t files_read = 0;
};

struct TrainingScanResult {
  // By path. Shared and immutable: an unchanged run is the same object as
  // the previous scan's.
  std::vector<std::shared_ptr<const TrainingRun>> runs;
  std::vector<Warning> warnings;  // discovery problems (unreadable dirs, bounds hit)
  TrainingScanStats stats;
};

class TrainingScanner {
 public:
  // A null storage is resolved from the targets at the first scan (storage_for_targets).
  explicit TrainingScanner(std::shared_ptr<const Storage> storage, TrainingScanOptions options = {});
  ~TrainingScanner();
  TrainingScanner(const TrainingScanner&) = delete;
  TrainingScanner& operator=(const TrainingScanner&) = delete;

  // Finds the runs under the targets and brings each up to date; `now`
  // judges their state (running, stalled...).
  TrainingScanResult scan(const std::vector<std::string>& targets, double now);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether `dir` is a training run (the rules above), from its listing.
bool is_training_run_dir(const Storage& storage, const std::string& dir, const std::vector<DirEntry>& entries);

// One run read once, from scratch (the scanner keeps readers between calls).
// Throws StorageError when `dir` cannot be listed.
TrainingRun read_training_run(const Storage& storage, const std::string& dir, double now,
                              const TrainingOptions& options = {});

}  // namespace jobmon
