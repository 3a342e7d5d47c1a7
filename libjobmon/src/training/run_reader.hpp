// RunReader: everything read from one training run's dir, kept between
// refreshes so that a refresh reads only what changed: a JSON or CSV file
// again when its size or mtime moved, event files from where they were left.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobmon/storage/storage.hpp"
#include "jobmon/training/event_file.hpp"
#include "jobmon/training/lightning_csv.hpp"
#include "jobmon/training/trainer_state.hpp"
#include "jobmon/training/training_run.hpp"
#include "jobmon/training/training_scanner.hpp"

namespace jobmon::detail {

// A file read whole, and what it was when read.
template <typename Parsed>
struct WholeFile {
  std::string path;
  std::uint64_t size = 0;
  double mtime = 0;
  std::optional<Parsed> parsed;  // none when it could not be parsed
  std::string problem;
};

// The evidence a run's files gave, before judging: what RunReader collects
// and judge_run (run_judge.hpp) turns into the state word and stages.
struct RunEvidence {
  std::optional<double> first_write, last_write;  // event wall times and file mtimes
  std::optional<double> first_step_time;          // the first training step's time
  std::optional<double> last_eval_time;
  std::uint64_t eval_count = 0;
  // (time, step) of progress, oldest first, bounded: event wall times,
  // checkpoint and state file mtimes.
  std::vector<std::pair<double, std::int64_t>> step_times;
  bool results_written = false;  // train_results.json / all_results.json
  std::optional<double> results_time;
};

class RunReader {
 public:
  RunReader(std::string dir, TrainingOptions options);
  ~RunReader();
  RunReader(const RunReader&) = delete;
  RunReader& operator=(const RunReader&) = delete;

  // Lists the run's files and reads what changed. Returns true when
  // anything was (re)read or a file appeared or went away.
  bool refresh(const Storage& storage);
  // The run as of `now`, judged.
  TrainingRun build(double now) const;

  const std::string& dir() const { return dir_; }
  std::uint64_t bytes_read() const { return bytes_read_; }  // by the last refresh
  std::uint64_t files_read() const { return files_read_; }

 private:
  struct EventSource {
    EventSource(const std::string& path, std::uint64_t max_record) : reader(path, max_record) {}
    EventFileReader reader;
    std::string prefix;  // put before its tags: the sub-run dir ("validation/"), empty for HF's runs/
    std::uint64_t size = 0;
    double mtime = 0;
  };
  class Sink;

  void list_files(const Storage& storage);
  void read_state_files(const Storage& storage);
  void read_event_files(const Storage& storage);
  void read_lightning(const Storage& storage);
  void read_results(const Storage& storage);
  template <typename Parsed, typename Parse>
  bool reread_if_changed(const Storage& storage, WholeFile<Parsed>& file, Parse parse);
  void add_arguments_text(std::string_view text);
  RunEvidence evidence() const;

  std::string dir_;
  TrainingOptions options_;
  std::uint64_t bytes_read_ = 0, files_read_ = 0;
  bool changed_ = false;
  std::string listing_problem_;  // the run dir could not be listed, or held too many event files

  // What the last listing found.
  std::vector<std::string> event_paths_;  // with each one's metric-name prefix
  std::map<std::string, std::string> event_prefix_;
  std::map<std::string, TrainingCheckpoint> checkpoints_;  // by dir name
  bool has_runs_dir_ = false;

  WholeFile<TrainerState> top_state_;
  WholeFile<TrainerState> checkpoint_state_;  // the newest checkpoint's, when there is no top-level one
  std::string checkpoint_state_name_;
  std::map<std::string, WholeFile<std::map<std::string, double, std::less<>>>> results_;
  WholeFile<LightningMetrics> lightning_;
  WholeFile<std::vector<std::pair<std::string, std::string>>> hparams_;

  // Event files: readers and what they gave, accumulated.
  std::map<std::string, std::unique_ptr<EventSource>> events_;
  std::map<std::string, MetricSeries, std::less<>> event_metrics_;
  std::uint64_t dropped_series_ = 0;
  MetricSeries event_steps_;  // value = step, with its wall time: progress samples
  std::optional<double> first_event_time_, first_train_time_, last_eval_event_time_;
  std::uint64_t eval_events_ = 0;
  std::int64_t last_eval_event_step_ = -1;
  std::vector<std::pair<std::string, std::string>> arguments_;
  std::optional<std::int64_t> args_max_steps_;
  std::optional<double> args_epochs_;
  bool args_seen_ = false;
};

}  // namespace jobmon::detail
