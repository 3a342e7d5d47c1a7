#include "jobmon/server/web_api.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <cstring>
#include <stdexcept>

#include "core/text/text.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/datatrove/json.hpp"
#include "jobmon/error.hpp"
#include "jobmon/json.hpp"
#include "jobmon/version.hpp"
#include "server/api/page_routes.hpp"
#include "server/http/answer_cache.hpp"
#include "server/job_logs.hpp"
#include "server/registry_entries.hpp"

namespace jobmon {
namespace json = boost::json;
namespace {

// A 200 answer gets its ETag and "private, no-cache" in WebApi::handle; any other sets no-store.
HttpResponse json_response(const json::value& v, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = to_compact_json(v);
  return r;
}

HttpResponse error_response(int status, const std::string& message) {
  HttpResponse r = json_response(json::object{{"error", message}, {"status", status}}, status);
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

const std::string* header_of(const HttpResponse& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (key == name) return &value;
  }
  return nullptr;
}

// A fingerprint of an answer's bytes for its ETag: not a secret, only fast
// (filtered pages are hashed on every request): four independent lanes of
// multiply and xor-shift over 8-byte words, folded at the end; ~3x std::hash.
// `seed` chains pieces: fingerprint(b, fingerprint(a)).
std::uint64_t fingerprint(std::string_view text, std::uint64_t seed = 0) {
  constexpr std::uint64_t k = 0x9e3779b97f4a7c15ull;
  std::uint64_t lane[4] = {text.size() ^ seed, k, k << 1, k >> 1};
  auto mix = [&](std::uint64_t& h, std::uint64_t word) {
    h = (h ^ word) * k;
    h ^= h >> 29;
  };
  const char* p = text.data();
  std::size_t n = text.size();
  std::uint64_t word = 0;
  for (; n >= 32; p += 32, n -= 32) {
    for (int i = 0; i < 4; ++i) {
      std::memcpy(&word, p + 8 * i, 8);
      mix(lane[i], word);
    }
  }
  for (; n >= 8; p += 8, n -= 8) {
    std::memcpy(&word, p, 8);
    mix(lane[0], word);
  }
  word = 0;
  if (n > 0) std::memcpy(&word, p, n);  // (an empty view's data may be null)
  mix(lane[1], word);
  std::uint64_t h = lane[0];
  for (int i = 1; i < 4; ++i) mix(h, lane[i]);
  return h ^ (h >> 32);
}

// The validator of an answer: the same bytes give the same tag, across
// restarts too. JSON answers say when the registry was last refreshed
// ("generated_at"), which moves every few seconds when no job does: the tag
// leaves it out, so that a poll between changes is a 304, and is weak (W/:
// the same content, not the same bytes, RFC 9110 8.8.1).
std::string etag_of(std::string_view body, bool json) {
  if (!json) return fmt::format("\"{:016x}{:04x}\"", fingerprint(body), body.size() & 0xffff);
  constexpr std::string_view stamp = "\"generated_at\":\"";  // inside a JSON string its quotes are escaped
  std::uint64_t h = 0;
  std::size_t from = 0;
  for (std::size_t at; (at = body.find(stamp, from)) != std::string_view::npos;) {
    h = fingerprint(body.substr(from, at - from), h);
    const std::size_t end = body.find('"', at + stamp.size());
    from = end == std::string_view::npos ? body.size() : end + 1;
  }
  return fmt::format("W/\"{:016x}\"", fingerprint(body.substr(from), h));
}

// If-None-Match: "*" or a list of entity tags, compared weakly (W/ ignored on both sides, RFC 9110 13.1.2).
bool etag_matches(std::string_view header, std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view item = detail::trim(header.substr(0, comma), " \t");
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (item == "*") return true;
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == etag) return true;
  }
  return false;
}

// Every value given for `key`: repeated parameters and comma-separated lists
// ("status=failed,running&status=stalled"), empty items dropped.
std::vector<std::string> query_values(const HttpRequest& req, const std::string& key) {
  std::vector<std::string> out;
  const auto [first, last] = req.query.equal_range(key);
  for (auto it = first; it != last; ++it) {
    std::string_view rest = it->second;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view item = detail::trim(rest.substr(0, comma), " ");
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (!item.empty()) out.emplace_back(item);
    }
  }
  return out;
}

// The words of a filter parameter as a set of values (bit i: value i); nullopt
// when a word is not one of them, so a typo is an error rather than an empty list.
template <class Enum, class Parse>
std::optional<unsigned> parse_filter(const std::vector<std::string>& words, Parse parse) {
  unsigned set = 0;
  for (const auto& w : words) {
    const std::optional<Enum> value = parse(w);
    if (!value) return std::nullopt;
    set |= 1u << static_cast<unsigned>(*value);
  }
  return set;
}

// A job page's id: 16 lowercase hex digits, as job_id_for writes them.
bool well_formed_id(std::string_view id) {
  return id.size() == 16 && std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
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
    : registry_(registry),
      resources_(resources),
      options_(std::move(options)),
      filtered_pages_(std::make_unique<detail::AnswerCache>()) {}

WebApi::~WebApi() = default;

bool WebApi::authorized(const HttpRequest& request) const {
  if (options_.token.empty()) return true;
  const std::string bearer = "Bearer " + options_.token;
  if (constant_time_equal(request.authorization, bearer)) return true;
  // ?token= only where a browser cannot send a header (the page and EventSource),
  // so the token does not end up in the URLs of every API call.
  const std::string& p = request.path;
  const bool query_allowed = p == "/" || p == "/index.html" || p.starts_with("/job/") || p == "/compare" || p == "/api/stream";
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

void add_common_headers(HttpResponse& response) {
  if (!header_of(response, "Cache-Control")) response.headers.push_back({"Cache-Control", "no-store"});
  // No page may frame an answer (clickjacking); the page's own policy says the same in its CSP.
  response.headers.push_back({"X-Frame-Options", "DENY"});
  if (!header_of(response, "X-Content-Type-Options")) response.headers.push_back({"X-Content-Type-Options", "nosniff"});
  if (!header_of(response, "Content-Security-Policy"))
    response.headers.push_back({"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"});
}

HttpResponse WebApi::handle(const HttpRequest& request) {
  HttpResponse r = route(request);
  // A 200 that chose no caching of its own may be kept by the browser, which
  // asks again with If-None-Match every time: an unchanged answer is then a
  // bodiless 304. "private": answers may need the token.
  if (r.status == 200 && !header_of(r, "Cache-Control")) {
    if (!header_of(r, "ETag")) r.headers.push_back({"ETag", etag_of(r.body, r.content_type == "application/json")});
    r.headers.push_back({"Cache-Control", "private, no-cache"});
    if (!request.if_none_match.empty() && etag_matches(request.if_none_match, *header_of(r, "ETag"))) {
      r.status = 304;
      r.body = ResponseBody();
    }
  }
  add_common_headers(r);
  return r;
}

HttpResponse WebApi::route(const HttpRequest& request) {
  if (auto refused = refusal(request)) return std::move(*refused);
  if (auto page = detail::page_route(request, registry_, resources_, options_)) return std::move(*page);
  const std::string& p = request.path;
  if (p == "/healthz") return health(request);
  if (p == "/favicon.ico") {
    HttpResponse r;
    r.status = 204;  // the page declares an inline icon; this keeps other clients quiet
    r.content_type = "image/x-icon";
    r.headers.push_back({"Cache-Control", "max-age=86400"});
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
  if (p == "/" || p == "/index.html") return page(200);
  // A malformed id can name no job: the same page, as a 404, shows its not-found state.
  if (p.starts_with("/job/")) return page(well_formed_id(std::string_view(p).substr(5)) ? 200 : 404);
  if (p == "/compare") return page(200);
  if (p == "/metrics") return metrics(request);
  if (p == "/api/jobs.csv") return jobs_csv();
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
    if (!well_formed_id(id)) return error_response(404, "no such job");
    if (tail.empty()) return job(id);
    if (tail == "/logs") return logs(id, request);
    return error_response(404, "no such route");
  }
  return error_response(404, "no such route");
}

HttpResponse WebApi::page(int status) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  static const auto page = std::make_shared<const std::string>(dashboard_html());
  static const std::string etag = etag_of(*page, false);
  r.body = ResponseBody(page);  // shared by every answer, not copied
  r.headers.push_back({"Content-Security-Policy",
                       "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                       "connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'"});
  if (status == 200) r.headers.push_back({"ETag", etag});
  else r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

HttpResponse WebApi::jobs(const HttpRequest& request, Lifecycle lifecycle) {
  const std::vector<std::string> statuses = query_values(request, "status");
  const std::vector<std::string> kinds = query_values(request, "kind");
  const std::optional<unsigned> wanted_statuses = parse_filter<JobStatus>(statuses, parse_job_status);
  if (!wanted_statuses) return error_response(400, "unknown status: use running, failed, stalled, pending or complete");
  const std::optional<unsigned> wanted_kinds = parse_filter<JobKind>(kinds, parse_job_kind);
  if (!wanted_kinds) return error_response(400, "unknown kind: use datatrove, data_juicer or training");
  const std::string q = detail::ascii_lower(query_value(request, "q"));
  std::int64_t limit = static_cast<std::int64_t>(options_.default_page_size);
  std::int64_t offset = 0;
  if (const std::string l = query_value(request, "limit"); !l.empty()) {
    auto parsed = parse_count(l, static_cast<std::int64_t>(options_.max_page_size));
    // A page of none would never advance: a client paging by next_offset would loop.
    if (!parsed || *parsed == 0) return error_response(400, "limit must be a positive integer");
    limit = *parsed;
  }
  if (const std::string o = query_value(request, "offset"); !o.empty()) {
    auto parsed = parse_count(o, INT64_MAX / 2);
    if (!parsed) return error_response(400, "offset must be a non-negative integer");
    offset = *parsed;
  }
  HttpResponse r;
  const bool unfiltered = lifecycle == Lifecycle::any && statuses.empty() && q.empty() && kinds.empty();
  if (unfiltered && offset == 0 && limit == static_cast<std::int64_t>(registry_.options().jobs_page_size)) {
    // The dashboard's request: serialised once per refresh, and shared (not
    // copied) by every answer in flight, however slowly its client reads;
    // its ETag is computed once per page too.
    auto shared = registry_.first_jobs_page();
    r.headers.push_back({"ETag", first_page_etag(shared)});
    r.body = ResponseBody(std::move(shared));
    return r;
  }
  // A filtered page walks every job: rendered once per refresh and filter,
  // then answered (and its ETag computed) from the cache.
  const auto entries = registry_.entries_view();
  const double refreshed = registry_.last_refresh();
  const std::string key = fmt::format("{} {} {} {} {} {}", static_cast<int>(lifecycle), *wanted_statuses, *wanted_kinds,
                                      offset, limit, q);
  if (auto cached = filtered_pages_->find(key, entries, refreshed)) {
    r.headers.push_back({"ETag", std::move(cached->etag)});
    r.body = ResponseBody(std::move(cached->body));
    return r;
  }
  // The words were matched once per request, not once per entry, so the
  // per-entry test stays a few compares.
  auto keep = [&](const RegistryEntry& e) {
    if (!e.in(lifecycle)) return false;
    if (!statuses.empty() && !(*wanted_statuses & (1u << static_cast<unsigned>(e.status)))) return false;
    if (!kinds.empty() && !(*wanted_kinds & (1u << static_cast<unsigned>(e.kind())))) return false;
    return q.empty() || detail::ascii_lower(e.name).find(q) != std::string::npos || detail::ascii_lower(e.path).find(q) != std::string::npos;
  };
  auto body = std::make_shared<const std::string>(detail::render_jobs_page(*entries, keep, offset, limit, refreshed));
  detail::AnswerCache::Answer answer{body, etag_of(*body, true)};
  r.headers.push_back({"ETag", answer.etag});
  filtered_pages_->store(key, entries, refreshed, std::move(answer));
  r.body = ResponseBody(std::move(body));
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

std::string WebApi::first_page_etag(const std::shared_ptr<const std::string>& page) {
  if (!page) return etag_of("", true);
  const std::lock_guard lock(etag_mutex_);
  if (etag_page_.lock() != page) {  // a refresh made a new page (an expired one never matches)
    etag_page_ = page;
    first_page_etag_ = etag_of(*page, true);
  }
  return first_page_etag_;
}

HttpResponse WebApi::resources() { return json_response(to_json(resources_.sample(wall_clock_now()))); }

HttpResponse WebApi::metrics(const HttpRequest& request) {
  HttpResponse r;
  MetricsOptions o = options_.metrics;
  o.openmetrics = accepts_openmetrics(request.accept);
  r.content_type = metrics_content_type(o.openmetrics);
  r.headers.push_back({"Cache-Control", "no-store"});  // a scrape wants now, not a validator
  const auto entries = registry_.entries_view();
  MetricsInputs in;
  in.entries = entries.get();
  in.warnings = registry_.warnings().size();
  in.last_refresh = registry_.last_refresh();
  in.refresh_duration_seconds = registry_.last_refresh_duration();
  r.body = render_metrics(in, o);
  return r;
}

// Every job, one CSV line each (every kind: done/total/failed in the job's unit).
HttpResponse WebApi::jobs_csv() {
  HttpResponse r;
  r.content_type = "text/csv; charset=utf-8";
  r.headers.push_back({"Content-Disposition", "attachment; filename=\"jobs.csv\""});
  r.headers.push_back({"Cache-Control", "no-store"});
  r.body = detail::jobs_csv(*registry_.entries_view());
  return r;
}

HttpResponse WebApi::health(const HttpRequest& request) {
  // Served without the token (load balancers probe it): then only "alive",
  // nothing about what is monitored or which build answers.
  json::object o{{"ok", true}};
  if (authorized(request)) {
    o["version"] = version_string;
    o["jobs"] = registry_.entries_view()->size();
    o["last_refresh"] = format_iso8601(registry_.last_refresh());
  }
  HttpResponse r = json_response(o);
  r.headers.push_back({"Cache-Control", "no-store"});  // a probe wants now
  return r;
}

}  // namespace jobmon
