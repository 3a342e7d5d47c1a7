// Builders of the registry's entries and job details, one set per job kind
// (registry_datatrove.cpp, registry_datajuicer.cpp, registry_training.cpp),
// and the pieces they share (registry_entries.cpp).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_values.hpp"
#include "jobmon/server/job_registry.hpp"
#include "jobmon/training/run_report.hpp"

namespace jobmon::detail {

RegistryEntry datatrove_entry(const JobRow& row);
// An entry's /api/jobs summary object (what its summary_text holds), for its detail.
boost::json::object datatrove_summary(const RegistryEntry& entry);
boost::json::object data_juicer_summary(const RegistryEntry& entry);
boost::json::value datatrove_detail(const RegistryEntry& entry, const RegistryOptions& options);
RegistryEntry data_juicer_entry(const std::string& path, std::shared_ptr<const Snapshot> snapshot);
boost::json::value data_juicer_detail(const RegistryEntry& entry, const RegistryOptions& options);
// True when a directory holds Data-Juicer events files.
bool is_data_juicer_dir(const Storage& storage, const std::string& dir);

RegistryEntry training_entry(std::shared_ptr<const TrainingRun> run);
boost::json::object training_summary(const RegistryEntry& entry);
boost::json::value training_detail(const RegistryEntry& entry, const RegistryOptions& options);
// The most metric cards in a training run's detail, and metric gauges per run on /metrics.
inline constexpr std::size_t kMaxTrainingCards = 16;
// (is_eval_metric, train_loss_series and is_stale_copy: jobmon/training/run_report.hpp.)
// The evaluation loss series' names (eval_loss, eval/loss, val_loss), by name.
std::vector<std::string> eval_loss_names(const TrainingRun& run);
// The metric cards' series, at most `limit`: the train loss, the eval losses,
// the metrics with a direction (evaluations first, by name ignoring case), the learning rate.
std::vector<std::string> card_metric_names(const TrainingRun& run, std::size_t limit);
// /metrics' jobmon_training_metric series, at most `limit`: the train loss,
// then the metrics with a direction (goal lower or higher) by name ignoring case. Both
// leave out TensorBoard's copy of a series trainer_state.json also holds
// (train/loss beside loss, eval/loss beside eval_loss).
std::vector<std::string> gauge_metric_names(const TrainingRun& run, std::size_t limit);

// Why an entry has its state word, and when its job last moved, whatever its kind.
std::string state_reason_of(const RegistryEntry& entry);
std::optional<double> last_progress_of(const RegistryEntry& entry);

// Opaque id for a job path: 16 hex digits of SipHash-2-4 of kind and path
// under job_id_key(), so a path's id cannot be computed without the key.
std::string job_id_for(JobKind kind, const std::string& path);
// The summary keys both kinds share: id, kind, name, path, status, current,
// done, total, percent, failed, eta_seconds.
boost::json::object summary_fields(const RegistryEntry& e);
// (time, done) points from sorted completion times, at most max_points of them.
boost::json::array completion_curve(const std::vector<double>& sorted_times, std::size_t max_points);

// A /api/jobs page: the entries `keep` accepts, from the offset-th match on,
// at most `limit`: {"jobs":[summaries],"count":matches,"returned":R,"offset":O,
// "limit":L,"next_offset":O+R or null,"generated_at":"..."}. Shared by the
// registry's pre-serialised first page and WebApi's filtered pages.
std::string render_jobs_page(const std::vector<RegistryEntry>& entries,
                             const std::function<bool(const RegistryEntry&)>& keep, std::int64_t offset,
                             std::int64_t limit, double generated_at);

// /api/jobs.csv: every entry, header first (README lists the columns).
std::string jobs_csv(const std::vector<RegistryEntry>& entries);

}  // namespace jobmon::detail
