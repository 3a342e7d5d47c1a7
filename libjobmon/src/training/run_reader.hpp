// RunReader: everything read from one training run's dir, kept between
// refreshes so that a refresh reads only what changed: a JSON or CSV file
// again when its size or mtime moved, event files from where they were left.
#pragma once

#include <cstdint>
#include <climits>
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
  // Only the current segment's (the newest event file's) when event files
  // show progress: a resume or a restart starts the clock again.
  std::vector<std::pair<double, std::int64_t>> step_times;
  // The longest wait between two progress writes within the current segment,
  // tracked at every write (not on thinned points); none when no event file
  // gave progress (then judged from step_times).
  std::optional<double> longest_gap;
  // (time, epoch) of the current segment's train/epoch, for runs planned in epochs only.
  std::vector<std::pair<double, double>> epoch_times;
  // The run reached max_steps and saved there: a checkpoint at max_steps, or a
  // top-level trainer_state.json at max_steps (save_state() after train()).
  bool saved_at_end = false;
  bool results_written = false;  // train_results.json / all_results.json, as new as the progress
  std::optional<double> results_time;
};

// The run's name: its dir's last component, with the dir above the log
// folder where that component is generic (lightning_logs/version_0 ->
// "exp1/version_0").
std::string run_display_name(std::string_view dir);

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
  static constexpr std::int64_t kNoCutoff = INT64_MAX;
  struct EventSource {
    EventSource(const std::string& path, std::uint64_t max_record, std::size_t max_points)
        : reader(path, max_record), steps(MetricGoal::none, max_points) {}
    EventFileReader reader;
    std::string prefix;  // put before its tags: the sub-run dir ("validation/"), empty for HF's runs/
    std::uint64_t size = 0;
    double mtime = 0;
    // Resumes: files of one group (same prefix) are segments in the order their
    // names' timestamps give; a later one starting at step s0 orphans the earlier
    // ones' data at steps >= s0 (as TensorBoard does).
    bool segment = true;  // false for HF's hparams sub-runs below runs/<date>_<host>/
    std::optional<std::int64_t> first_step;     // of its first training (non-eval) scalar
    std::optional<std::int64_t> max_step_seen;  // of every scalar in the file
    bool trains = false;                        // holds training scalars
    std::int64_t cutoff = kNoCutoff;                           // scalars at this step or later are dropped
    MetricSeries steps;  // value = step, with its wall time: this file's progress samples
    std::optional<double> last_progress_time;
    double longest_gap = 0;
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
  void reset_event_data();
  bool apply_cutoffs();
  const EventSource* current_segment() const;
  void read_checkpoint_state(const Storage& storage, const TrainerState* top);
  RunEvidence evidence() const;

  std::string dir_;
  TrainingOptions options_;
  std::uint64_t bytes_read_ = 0, files_read_ = 0;
  bool changed_ = false;
  std::string listing_problem_;  // the run dir could not be listed, or held too many event files

  // What the last listing found.
  std::vector<std::string> event_paths_;  // with each one's metric-name prefix
  std::map<std::string, std::string> event_prefix_;
  std::map<std::string, bool> event_segment_;
  std::map<std::string, TrainingCheckpoint> checkpoints_;  // by dir name
  bool has_runs_dir_ = false;

  WholeFile<TrainerState> top_state_;
  // The newest checkpoint's state that parses, read when there is no top-level
  // one or the top-level one is older than the newest checkpoint; kept until a
  // newer one parses (a save caught mid-write never wipes the run out).
  WholeFile<TrainerState> checkpoint_state_;
  std::string checkpoint_state_name_;
  std::map<std::string, WholeFile<TrainerState>> unparsed_states_;  // newer checkpoints' states that did not parse
  std::map<std::string, WholeFile<std::map<std::string, double, std::less<>>>> results_;
  WholeFile<LightningMetrics> lightning_;
  WholeFile<std::vector<std::pair<std::string, std::string>>> hparams_;

  // Event files: readers and what they gave, accumulated.
  std::map<std::string, std::unique_ptr<EventSource>> events_;
  std::map<std::string, MetricSeries, std::less<>> event_metrics_;
  std::uint64_t dropped_series_ = 0;
  std::optional<double> first_event_time_, first_train_time_, last_eval_event_time_;
  std::uint64_t eval_events_ = 0;
  std::int64_t last_eval_event_step_ = -1;
  std::vector<std::pair<std::string, std::string>> arguments_;
  std::optional<std::int64_t> args_max_steps_;
  std::optional<double> args_epochs_;
  bool args_seen_ = false;
};

}  // namespace jobmon::detail
