#include "server/api/page_routes.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/text/text.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/json.hpp"
#include "server/api/step_stats.hpp"
#include "server/job_logs.hpp"

namespace jobmon::detail {
namespace json = boost::json;
namespace {

HttpResponse answer(const json::value& v, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = to_compact_json(v);
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

HttpResponse problem(int status, const std::string& message) {
  return answer(json::object{{"error", message}, {"status", status}}, status);
}

std::string query_value(const HttpRequest& req, const std::string& key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? std::string() : it->second;
}

constexpr std::size_t kMaxListedLogs = 5000;

HttpResponse warnings(const JobRegistry& registry) {
  json::array list;
  for (const auto& w : registry.warnings()) list.push_back(json::object{{"path", w.path}, {"message", w.message}});
  const auto count = static_cast<std::int64_t>(list.size());
  return answer(json::object{{"warnings", std::move(list)}, {"count", count}});
}

// Which log the page opens first: for a running job the running rank that
// wrote last (its log is the live one); else the first failed rank's; else the newest file.
std::string default_log(const RegistryEntry& entry, const LogListing& listing) {
  if (listing.files.empty()) return "";
  if (const auto* row = std::get_if<JobRow>(&entry.source)) {
    const RankIssue* best = nullptr;
    const bool running = entry.status == JobStatus::running || entry.status == JobStatus::stalled;
    for (const auto& issue : row->job->rank_issues) {
      if (running && issue.state == RankState::running) {
        if (best == nullptr || issue.log_mtime.value_or(0) > best->log_mtime.value_or(0)) best = &issue;
      }
    }
    if (best == nullptr) {
      for (const auto& issue : row->job->rank_issues) {
        if (issue.state == RankState::failed) {
          best = &issue;
          break;
        }
      }
    }
    if (best != nullptr) return std::string(logs_dir_name) + "/" + task_log_name(best->rank);
  }
  return listing.files.front().path;
}

HttpResponse log_files(const RegistryEntry& entry, const JobRegistry& registry) {
  const LogListing listing = list_log_files(registry.storage(), entry.path, kMaxListedLogs);
  // Each datatrove task log carries its rank's state, for the picker's groups.
  std::unordered_map<std::int64_t, RankState> states;
  std::vector<std::int64_t> done;
  if (const auto* row = std::get_if<JobRow>(&entry.source)) {
    for (const auto& issue : row->job->rank_issues) states[issue.rank] = issue.state;
    done = row->job->done_ranks;
  }
  json::array files;
  for (const auto& f : listing.files) {
    json::object o{{"path", f.path}, {"mtime", f.mtime}};
    o["rank"] = f.rank >= 0 ? json::value(f.rank) : json::value(nullptr);
    json::value state = nullptr;
    if (f.rank >= 0) {
      if (auto it = states.find(f.rank); it != states.end()) state = to_string(it->second);
      else if (std::binary_search(done.begin(), done.end(), f.rank)) state = "complete";
    }
    o["state"] = std::move(state);
    files.push_back(std::move(o));
  }
  json::object out{{"id", entry.id}, {"files", std::move(files)}, {"total", listing.total},
                   {"default", default_log(entry, listing)}};
  if (!listing.error.empty()) out["error"] = listing.error;
  return answer(out);
}

HttpResponse log(const RegistryEntry& entry, const JobRegistry& registry, const HttpRequest& request,
                 const WebApiOptions& options) {
  const std::string file = query_value(request, "file");
  if (!valid_log_path(file)) return problem(400, "file must be logs/<name> or log/<name>");
  std::optional<std::uint64_t> offset;
  if (const std::string o = query_value(request, "offset"); !o.empty()) {
    const auto v = parse_decimal(o, 18);
    if (!v) return problem(400, "offset must be a non-negative integer");
    offset = *v;
  }
  std::size_t lines = 500;
  if (const std::string t = query_value(request, "tail"); !t.empty()) {
    const auto v = parse_decimal(t, 9);
    if (!v) return problem(400, "tail must be a non-negative integer");
    lines = std::min<std::size_t>(*v, options.max_log_lines);
  }
  const LogChunk chunk = read_log_from(registry.storage(), entry.path, file, offset, lines, options.max_log_bytes);
  json::object o = to_json(chunk);
  o["id"] = entry.id;
  o["file"] = file;
  return answer(o);
}

HttpResponse steps(const RegistryEntry& entry, const JobRegistry& registry) {
  if (entry.kind() != JobKind::datatrove)
    return answer(json::object{{"id", entry.id}, {"source", nullptr}, {"steps", json::array{}}, {"config", nullptr}});
  json::object o = step_stats(registry.storage(), entry.path);
  o["id"] = entry.id;
  o["config"] = executor_preview(registry.storage(), entry.path);
  return answer(o);
}

}  // namespace

std::optional<HttpResponse> page_route(const HttpRequest& request, JobRegistry& registry, HostResources& resources,
                                       const WebApiOptions& options) {
  const std::string& p = request.path;
  if (p == "/api/warnings") return warnings(registry);
  if (p == "/api/resources/history") {
    resources.sample(wall_clock_now());  // a client that only reads the history still adds to it
    return answer(to_json(resources.history()));
  }
  if (!p.starts_with("/api/jobs/")) return std::nullopt;
  const std::string rest = p.substr(10);
  const auto slash = rest.find('/');
  if (slash == std::string::npos) return std::nullopt;
  const std::string id = rest.substr(0, slash), route = rest.substr(slash);
  if (route != "/log-files" && route != "/log" && route != "/steps") return std::nullopt;
  const auto entry = registry.find(id);
  if (!entry) return problem(404, "no such job");
  if (route == "/log-files") return log_files(*entry, registry);
  if (route == "/log") return log(*entry, registry, request, options);
  return steps(*entry, registry);
}

}  // namespace jobmon::detail
