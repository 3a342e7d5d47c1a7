// The Hugging Face Trainer's trainer_state.json (TrainerState.save_to_json),
// every key set from transformers 4.2 to 5.x: keys come and go with the
// version, so everything but log_history is optional. Windows runs write
// CRLF; num_train_epochs is sys.maxsize for max_steps runs over an
// IterableDataset; log entries may lack "step" or hold strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/training/metric_series.hpp"

namespace jobmon {

struct TrainerState {
  std::optional<std::int64_t> global_step, max_steps;
  std::optional<double> epoch;
  // None when absent, and when it is sys.maxsize (or any value over 1e12):
  // epochs_unbounded then says the run is bounded by max_steps only.
  std::optional<double> num_train_epochs;
  bool epochs_unbounded = false;
  std::optional<std::int64_t> logging_steps, eval_steps, save_steps, train_batch_size;
  std::optional<double> best_metric;
  std::optional<std::string> best_model_checkpoint;
  std::optional<std::int64_t> best_global_step;
  std::optional<double> total_flos;
  std::optional<std::int64_t> num_input_tokens_seen;
  // stateful_callbacks.TrainerControl.args.should_training_stop (newer writers).
  std::optional<bool> should_training_stop;

  // log_history, entry by entry: a training entry has "loss" (and no
  // train_runtime); an eval entry has an eval_* key and no "loss"; the final
  // entry has train_runtime; anything else (predict_*) is other.
  std::uint64_t log_entries = 0, train_entries = 0, eval_entries = 0, final_entries = 0, other_entries = 0;
  // Every numeric value of the training, eval and other entries, one series
  // per key as written (loss, learning_rate, grad_norm, epoch, eval_loss,
  // eval_wer, rewards/.../mean...), x = the entry's step (an entry without
  // "step" takes the previous entry's). Not "step" itself. The final entry's
  // values go to final_values instead.
  std::map<std::string, MetricSeries, std::less<>> series;
  // The final (train_runtime) entry's numeric values: train_runtime,
  // train_loss, train_samples_per_second, total_flos...; its step too.
  std::map<std::string, double, std::less<>> final_values;
  std::optional<std::int64_t> final_step;
  std::optional<std::int64_t> last_eval_step;
  // Values that were not numbers (strings, objects) where numbers go: skipped, counted.
  std::uint64_t skipped_values = 0;

  // A final entry: the Trainer finished train(), whether at max_steps or
  // stopped early.
  bool has_final_entry() const { return final_entries > 0; }
};

struct TrainerStateOptions {
  std::size_t max_points = 1024;  // per series, for charts (MetricSeries)
  std::size_t max_depth = 64;     // deeper JSON is refused
};

// Parses the text of a trainer_state.json. Throws FormatError (with what was
// wrong and where) for text that is not JSON, not an object, or nested
// deeper than max_depth; a field of the wrong type is skipped, never fatal.
TrainerState parse_trainer_state(std::string_view text, const TrainerStateOptions& options = {});

// A train_results.json / eval_results.json / all_results.json: the numeric
// values of its top-level object (train_runtime, eval_loss, epoch...).
// Throws FormatError like parse_trainer_state.
std::map<std::string, double, std::less<>> parse_results_file(std::string_view text);

}  // namespace jobmon
