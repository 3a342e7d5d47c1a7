#include "jobmon/server/web_api.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <boost/json.hpp>
#include <stdexcept>

#include "core/text/text.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/datatrove/json.hpp"
#include "jobmon/error.hpp"
#include "jobmon/json.hpp"
#include "jobmon/version.hpp"
#include "server/api/page_routes.hpp"
#include "server/job_logs.hpp"
#include "server/registry_entries.hpp"

namespace jobmon {
namespace json = boost::json;
namespace {

HttpResponse json_response(const json::value& v, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = to_compact_json(v);
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

HttpResponse error_response(int status, const std::string& message) {
  return json_response(json::object{{"error", message}, {"status", status}}, status);
}

std::string query_value(const HttpRequest& req, const std::string& key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? std::string() : it->second;
}

// Parses a small non-negative integer; nullopt when malformed.
std::optional<std::int64_t> parse_count(const std::string& s, std::int64_t max) {
  const auto v = detail::parse_decimal(s, 12);
  if (!v) return std::nullopt;
  return std::min(static_cast<std::int64_t>(*v), max);
}

// A port in a Host header: 1 to 5 digits, at most 65535.
bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  return std::stoul(std::string(port)) <= 65535;
}

// 127.0.0.0/8 written as a dotted quad (inet_pton takes no other form: no
// "127.1", no octal, nothing after the fourth number).
bool loopback_ipv4(std::string_view text) {
  in_addr address{};
  if (::inet_pton(AF_INET, std::string(text).c_str(), &address) != 1) return false;
  return (ntohl(address.s_addr) >> 24) == 127;
}

// ::1 in any IPv6 spelling, without brackets.
bool loopback_ipv6(std::string_view text) {
  in6_addr address{};
  if (::inet_pton(AF_INET6, std::string(text).c_str(), &address) != 1) return false;
  return IN6_IS_ADDR_LOOPBACK(&address);
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

WebApi::WebApi(JobRegistry& registry, HostResources& resources, WebApiOptions options)
    : registry_(registry), resources_(resources), options_(std::move(options)) {}

bool WebApi::authorized(const HttpRequest& request) const {
  if (options_.token.empty()) return true;
  const std::string bearer = "Bearer " + options_.token;
  if (constant_time_equal(request.authorization, bearer)) return true;
  // ?token= only where a browser cannot send a header (the page and EventSource),
  // so the token does not end up in the URLs of every API call.
  const std::string& p = request.path;
  const bool query_allowed = p == "/" || p == "/index.html" || p.starts_with("/job/") || p == "/api/stream";
  return query_allowed && constant_time_equal(query_value(request, "token"), options_.token);
}

bool loopback_address(std::string_view name) {
  if (name.find('\0') != std::string_view::npos) return false;  // inet_pton would stop there
  if (detail::ascii_lower(name) == "localhost") return true;
  if (name.size() > 2 && name.front() == '[' && name.back() == ']')
    return loopback_ipv6(name.substr(1, name.size() - 2));
  return loopback_ipv4(name) || loopback_ipv6(name);
}

std::string read_token_file(const std::string& path) {
  const std::string text = LocalStorage().read(path, 64 * 1024);
  const std::string token(detail::trim(text.substr(0, text.find_first_of("\r\n")), " \t"));
  if (token.empty()) throw std::runtime_error(path + ": the token file is empty");
  return token;
}

bool loopback_host(const std::string& host) {
  if (host.empty()) return true;  // HTTP/1.0 clients (curl -0, wrk) may send none
  if (host.find('\0') != std::string::npos) return false;
  std::string_view name = host, port;
  bool has_port = false;
  if (name.starts_with('[')) {  // [IPv6]:port
    const auto close = name.find(']');
    if (close == std::string_view::npos) return false;
    if (close + 1 < name.size()) {
      if (name[close + 1] != ':') return false;  // "[::1]x"
      has_port = true;
      port = name.substr(close + 2);
    }
    if (has_port && !valid_port(port)) return false;
    return loopback_ipv6(name.substr(1, close - 1));
  }
  if (const auto colon = name.find(':'); colon != std::string_view::npos) {
    has_port = true;
    port = name.substr(colon + 1);
    name = name.substr(0, colon);
  }
  if (has_port && !valid_port(port)) return false;  // "localhost:", "127.0.0.1:80:80"
  const std::string lower = detail::ascii_lower(name);
  // "localhost." is the same name written fully qualified; browsers send it as typed.
  return lower == "localhost" || lower == "localhost." || loopback_ipv4(name);
}

std::optional<HttpResponse> WebApi::refusal(const HttpRequest& request) const {
  if (request.path.size() > options_.max_path_length) return error_response(414, "request path too long");
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse r = error_response(405, "read-only API: only GET and HEAD");
    r.headers.push_back({"Allow", "GET, HEAD"});
    return r;
  }
  // Without a token only loopback is served, and only under a loopback name:
  // a web page whose hostname re-resolves to 127.0.0.1 (DNS rebinding) sends
  // its own hostname in Host and is refused.
  if (options_.token.empty() && !loopback_host(request.host))
    return error_response(403, "unexpected Host header: without --token only localhost names are served");
  const std::string& p = request.path;
  if (p == "/healthz" || p == "/favicon.ico") return std::nullopt;  // no token needed
  if (!authorized(request)) {
    HttpResponse r = error_response(401, "a bearer token is required");
    r.headers.push_back({"WWW-Authenticate", "Bearer"});
    return r;
  }
  return std::nullopt;
}

HttpResponse WebApi::handle(const HttpRequest& request) {
  if (auto refused = refusal(request)) return std::move(*refused);
  if (auto page = detail::page_route(request, registry_, resources_, options_)) return std::move(*page);
  const std::string& p = request.path;
  if (p == "/healthz") return health();
  if (p == "/favicon.ico") {
    HttpResponse r;
    r.status = 204;  // the page declares an inline icon; this keeps other clients quiet
    r.content_type = "image/x-icon";
    return r;
  }
  if (p == "/api/stream") {
    // The events themselves are written by the transport, which holds the
    // connection; here only what HEAD (or a caller without one) is told.
    HttpResponse r;
    r.content_type = "text/event-stream";
    r.headers.push_back({"Cache-Control", "no-store"});
    return r;
  }
  if (p == "/" || p == "/index.html" || p.starts_with("/job/")) {
    HttpResponse r;
    r.content_type = "text/html; charset=utf-8";
    static const auto page = std::make_shared<const std::string>(dashboard_html());
    r.body = ResponseBody(page);  // shared by every answer, not copied
    r.headers.push_back({"Content-Security-Policy",
                         "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                         "connect-src 'self'; img-src 'self' data:"});
    r.headers.push_back({"X-Content-Type-Options", "nosniff"});
    return r;
  }
  if (p == "/metrics") return metrics();
  if (p == "/api/resources") return resources();
  if (p == "/api/jobs") return jobs(request, Lifecycle::any);
  if (p == "/api/jobs/current") return jobs(request, Lifecycle::current);
  if (p == "/api/jobs/past") return jobs(request, Lifecycle::past);
  if (p == "/api/jobs/statistics") return statistics();
  if (p.starts_with("/api/jobs/")) {
    std::string rest = p.substr(10);
    const auto slash = rest.find('/');
    const std::string id = rest.substr(0, slash);
    const std::string tail = slash == std::string::npos ? "" : rest.substr(slash);
    // Ids are 16 hex digits; anything else (dots, slashes, encoded paths) is simply unknown.
    const bool well_formed = id.size() == 16 && std::all_of(id.begin(), id.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
    if (!well_formed) return error_response(404, "no such job");
    if (tail.empty()) return job(id);
    if (tail == "/logs") return logs(id, request);
    return error_response(404, "no such route");
  }
  return error_response(404, "no such route");
}

HttpResponse WebApi::jobs(const HttpRequest& request, Lifecycle lifecycle) {
  const std::string status = query_value(request, "status");
  const std::string q = detail::ascii_lower(query_value(request, "q"));
  const std::string kind = query_value(request, "kind");
  std::int64_t limit = static_cast<std::int64_t>(options_.default_page_size);
  std::int64_t offset = 0;
  if (const std::string l = query_value(request, "limit"); !l.empty()) {
    auto parsed = parse_count(l, static_cast<std::int64_t>(options_.max_page_size));
    if (!parsed) return error_response(400, "limit must be a non-negative integer");
    limit = *parsed;
  }
  if (const std::string o = query_value(request, "offset"); !o.empty()) {
    auto parsed = parse_count(o, INT64_MAX / 2);
    if (!parsed) return error_response(400, "offset must be a non-negative integer");
    offset = *parsed;
  }
  HttpResponse r;
  r.headers.push_back({"Cache-Control", "no-store"});
  const bool unfiltered = lifecycle == Lifecycle::any && status.empty() && q.empty() && kind.empty();
  if (unfiltered && offset == 0 && limit == static_cast<std::int64_t>(registry_.options().jobs_page_size)) {
    // The dashboard's request: serialised once per refresh, and shared (not
    // copied) by every answer in flight, however slowly its client reads.
    r.body = ResponseBody(registry_.first_jobs_page());
    return r;
  }
  // The words are matched once per request, not once per entry: a filtered
  // page walks every job, so the per-entry test must stay a few compares.
  // An unknown word parses to nothing, which no job equals.
  const std::optional<JobStatus> wanted_status = parse_job_status(status);
  const std::optional<JobKind> wanted_kind = parse_job_kind(kind);
  auto keep = [&](const RegistryEntry& e) {
    if (!e.in(lifecycle)) return false;
    if (!status.empty() && wanted_status != e.status) return false;
    if (!kind.empty() && wanted_kind != e.kind()) return false;
    return q.empty() || detail::ascii_lower(e.name).find(q) != std::string::npos || detail::ascii_lower(e.path).find(q) != std::string::npos;
  };
  r.body = detail::render_jobs_page(*registry_.entries_view(), keep, offset, limit, registry_.last_refresh());
  return r;
}

HttpResponse WebApi::statistics() {
  const Totals t = registry_.totals();
  json::object by_status{{"running", t.jobs_running}, {"failed", t.jobs_failed}, {"stalled", t.jobs_stalled},
                         {"pending", t.jobs_pending}, {"complete", t.jobs_completed}};
  json::object o = to_json(t).as_object();
  o["by_status"] = std::move(by_status);
  o["warnings"] = static_cast<std::int64_t>(registry_.warnings().size());
  o["generated_at"] = format_iso8601(registry_.last_refresh());
  return json_response(o);
}

HttpResponse WebApi::job(const std::string& id) {
  auto detail = registry_.detail(id);
  if (!detail) return error_response(404, "no such job");
  return json_response(*detail);
}

HttpResponse WebApi::logs(const std::string& id, const HttpRequest& request) {
  const auto entry = registry_.find(id);
  if (!entry) return error_response(404, "no such job");
  std::int64_t lines = 200;
  if (const std::string t = query_value(request, "tail"); !t.empty()) {
    auto parsed = parse_count(t, static_cast<std::int64_t>(options_.max_log_lines));
    if (!parsed) return error_response(400, "tail must be a non-negative integer");
    lines = *parsed;
  }
  const Storage& storage = registry_.storage();
  // Symlinks are not followed (job_logs.hpp says how). This look only gives
  // the usual case its message: the reads below refuse links themselves.
  if (storage.lstat(storage.join(entry->path, detail::logs_dir_name)).type == EntryType::symlink)
    return json_response(json::object{{"id", id}, {"files", json::array{}}, {"error", "logs/ is a symlink: not followed"}});
  const std::string rank_text = query_value(request, "rank");
  std::vector<detail::LogFile> files;
  if (const auto* row = std::get_if<JobRow>(&entry->source)) {
    std::vector<std::int64_t> ranks;
    if (!rank_text.empty()) {
      auto parsed = parse_count(rank_text, INT64_MAX / 2);
      if (!parsed || *parsed >= entry->total) return error_response(400, "rank must be an integer below world_size");
      ranks.push_back(*parsed);
    } else {
      for (const auto& issue : row->job->rank_issues) {
        if (issue.state == RankState::failed && ranks.size() < options_.max_log_files) ranks.push_back(issue.rank);
      }
    }
    files = detail::rank_log_files(ranks);
  } else {
    if (!rank_text.empty()) return error_response(400, "rank applies to datatrove jobs only");
    files = detail::newest_log_files(storage, entry->path, options_.max_log_files);
  }
  json::array out_files;
  for (const auto& file : files)
    out_files.push_back(
        detail::log_file_tail(storage, entry->path, file, static_cast<std::size_t>(lines), options_.max_log_bytes));
  return json_response(json::object{{"id", id}, {"files", std::move(out_files)}});
}

HttpResponse WebApi::resources() { return json_response(to_json(resources_.sample(wall_clock_now()))); }

HttpResponse WebApi::metrics() {
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = prometheus_metrics(*registry_.entries_view(), registry_.totals(), wall_clock_now());
  return r;
}

HttpResponse WebApi::health() {
  return json_response(json::object{{"ok", true},
                                    {"version", version_string},
                                    {"jobs", registry_.entries_view()->size()},
                                    {"last_refresh", format_iso8601(registry_.last_refresh())}});
}

}  // namespace jobmon
