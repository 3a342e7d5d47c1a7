// job_summary.json (older writers): a small record, read with Boost.JSON.
#include <boost/json.hpp>

#include "datajuicer/snapshot_sources.hpp"
#include "jobmon/error.hpp"

namespace jobmon::detail {
namespace json = boost::json;
namespace {

std::string string_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<double> time_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_number()) return v->to_number<double>();
  if (v->is_string()) return parse_iso8601(v->get_string());
  return std::nullopt;
}

}  // namespace

JobSummaryInfo load_job_summary(const Storage& storage, const std::string& path) {
  JobSummaryInfo info;
  const EntryType type = storage.stat(path).type;
  if (type == EntryType::missing) return info;
  if (type != EntryType::file) {
    info.error = not_regular_file_reason(type, "a job summary");
    return info;
  }
  json::value doc;
  try {
    boost::system::error_code ec;
    const std::string text = storage.read(path, 16u << 20);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
      info.error = "empty file";
      return info;
    }
    doc = json::parse(text, ec);
    if (ec || !doc.is_object()) {
      info.error = ec ? "malformed JSON" : "not a JSON object";
      return info;
    }
  } catch (const StorageError& e) {
    info.error = e.what();
    return info;
  }
  const json::object& o = doc.get_object();
  info.loaded = true;
  info.fields = o.size();
  info.event_log_file = string_of(o, "event_log_file");
  info.event_log_dir = string_of(o, "event_log_dir");
  info.metadata_dir = string_of(o, "metadata_dir");
  info.backed_up_config_path = string_of(o, "backed_up_config_path");
  info.job_id = string_of(o, "job_id");
  info.status = string_of(o, "status");
  info.executor_type = string_of(o, "executor_type");
  info.work_dir = string_of(o, "work_dir");
  info.resumption_command = string_of(o, "resumption_command");
  info.error_message = string_of(o, "error_message");
  info.checkpoint_dir = string_of(o, "checkpoint_dir");
  if (const auto* files = o.if_contains("config_file")) {
    if (files->is_string()) info.config_file.emplace_back(files->get_string());
    if (files->is_array())
      for (const auto& f : files->get_array())
        if (f.is_string()) info.config_file.emplace_back(f.get_string());
  }
  info.start_time = time_of(o, "start_time");
  info.end_time = time_of(o, "end_time");
  info.duration = time_of(o, "duration");
  return info;
}

}  // namespace jobmon::detail
