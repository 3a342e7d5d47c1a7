// The state file of the notifier (see notify_state.hpp).
#include "notify/notify_state.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "jobmon/clock.hpp"

namespace jobmon::detail {
namespace json = boost::json;
namespace {

// A state file past this is not ours (or not sane): set aside, not parsed.
constexpr std::streamsize max_state_bytes = 64 << 20;

std::optional<NotifyEventKind> parse_kind(std::string_view word) {
  for (auto k : {NotifyEventKind::failed, NotifyEventKind::stalled, NotifyEventKind::complete, NotifyEventKind::recovered}) {
    if (word == to_string(k)) return k;
  }
  return std::nullopt;
}

std::string string_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t int_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->as_int64() : 0;
}

}  // namespace

json::value event_to_json(const NotifyEvent& e) {
  return json::object{{"id", e.id},
                      {"event", to_string(e.kind)},
                      {"at", format_iso8601(e.at)},
                      {"at_epoch", e.at},
                      {"previous_status", to_string(e.previous)},
                      {"job", json::object{{"key", e.job.key},
                                           {"id", e.job.id},
                                           {"name", e.job.name},
                                           {"kind", e.job.kind},
                                           {"status", to_string(e.job.status)},
                                           {"reason", e.job.reason},
                                           {"done", e.job.done},
                                           {"total", e.job.total},
                                           {"failed", e.job.failed}}}};
}

std::optional<NotifyEvent> event_from_json(const json::value& v) {
  const auto* o = v.if_object();
  if (o == nullptr) return std::nullopt;
  const auto* job = o->if_contains("job");
  if (job == nullptr || !job->is_object()) return std::nullopt;
  const auto kind = parse_kind(string_at(*o, "event"));
  const auto previous = parse_job_status(string_at(*o, "previous_status"));
  const auto status = parse_job_status(string_at(job->as_object(), "status"));
  const auto* at = o->if_contains("at_epoch");
  if (!kind || !previous || !status || at == nullptr || !at->is_number()) return std::nullopt;
  NotifyEvent e;
  e.id = string_at(*o, "id");
  e.kind = *kind;
  e.previous = *previous;
  e.at = at->to_number<double>();
  const json::object& j = job->as_object();
  e.job.key = string_at(j, "key");
  e.job.id = string_at(j, "id");
  e.job.name = string_at(j, "name");
  e.job.kind = string_at(j, "kind");
  e.job.status = *status;
  e.job.reason = string_at(j, "reason");
  e.job.done = int_at(j, "done");
  e.job.total = int_at(j, "total");
  e.job.failed = int_at(j, "failed");
  return e;
}

NotifyState load_notify_state(const std::string& path, std::string& problem) {
  NotifyState state;
  if (path.empty()) return state;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return state;  // a fresh start
  if (!S_ISREG(st.st_mode) || st.st_size > max_state_bytes) {
    problem = path + ": not a regular file of at most 64 MiB";
    return state;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::parse_options options;
  options.allow_invalid_utf8 = true;  // job paths are bytes; written as they are (private file)
  const json::value doc = json::parse(text.str(), ec, {}, options);
  const auto* o = ec ? nullptr : doc.if_object();
  const auto* jobs = o ? o->if_contains("jobs") : nullptr;
  if (o == nullptr || jobs == nullptr || !jobs->is_object()) {
    problem = path + ": not a jobmon notification state file";
    return state;
  }
  state.existed = true;
  for (const auto& [key, status] : jobs->as_object()) {
    if (!status.is_string()) continue;
    if (const auto s = parse_job_status(std::string(status.as_string()))) state.last[std::string(key)] = *s;
  }
  if (const auto* pending = o->if_contains("pending"); pending != nullptr && pending->is_array()) {
    for (const auto& v : pending->as_array()) {
      if (auto e = event_from_json(v)) state.pending.push_back(std::move(*e));
    }
  }
  if (const auto* seq = o->if_contains("next_sequence"); seq != nullptr && seq->is_int64() && seq->as_int64() > 0)
    state.next_sequence = static_cast<std::uint64_t>(seq->as_int64());
  return state;
}

std::string save_notify_state(const std::string& path, const NotifyState& state) {
  if (path.empty()) return {};
  json::object jobs;
  for (const auto& [key, status] : state.last) jobs[key] = to_string(status);
  json::array pending;
  for (const auto& e : state.pending) pending.push_back(event_to_json(e));
  const std::string text = json::serialize(json::object{{"version", 1},
                                                        {"next_sequence", state.next_sequence},
                                                        {"jobs", std::move(jobs)},
                                                        {"pending", std::move(pending)}});
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text << '\n';
    out.flush();
    if (!out) return temporary + ": cannot be written";
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) return path + ": cannot be replaced";
  return {};
}

}  // namespace jobmon::detail
