// trainer_state.json and *_results.json: any bytes are a TrainerState or a
// FormatError, never a crash; the log entry classes add up and every series
// stays within max_points.
#include "fuzz_input.hpp"
#include "jobmon/error.hpp"
#include "jobmon/training/trainer_state.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = jobmon::fuzz::as_text(data, size);
  jobmon::TrainerStateOptions options;
  options.max_points = 4;  // small, so that points are dropped often
  try {
    const jobmon::TrainerState state = jobmon::parse_trainer_state(text, options);
    if (state.train_entries + state.eval_entries + state.final_entries + state.other_entries != state.log_entries) {
      jobmon::fuzz::fail("log entry classes do not add up to log_entries");
    }
    if (state.epochs_unbounded && state.num_train_epochs) jobmon::fuzz::fail("unbounded epochs with a count");
    if (state.has_final_entry() != state.final_step.has_value()) jobmon::fuzz::fail("a final entry without its step");
    for (const auto& [key, series] : state.series) {
      if (key == "step") jobmon::fuzz::fail("\"step\" became a series");
      if (series.points().size() > options.max_points) jobmon::fuzz::fail("more points than max_points", key);
      if (series.count() > state.log_entries) jobmon::fuzz::fail("more values than log entries", key);
    }
  } catch (const jobmon::FormatError&) {
  }
  try {
    (void)jobmon::parse_results_file(text);
  } catch (const jobmon::FormatError&) {
  }
  return 0;
}
