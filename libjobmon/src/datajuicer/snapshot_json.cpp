// The snapshot document: the reference's keys first, in its order, then
// jobmon's additions. write_snapshot_json streams the two big maps
// (partition_progress, operation_progress) entry by entry.
#include <boost/json.hpp>
#include <cmath>
#include <fmt/format.h>
#include <ostream>

#include "core/json_values.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/format.hpp"
#include "jobmon/json.hpp"

namespace jobmon {
namespace json = boost::json;
using detail::append_json_count;
using detail::append_json_double;
using detail::append_json_string;
using detail::count_or_null;
using detail::iso_time_or_null;
using detail::number_or_null;
using detail::text_or_null;
namespace {

// A JSON string literal, written by the one encoder every JSON writer shares.
std::string quoted(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

json::value ratio(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return std::round(*v * 10000.0) / 10000.0;
}

json::array strings(const std::vector<std::string>& items) {
  json::array arr;
  for (const auto& item : items) arr.emplace_back(item);
  return arr;
}

json::value job_info(const Snapshot& s) {
  return json::object{{"job_id", s.job_id},
                      {"executor_type", text_or_null(s.executor_type)},
                      {"status", s.status},
                      {"config_file", strings(s.config_files)},
                      {"work_dir", s.work_dir},
                      {"resumption_command", text_or_null(s.resumption_command)},
                      {"error_message", text_or_null(s.error_message)}};
}

// The reference's total_duration (and timing.duration_seconds): known once
// the job finished, null before (its end - start); jobmon's elapsed time of
// an unfinished job is timing.elapsed_seconds.
std::optional<double> total_duration(const Snapshot& s) {
  const bool finished = s.overall_status == RunStatus::completed || s.overall_status == RunStatus::failed;
  return finished ? s.duration_seconds : std::nullopt;
}

json::value timing(const Snapshot& s) {
  json::object o;
  const std::optional<double> total = total_duration(s);
  o["start_time"] = number_or_null(s.start_time);
  o["end_time"] = number_or_null(s.end_time);
  o["duration_seconds"] = number_or_null(total);
  o["duration_formatted"] = total ? json::value(format_duration(*total)) : json::value(nullptr);
  o["job_summary_duration"] = number_or_null(s.job_summary_duration);
  o["timing_source"] = s.timing_source;
  o["start_time_iso"] = iso_time_or_null(s.start_time);
  o["end_time_iso"] = iso_time_or_null(s.end_time);
  o["last_event_time"] = number_or_null(s.last_event_time);
  o["elapsed_seconds"] = number_or_null(s.duration_seconds);
  o["duration_until_now"] = s.duration_until_now;
  return o;
}

json::value progress_summary(const Snapshot& s) {
  json::object o;
  o["total_partitions"] = s.total_partitions;
  o["completed_partitions"] = s.completed_partitions;
  o["failed_partitions"] = s.failed_partitions;
  o["in_progress_partitions"] = s.in_progress_partitions;
  o["partition_progress_percentage"] = s.partition_percentage;
  o["total_operations"] = s.total_operations;
  o["completed_operations"] = s.completed_operations;
  o["failed_operations"] = s.failed_operations;
  o["checkpointed_operations"] = s.checkpointed_operations;
  o["operation_progress_percentage"] = s.operation_percentage;
  // jobmon's additions
  o["not_started_partitions"] =
      std::max<std::int64_t>(0, s.total_partitions - s.completed_partitions - s.failed_partitions - s.in_progress_partitions);
  o["in_progress_operations"] = s.in_progress_operations;
  o["planned_partitions"] = s.planned_partitions > 0 ? json::value(s.planned_partitions) : json::value(nullptr);
  o["planned_partitions_source"] = s.planned_partitions_source;
  o["operations_per_partition"] = s.operations_per_partition;
  return o;
}

const std::string& op_name_of(const Snapshot& s, std::int64_t idx) {
  static const std::string none;
  const auto it = s.operation_names.find(idx);
  return it != s.operation_names.end() ? it->second : none;
}

std::string operation_key(std::int64_t pid, std::int64_t idx, const std::string& name) {
  return fmt::format("p{}_op{}_{}", pid, idx, name);
}

bool op_listed(const OpState& op) { return op.status != RunStatus::not_started || op.checkpointed; }

// checkpointing, in two parts around its list of checkpointed operations
// (one entry per partition-operation: streamed by write_snapshot_json).
json::object checkpointing_head(const Snapshot& s) {
  return json::object{{"strategy", text_or_null(s.checkpoint_strategy)},
                      {"last_checkpoint_time", number_or_null(s.last_checkpoint_time)},
                      {"checkpointed_operations_count", s.checkpointed_operations},
                      {"resumable", s.resumable}};
}

double checkpoint_percentage(const Snapshot& s) {
  return s.total_operations > 0 ? std::round(static_cast<double>(s.checkpointed_operations) * 10000.0 /
                                             static_cast<double>(s.total_operations)) / 100.0
                                : 0.0;
}

// As the reference: checkpointed / total operations, 0.0 with none; never null.
json::value checkpoint_coverage(const Snapshot& s) {
  if (s.total_operations <= 0) return 0.0;
  return ratio(static_cast<double>(s.checkpointed_operations) / static_cast<double>(s.total_operations));
}

template <class Each>
void for_each_checkpointed(const Snapshot& s, Each&& each) {
  for (const auto& [pid, p] : s.partitions)
    for (const auto& [idx, op] : p.ops)
      if (op.checkpointed) each(pid, idx, op, op_name_of(s, idx));
}

json::value checkpointing(const Snapshot& s) {
  json::object o = checkpointing_head(s);
  json::array listed;
  for_each_checkpointed(s, [&](std::int64_t pid, std::int64_t idx, const OpState& op, const std::string& name) {
    listed.push_back(json::object{{"operation_key", operation_key(pid, idx, name)},
                                  {"operation_name", name},
                                  {"checkpoint_time", number_or_null(op.checkpoint_time)}});
  });
  o["checkpoint_progress"] = json::object{{"percentage", checkpoint_percentage(s)},
                                          {"checkpointed_operations", std::move(listed)},
                                          {"checkpoint_coverage", checkpoint_coverage(s)}};
  o["checkpoint_dir"] = text_or_null(s.checkpoint_dir);
  return o;
}

// A partition's progress: 100 when complete, else the share of its
// operations completed (the reference guesses from an assumed 8 ops).
double partition_percentage(const Snapshot& s, const PartitionState& p, std::int64_t completed) {
  if (p.status == RunStatus::completed) return 100.0;
  const std::int64_t total = std::max<std::int64_t>(s.operations_per_partition, static_cast<std::int64_t>(p.ops.size()));
  return total > 0 ? std::round(static_cast<double>(completed) * 10000.0 / static_cast<double>(total)) / 100.0 : 0.0;
}

// An operation's progress: 100 once it completed (or was checkpointed), else
// 0; nothing tells how far a running op is (the reference guesses from the clock).
double operation_percentage(const OpState& op) {
  return op.status == RunStatus::completed || op.checkpointed ? 100.0 : 0.0;
}

json::value partition_entry(const Snapshot& s, const PartitionState& p) {
  json::array completed, failed, checkpointed;  // operation names, as the reference lists them
  for (const auto& [idx, op] : p.ops) {
    if (op.status == RunStatus::completed) completed.emplace_back(op_name_of(s, idx));
    if (op.status == RunStatus::failed) failed.emplace_back(op_name_of(s, idx));
    if (op.checkpointed) checkpointed.emplace_back(op_name_of(s, idx));
  }
  const auto n_completed = static_cast<std::int64_t>(completed.size());
  json::object o;
  o["status"] = to_string(p.status);
  o["current_operation"] = text_or_null(op_name_of(s, p.current_op));
  o["current_operation_idx"] = count_or_null(p.current_op);
  o["completed_operations_count"] = n_completed;
  o["failed_operations_count"] = static_cast<std::int64_t>(failed.size());
  o["checkpointed_operations_count"] = static_cast<std::int64_t>(checkpointed.size());
  o["completed_operations"] = std::move(completed);
  o["failed_operations"] = std::move(failed);
  o["checkpointed_operations"] = std::move(checkpointed);
  o["total_operations"] = s.operations_per_partition;
  o["progress_percentage"] = partition_percentage(s, p, n_completed);
  o["creation_start_time"] = number_or_null(p.creation_start_time);
  o["creation_end_time"] = number_or_null(p.creation_end_time);
  o["processing_start_time"] = number_or_null(p.start_time);
  o["processing_end_time"] = number_or_null(p.end_time);
  o["start_time"] = number_or_null(p.start_time);
  o["end_time"] = number_or_null(p.end_time);
  o["duration_seconds"] = std::isfinite(p.start_time) && std::isfinite(p.end_time) ? json::value(p.end_time - p.start_time)
                                                                                   : json::value(nullptr);
  o["sample_count"] = count_or_null(p.sample_count);
  o["retry_count"] = p.retry_count;
  o["error_message"] = text_or_null(p.error_message);
  return o;
}

// partition_entry printed straight to text at the depth write_snapshot_json
// puts it (each entry lists its ops' names: a DOM of them costs more than
// the text). The tests check that both forms print identically.
void append_partition_entry(std::string& out, const Snapshot& s, const PartitionState& p) {
  std::int64_t counts[3] = {0, 0, 0};  // completed, failed, checkpointed
  for (const auto& [idx, op] : p.ops) {
    counts[0] += op.status == RunStatus::completed;
    counts[1] += op.status == RunStatus::failed;
    counts[2] += op.checkpointed;
  }
  auto field = [&](std::string_view key) {
    out += ",\n      \"";
    out += key;
    out += "\": ";
  };
  auto names = [&](std::string_view key, auto&& keep) {
    field(key);
    out += '[';
    bool first = true;
    for (const auto& [idx, op] : p.ops) {
      if (!keep(op)) continue;
      if (!first) out += ',';
      first = false;
      append_json_string(out, op_name_of(s, idx));
    }
    out += ']';
  };
  out += "{\n      \"status\": \"";
  out += to_string(p.status);
  out += '"';
  field("current_operation");
  if (const std::string& current = op_name_of(s, p.current_op); !current.empty()) append_json_string(out, current);
  else out += "null";
  field("current_operation_idx");
  append_json_count(out, p.current_op);
  field("completed_operations_count");
  out += fmt::format_int(counts[0]).str();
  field("failed_operations_count");
  out += fmt::format_int(counts[1]).str();
  field("checkpointed_operations_count");
  out += fmt::format_int(counts[2]).str();
  names("completed_operations", [](const OpState& op) { return op.status == RunStatus::completed; });
  names("failed_operations", [](const OpState& op) { return op.status == RunStatus::failed; });
  names("checkpointed_operations", [](const OpState& op) { return op.checkpointed; });
  field("total_operations");
  out += fmt::format_int(s.operations_per_partition).str();
  field("progress_percentage");
  append_json_double(out, partition_percentage(s, p, counts[0]));
  const std::pair<std::string_view, double> times[] = {
      {"creation_start_time", p.creation_start_time}, {"creation_end_time", p.creation_end_time},
      {"processing_start_time", p.start_time},        {"processing_end_time", p.end_time},
      {"start_time", p.start_time},                   {"end_time", p.end_time},
      {"duration_seconds", p.end_time - p.start_time}};
  for (const auto& [key, value] : times) {
    field(key);
    append_json_double(out, value);
  }
  field("sample_count");
  append_json_count(out, p.sample_count);
  field("retry_count");
  out += fmt::format_int(p.retry_count).str();
  field("error_message");
  if (!p.error_message.empty()) append_json_string(out, p.error_message);
  else out += "null";
  out += "\n    }";
}

json::value operation_entry(const Snapshot& s, std::int64_t pid, std::int64_t idx, const OpState& op) {
  json::object o;
  o["partition_id"] = pid;
  o["operation_idx"] = idx;
  o["operation_name"] = op_name_of(s, idx);
  o["status"] = to_string(op.status);
  o["start_time"] = number_or_null(op.start_time);
  o["end_time"] = number_or_null(op.end_time);
  o["duration"] = number_or_null(op.duration);
  o["input_rows"] = count_or_null(op.input_rows);
  o["output_rows"] = count_or_null(op.output_rows);
  o["checkpointed"] = op.checkpointed;
  o["error_message"] = op.error != 0 ? json::value(s.op_errors[op.error - 1]) : json::value(nullptr);
  o["checkpoint_time"] = number_or_null(op.checkpoint_time);
  o["progress_percentage"] = operation_percentage(op);
  o["duration_source"] = to_string(op.duration_source);
  return o;
}

// operation_entry printed straight to text at the depth write_snapshot_json
// puts it: there are partitions x ops of these, and building a DOM object
// for each costs more than the whole parse. The tests check that both forms
// print identically.

void append_operation_entry(std::string& out, const Snapshot& s, std::int64_t pid, std::int64_t idx, const OpState& op,
                            const std::string& name) {
  fmt::format_to(std::back_inserter(out), "{{\n      \"partition_id\": {},\n      \"operation_idx\": {},\n      \"operation_name\": ",
                 pid, idx);
  append_json_string(out, name);
  fmt::format_to(std::back_inserter(out), ",\n      \"status\": \"{}\",\n      \"start_time\": ", to_string(op.status));
  append_json_double(out, op.start_time);
  out += ",\n      \"end_time\": ";
  append_json_double(out, op.end_time);
  out += ",\n      \"duration\": ";
  append_json_double(out, op.duration);
  out += ",\n      \"input_rows\": ";
  append_json_count(out, op.input_rows);
  out += ",\n      \"output_rows\": ";
  append_json_count(out, op.output_rows);
  out += op.checkpointed ? ",\n      \"checkpointed\": true" : ",\n      \"checkpointed\": false";
  out += ",\n      \"error_message\": ";
  if (op.error != 0) append_json_string(out, s.op_errors[op.error - 1]);
  else out += "null";
  out += ",\n      \"checkpoint_time\": ";
  append_json_double(out, op.checkpoint_time);
  out += op.status == RunStatus::completed || op.checkpointed ? ",\n      \"progress_percentage\": 100.0"
                                                              : ",\n      \"progress_percentage\": 0.0";
  fmt::format_to(std::back_inserter(out), ",\n      \"duration_source\": \"{}\"\n    }}", to_string(op.duration_source));
}

json::value dag_structure(const Snapshot& s) {
  json::array ops;
  for (const auto& [idx, name] : s.dag.planned_operations) ops.emplace_back(name);
  json::object o{{"loaded", s.dag.loaded},
                      {"total_nodes", s.dag.total_nodes},
                      {"total_edges", s.dag.total_edges},
                      {"parallel_groups", s.dag.parallel_groups},
                      {"execution_plan_length", s.dag.execution_plan_length},
                      {"planned_partitions", s.dag.planned_partitions},
                      {"planned_operations", std::move(ops)},
                      {"error", text_or_null(s.dag.error)}};
  if (s.dag.loaded) {  // the reference's copies of the plan's own fields
    o["execution_plan"] = s.dag.execution_plan.is_array() ? s.dag.execution_plan : json::array();
    o["metadata"] = s.dag.metadata.is_object() ? s.dag.metadata : json::object();
  }
  return o;
}

json::value file_paths(const Snapshot& s) {
  json::array files;
  for (const auto& f : s.events_files) files.emplace_back(f.path);
  return json::object{{"work_dir", s.work_dir},
                      {"event_log_files", std::move(files)},
                      {"dag_plan", s.dag.loaded ? json::value(s.work_dir + "/dag_execution_plan.json") : json::value(nullptr)},
                      {"job_summary", s.job_summary.loaded ? json::value(s.work_dir + "/job_summary.json") : json::value(nullptr)},
                      {"checkpoint_dir", text_or_null(s.checkpoint_dir)},
                      {"config_file", text_or_null(s.config_file)},
                      {"event_log_file", text_or_null(s.event_log_file)},
                      {"event_log_dir", text_or_null(s.event_log_dir)},
                      {"metadata_dir", text_or_null(s.metadata_dir)},
                      {"backed_up_config_path", text_or_null(s.backed_up_config_path)}};
}

json::value metadata(const Snapshot& s) {
  return json::object{{"snapshot_generated_at", format_iso8601(s.generated_at)},
                      {"events_analyzed", s.events_analyzed},
                      {"dag_plan_loaded", s.dag.loaded},
                      {"job_summary_loaded", s.job_summary.loaded},
                      {"job_summary_used", s.job_summary_used},
                      {"generator", "jobmon"}};
}

json::value operations(const Snapshot& s) {
  json::array arr;
  for (const OpAggregate& a : s.operations) {
    arr.push_back(json::object{{"operation_idx", a.operation_idx},
                               {"operation_name", a.operation_name},
                               {"completed", a.completed},
                               {"failed", a.failed},
                               {"in_progress", a.in_progress},
                               {"checkpointed", a.checkpointed},
                               {"input_rows", a.input_rows},
                               {"output_rows", a.output_rows},
                               {"reduction_ratio", ratio(a.reduction_ratio)},
                               {"total_duration_seconds", a.total_duration},
                               {"mean_duration_seconds", number_or_null(a.mean_duration)},
                               {"rows_per_second", number_or_null(a.rows_per_second)}});
  }
  return arr;
}

json::value failure_groups(const std::vector<FailureGroup>& groups) {
  json::array arr;
  for (const FailureGroup& g : groups) {
    json::array ids;
    for (const auto id : g.partition_ids) ids.emplace_back(id);
    arr.push_back(json::object{{"message", g.message},
                               {"run", g.run},
                               {"occurrences", g.occurrences},
                               {"job_level", g.job_level},
                               {"partition_ids", std::move(ids)},
                               {"operation_names", strings(g.operation_names)}});
  }
  return arr;
}

json::value failures(const Snapshot& s) {
  json::array arr;
  for (const Failure& f : s.failures) {
    json::object o;
    o["scope"] = f.operation_idx ? "operation" : f.partition_id ? "partition" : "job";
    o["partition_id"] = f.partition_id ? json::value(*f.partition_id) : json::value(nullptr);
    o["operation_idx"] = f.operation_idx ? json::value(*f.operation_idx) : json::value(nullptr);
    o["operation_name"] = text_or_null(f.operation_name);
    o["error_message"] = text_or_null(f.message);
    arr.push_back(std::move(o));
  }
  return json::object{{"total", s.failures_total},
                      {"listed", std::move(arr)},
                      {"groups", failure_groups(s.failure_groups)},
                      {"earlier_runs", failure_groups(s.earlier_failure_groups)}};
}

json::value eta(const Snapshot& s) {
  if (!s.eta) return nullptr;
  const bool by_partitions = s.eta_unit == "partitions";
  return json::object{{"unit", s.eta_unit},
                      {"total", by_partitions ? s.total_partitions : s.total_operations},
                      {"done", by_partitions ? s.completed_partitions : s.completed_operations},
                      {"smoothed", to_json(*s.eta)},
                      {"linear", s.eta_linear ? to_json(*s.eta_linear) : json::value(nullptr)}};
}

json::value events_files(const Snapshot& s) {
  json::array arr;
  for (const auto& f : s.events_files)
    arr.push_back(json::object{{"path", f.path},
                               {"bytes", f.bytes},
                               {"lines", f.lines},
                               {"events", f.events},
                               {"partial_last_line", f.partial_last_line},
                               {"error", text_or_null(f.error)}});
  return arr;
}

json::value skipped_lines(const Snapshot& s) {
  json::array first;
  for (const auto& l : s.skipped.first)
    first.push_back(json::object{{"file", l.file}, {"line", l.line}, {"reason", line_issue_name(l.issue)}});
  return json::object{{"total", s.skipped.total()},
                      {"corrupt", s.skipped.corrupt},
                      {"no_event_type", s.skipped.no_event_type},
                      {"too_long", s.skipped.too_long},
                      {"out_of_range", s.skipped.out_of_range},
                      {"blank", s.skipped.blank},
                      {"torn", s.skipped.torn},
                      {"partial_last_lines", s.skipped.torn},
                      {"first", std::move(first)}};
}

// Sections before and after the two big maps, in document order.
template <class Emit>
void for_each_section(const Snapshot& s, Emit&& emit, bool before_maps) {
  if (before_maps) {
    emit("job_info", job_info(s));
    emit("overall_status", json::value(to_string(s.overall_status)));
    emit("overall_progress", json::object{{"overall_percentage", s.overall_percentage},
                                          {"partition_percentage", s.partition_percentage},
                                          {"operation_percentage", s.operation_percentage}});
    emit("job_start_time", number_or_null(s.start_time));
    emit("job_end_time", number_or_null(s.end_time));
    emit("total_duration", number_or_null(total_duration(s)));
    emit("timing", timing(s));
    emit("progress_summary", progress_summary(s));
    return;
  }
  emit("dag_structure", dag_structure(s));
  emit("file_paths", file_paths(s));
  emit("metadata", metadata(s));
  emit("operations", operations(s));
  emit("failures", failures(s));
  emit("eta", eta(s));
  emit("runs", json::object{{"runs", s.runs}, {"restarts", s.restarts}});
  emit("events_files", events_files(s));
  emit("skipped_lines", skipped_lines(s));
  emit("state", json::value(to_string(s.state)));
  emit("state_reason", json::value(s.state_reason));
  emit("last_event_age", number_or_null(s.last_event_age));
  emit("warnings", strings(s.warnings));
}

// to_pretty_json output re-indented to sit `indent` spaces deep (JSON
// strings never hold a raw newline, so every newline is a layout one).
std::string indented(const json::value& v, int indent) {
  std::string text_form = to_pretty_json(v);
  while (!text_form.empty() && text_form.back() == '\n') text_form.pop_back();
  std::string out;
  out.reserve(text_form.size() + 64);
  for (char c : text_form) {
    out.push_back(c);
    if (c == '\n') out.append(static_cast<std::size_t>(indent), ' ');
  }
  return out;
}

// checkpointing as checkpointing(s) prints it, its list written entry by entry.
void write_checkpointing(const Snapshot& s, std::ostream& out) {
  out << ",\n  \"checkpointing\": {";
  for (const auto& kv : checkpointing_head(s)) out << "\n    " << quoted(kv.key()) << ": " << indented(kv.value(), 4) << ',';
  std::string text_form;
  detail::append_json_double(text_form, checkpoint_percentage(s));
  out << "\n    \"checkpoint_progress\": {\n      \"percentage\": " << text_form
      << ",\n      \"checkpointed_operations\": [";
  bool any = false;
  for_each_checkpointed(s, [&](std::int64_t pid, std::int64_t idx, const OpState& op, const std::string& name) {
    text_form.assign(any ? ",\n        {\n          \"operation_key\": " : "\n        {\n          \"operation_key\": ");
    append_json_string(text_form, operation_key(pid, idx, name));
    text_form += ",\n          \"operation_name\": ";
    append_json_string(text_form, name);
    text_form += ",\n          \"checkpoint_time\": ";
    append_json_double(text_form, op.checkpoint_time);
    text_form += "\n        }";
    out << text_form;
    any = true;
  });
  out << (any ? "\n      ]" : "]") << ",\n      \"checkpoint_coverage\": " << indented(checkpoint_coverage(s), 6)
      << "\n    },\n    \"checkpoint_dir\": " << indented(text_or_null(s.checkpoint_dir), 4) << "\n  }";
}

}  // namespace

json::value to_json(const Snapshot& s) {
  json::object doc;
  auto add = [&](std::string_view key, json::value v) { doc[key] = std::move(v); };
  for_each_section(s, add, true);
  doc["checkpointing"] = checkpointing(s);
  json::object parts, ops;
  for (const auto& [pid, p] : s.partitions) {
    parts[std::to_string(pid)] = partition_entry(s, p);
    for (const auto& [idx, op] : p.ops)
      if (op_listed(op)) ops[operation_key(pid, idx, op_name_of(s, idx))] = operation_entry(s, pid, idx, op);
  }
  doc["partition_progress"] = std::move(parts);
  doc["operation_progress"] = std::move(ops);
  for_each_section(s, add, false);
  return doc;
}

void write_snapshot_json(const Snapshot& s, std::ostream& out) {
  bool first = true;
  auto emit = [&](std::string_view key, const json::value& v) {
    out << (first ? "{\n  " : ",\n  ") << quoted(key) << ": " << indented(v, 2);
    first = false;
  };
  for_each_section(s, emit, true);
  write_checkpointing(s, out);
  // The two maps: one small entry at a time, printed straight to text.
  out << ",\n  \"partition_progress\": {";
  std::string text_form;
  bool any = false;
  for (const auto& [pid, p] : s.partitions) {
    text_form.assign(any ? ",\n    \"" : "\n    \"");
    text_form += fmt::format_int(pid).str();
    text_form += "\": ";
    append_partition_entry(text_form, s, p);
    out << text_form;
    any = true;
  }
  out << (any ? "\n  }" : "}");
  out << ",\n  \"operation_progress\": {";
  any = false;
  for (const auto& [pid, p] : s.partitions) {
    for (const auto& [idx, op] : p.ops) {
      if (!op_listed(op)) continue;
      text_form.clear();
      text_form += any ? ",\n    " : "\n    ";
      const std::string& name = op_name_of(s, idx);
      append_json_string(text_form, operation_key(pid, idx, name));
      text_form += ": ";
      append_operation_entry(text_form, s, pid, idx, op, name);
      out << text_form;
      any = true;
    }
  }
  out << (any ? "\n  }" : "}");
  for_each_section(s, emit, false);
  out << "\n}\n";
}

json::value to_json(const std::vector<JobListing>& jobs) {
  json::array arr;
  for (const auto& j : jobs)
    arr.push_back(json::object{{"job_id", j.job_id},
                               {"work_dir", j.work_dir},
                               {"status", to_string(j.status)},
                               {"start_time", number_or_null(j.start_time)},
                               {"last_event_time", number_or_null(j.last_event_time)},
                               {"completed_partitions", j.completed_partitions},
                               {"total_partitions", j.total_partitions},
                               {"overall_percentage", j.overall_percentage},
                               {"state", to_string(j.state)},
                               {"last_event_age", number_or_null(j.last_event_age)},
                               {"error", text_or_null(j.error)}});
  return json::object{{"jobs", std::move(arr)}};
}

}  // namespace jobmon
