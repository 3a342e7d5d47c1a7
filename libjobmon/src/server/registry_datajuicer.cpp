// Registry entries and job details for Data-Juicer work dirs.
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <fmt/format.h>

#include "jobmon/clock.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/json.hpp"
#include "server/registry_entries.hpp"

namespace jobmon::detail {
namespace json = boost::json;
using detail::iso_time_or_null;
using detail::number_or_null;
namespace {

// An operation's state. Once the job has ended (failed, or stopped), an
// operation left unfinished is not "running": it stopped with the job.
std::string op_status(const OpAggregate& op, std::int64_t partitions, bool job_ended) {
  if (op.failed > 0) return "failed";
  if (partitions > 0 && op.completed >= partitions) return "complete";
  if (job_ended) return "stopped";
  if (op.completed > 0 || op.in_progress > 0) return "running";
  return "pending";
}

char cell_of(RunStatus status) {
  switch (status) {
    case RunStatus::completed: return 'd';
    case RunStatus::failed: return 'f';
    case RunStatus::in_progress: return 'r';
    case RunStatus::not_started: return 'p';
  }
  return 'p';
}

}  // namespace

bool is_data_juicer_dir(const Storage& storage, const std::string& dir) {
  try {
    return !find_events_files(storage, dir).empty();
  } catch (const std::exception&) {
    return false;
  }
}

RegistryEntry data_juicer_entry(const std::string& path, std::shared_ptr<const Snapshot> snapshot) {
  const Snapshot& s = *snapshot;
  RegistryEntry e;
  e.path = path;
  e.name = s.job_id.empty() ? base_name(path) : s.job_id;
  e.id = job_id_for(JobKind::data_juicer, path);
  e.status = s.state;  // the snapshot's own state word (stalled included)
  e.current = s.overall_status == RunStatus::in_progress || s.overall_status == RunStatus::not_started;
  e.done = s.completed_operations;
  e.total = s.total_operations;
  e.failed = s.failed_partitions;
  e.fraction = std::clamp(s.overall_percentage / 100.0, 0.0, 1.0);
  if (s.overall_status == RunStatus::in_progress && s.eta) e.eta_seconds = s.eta->remaining_seconds;
  if (s.overall_status == RunStatus::completed) e.finished_at = s.end_time ? s.end_time : s.last_event_time;
  e.source = std::move(snapshot);
  e.summary_text = std::make_shared<const std::string>(to_compact_json(data_juicer_summary(e)));
  return e;
}

// The entry's /api/jobs summary, built again for its detail: the text is all
// the entry keeps (a parse of it would refuse the \udcXX escapes that stand
// for a name's invalid UTF-8).
json::object data_juicer_summary(const RegistryEntry& e) {
  const Snapshot& s = *std::get<std::shared_ptr<const Snapshot>>(e.source);
  json::object o = summary_fields(e);
  o["percent"] = static_cast<std::int64_t>(std::floor(s.overall_percentage));
  o["unit"] = "partition-operations";
  o["rate_per_hour"] = s.eta && s.eta->rate ? json::value(*s.eta->rate * 3600) : json::value(nullptr);
  o["started_at"] = iso_time_or_null(s.start_time);
  o["finished_at"] = s.overall_status == RunStatus::completed ? iso_time_or_null(s.end_time) : json::value(nullptr);
  o["last_change_at"] = iso_time_or_null(s.last_event_time);
  const bool ended = s.overall_status == RunStatus::completed || s.overall_status == RunStatus::failed;
  o["ended_at"] = ended ? iso_time_or_null(s.end_time ? s.end_time : s.last_event_time) : json::value(nullptr);
  o["partitions"] = json::object{{"total", s.total_partitions}, {"completed", s.completed_partitions},
                                 {"failed", s.failed_partitions}, {"in_progress", s.in_progress_partitions}};
  return o;
}

json::value data_juicer_detail(const RegistryEntry& e, const RegistryOptions& options) {
  const Snapshot& s = *std::get<std::shared_ptr<const Snapshot>>(e.source);
  json::object o = data_juicer_summary(e);

  json::array meta;
  auto add_meta = [&](const char* label, json::value value) { meta.push_back(json::array{label, std::move(value)}); };
  add_meta("Work dir", json::value(e.path));
  if (!s.executor_type.empty()) add_meta("Executor", json::value(s.executor_type));
  add_meta("Partitions", json::value(fmt::format("{} done, {} failed, {} running of {}", s.completed_partitions,
                                     s.failed_partitions, s.in_progress_partitions, s.total_partitions)));
  add_meta("Operations", static_cast<std::int64_t>(s.operation_names.size()));
  add_meta("Checkpointed", s.checkpointed_operations);
  if (!s.checkpoint_strategy.empty()) add_meta("Checkpoints", json::value(s.checkpoint_strategy));
  add_meta("Resumable", json::value(s.resumable ? "yes" : "no"));
  if (s.runs > 1) add_meta("Runs", s.runs);
  if (!s.config_file.empty()) add_meta("Config", json::value(s.config_file));
  if (s.skipped.total() > 0) add_meta("Skipped lines", static_cast<std::int64_t>(s.skipped.total()));
  o["meta"] = std::move(meta);

  // Stages: the DAG's operations in order, with status, duration and rows.
  json::array stages, rows;
  const std::int64_t partitions = std::max(s.total_partitions, s.planned_partitions);
  const bool ended = s.overall_status == RunStatus::failed || s.overall_status == RunStatus::completed;
  for (const OpAggregate& op : s.operations) {
    json::object st{{"name", op.operation_name}, {"status", op_status(op, partitions, ended)}};
    st["detail"] = fmt::format("{}/{} partitions{}", op.completed, partitions,
                               op.failed > 0 ? fmt::format(", {} failed", op.failed) : std::string());
    st["duration_seconds"] = op.completed > 0 ? json::value(op.total_duration) : json::value(nullptr);
    st["duration_basis"] = "summed over partitions";  // not the wall time: partitions run side by side
    st["rows_per_second"] = number_or_null(op.rows_per_second);
    stages.push_back(std::move(st));
    rows.push_back(json::object{{"name", op.operation_name}, {"rows_in", op.input_rows}, {"rows_out", op.output_rows}});
  }
  o["stages"] = std::move(stages);
  o["operations"] = std::move(rows);

  // Grid: one cell per partition listed, in id order (ids never named cost nothing).
  const std::size_t cells = std::min(s.partitions.size(), options.max_grid_ranks);
  std::string grid;
  grid.reserve(cells);
  for (const auto& [pid, p] : s.partitions) {
    if (grid.size() == cells) break;
    grid.push_back(cell_of(p.status));
  }
  o["grid"] = json::object{{"unit", "partition"}, {"cells", grid}, {"truncated", cells < s.partitions.size()}};

  // Completion curve: when each partition-operation completed.
  std::vector<double> times;
  for (const auto& [pid, p] : s.partitions) {
    for (const auto& [idx, op] : p.ops) {
      if (op.status == RunStatus::completed && std::isfinite(op.end_time)) times.push_back(op.end_time);
    }
  }
  std::sort(times.begin(), times.end());
  o["completion_curve"] = completion_curve(times, options.max_chart_points);

  json::array errors;
  for (const Failure& f : s.failures) {
    std::string where = f.partition_id ? fmt::format("partition {}", *f.partition_id) : std::string("job");
    if (!f.operation_name.empty()) where += " · " + f.operation_name;
    errors.push_back(json::object{{"where", where}, {"message", f.message}});
  }
  o["errors"] = std::move(errors);
  if (!s.resumption_command.empty()) o["resumption_command"] = s.resumption_command;
  return json::value(std::move(o));
}

}  // namespace jobmon::detail
