// What every tool shows of training runs, decided once: which series is a
// run's training loss, eval loss and headline eval metric; which spelling of
// a series is a stale copy; the scan's warnings; the runs' JSON list.
// jobmon-status, the dashboard, jobmon-serve and Python all use these.
#pragma once

#include <boost/json/array.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/training/training_run.hpp"
#include "jobmon/training/training_scanner.hpp"
#include "jobmon/warning.hpp"

namespace jobmon {

using TrainingRuns = std::vector<std::shared_ptr<const TrainingRun>>;

// An evaluation's series: eval_*, eval/*, val_*, val/*, valid_*, validation/*,
// test_* and the like (any case).
bool is_eval_metric(std::string_view name);

// A run read from trainer_state.json and TensorBoard holds one series under
// two names (loss and train/loss, eval_loss and eval/loss). The one written
// last is shown; the other is a copy. Ties go to trainer_state.json's
// spelling (its values are doubles, the events' float32).
bool is_stale_copy(const TrainingRun& run, std::string_view name);

// The training loss (the writers' spellings first: loss, train/loss,
// train_loss, train_loss_step, train_loss_epoch, epoch_loss, then any
// non-evaluation series named *loss), its freshest spelling; null when none.
const MetricSeries* train_loss_series(const TrainingRun& run, std::string* name = nullptr);
// The evaluation loss likewise (eval_loss, eval/loss, val_loss, validation/loss...).
const MetricSeries* eval_loss_series(const TrainingRun& run, std::string* name = nullptr);
// The freshest evaluation metric with a direction that is not a loss (eval_accuracy, eval_wer...).
const MetricSeries* eval_metric_series(const TrainingRun& run, std::string* name = nullptr);

// The scan's warnings and each run's problems, as every tool lists them.
std::vector<Warning> training_warnings(const TrainingScanResult& scan);
// The datatrove Scanner's warnings less those about a run's dir, a dir
// inside one (checkpoint-N, runs/) or a dir that only holds runs
// (lightning_logs/): "not a job: no executor.json" is no surprise there.
std::vector<Warning> without_training_dirs(std::vector<Warning> warnings, const TrainingRuns& runs);

// The runs' JSON (to_json of each), as jobmon-status --json's "training".
boost::json::array to_json(const TrainingRuns& runs);

}  // namespace jobmon
