// WebApi: the JSON API and page of jobmon-serve as a pure request -> response
// function over a JobRegistry, independent of the HTTP library, so every
// route is unit-tested without sockets. /api/stream is not here: Server-Sent
// Events need a held connection, so the server writes an EventStream's frames.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jobmon/server/host_resources.hpp"
#include "jobmon/server/job_registry.hpp"

namespace jobmon {

namespace detail {
class AnswerCache;
}

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // decoded path, no query
  std::multimap<std::string, std::string> query;
  std::string authorization;  // the Authorization header, if any
  std::string host;           // the Host header, if any
  std::string if_none_match;  // If-None-Match: ETags whose answer the client holds (304 when one matches)
  std::string last_event_id;  // Last-Event-ID: where a reconnecting event stream resumes
};

// A response's body: an immutable text, its own or shared with a cache (the
// first /api/jobs page, the dashboard), so that the answers in flight to slow
// readers hold one copy between them instead of one each. Reads like a string.
class ResponseBody {
 public:
  ResponseBody() = default;
  ResponseBody(std::string text) : text_(std::make_shared<const std::string>(std::move(text))) {}  // NOLINT: implicit
  ResponseBody(const char* text) : ResponseBody(std::string(text)) {}                                // NOLINT: implicit
  explicit ResponseBody(std::shared_ptr<const std::string> shared) : text_(std::move(shared)) {}

  const std::string& str() const { return text_ ? *text_ : none(); }
  operator const std::string&() const { return str(); }  // NOLINT: implicit, reads like a string
  operator std::string_view() const { return str(); }    // NOLINT
  operator boost::json::string_view() const { return str(); }  // NOLINT: json::parse(response.body)
  // The text itself, kept alive by whoever writes it out (null: no body).
  const std::shared_ptr<const std::string>& shared() const { return text_; }
  const char* c_str() const { return str().c_str(); }
  const char* data() const { return str().data(); }
  std::size_t size() const { return str().size(); }
  bool empty() const { return str().empty(); }
  std::size_t find(std::string_view what, std::size_t pos = 0) const { return str().find(what, pos); }
  friend std::string operator+(std::string a, const ResponseBody& b) { return a += b.str(); }
  friend bool operator==(const ResponseBody& a, std::string_view b) { return a.str() == b; }

 private:
  static const std::string& none() {
    static const std::string none;
    return none;
  }
  std::shared_ptr<const std::string> text_;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  ResponseBody body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct WebApiOptions {
  std::string token;                   // when set, required as a bearer token (or ?token=)
  std::size_t max_log_lines = 2000;    // per file in /logs
  std::uint64_t max_log_bytes = 256 * 1024;  // read from the end of each file in /logs
  std::size_t max_log_files = 8;
  std::size_t max_path_length = 2048;
  // /api/jobs pages: 10,000 jobs would be a 4 MB answer on every poll.
  std::size_t default_page_size = kDefaultJobsPageSize;
  std::size_t max_page_size = 100000;
};

class WebApi {
 public:
  WebApi(JobRegistry& registry, HostResources& resources, WebApiOptions options = {});
  ~WebApi();
  WebApi(const WebApi&) = delete;
  WebApi& operator=(const WebApi&) = delete;

  // The answer to a request, with the headers every answer carries. A 200 has
  // an ETag and "Cache-Control: private, no-cache" unless its route chose
  // otherwise, and is a bodiless 304 when If-None-Match names its ETag.
  HttpResponse handle(const HttpRequest& request);
  // What handle() answers before any route when a request may not be served
  // (too long, a write method, a non-loopback Host without a token, a missing
  // token); nothing when it may. The transport asks it before holding a
  // connection open for /api/stream.
  std::optional<HttpResponse> refusal(const HttpRequest& request) const;
  // True when the request carries the token (or none is configured).
  bool authorized(const HttpRequest& request) const;

 private:
  // The answer before the headers every answer gets (handle() adds them).
  HttpResponse route(const HttpRequest& request);
  HttpResponse page(int status);
  HttpResponse jobs(const HttpRequest& request, Lifecycle lifecycle);
  HttpResponse statistics();
  HttpResponse job(const std::string& id);
  HttpResponse logs(const std::string& id, const HttpRequest& request);
  HttpResponse resources();
  HttpResponse metrics();
  HttpResponse health(const HttpRequest& request);
  // The ETag of the registry's first page, hashed once per page rather than once per request.
  std::string first_page_etag(const std::shared_ptr<const std::string>& page);

  JobRegistry& registry_;
  HostResources& resources_;
  WebApiOptions options_;
  std::mutex etag_mutex_;
  std::weak_ptr<const std::string> etag_page_;  // guarded by etag_mutex_, as is:
  std::string first_page_etag_;
  std::unique_ptr<detail::AnswerCache> filtered_pages_;  // filtered /api/jobs pages of the current refresh
};

// What every answer carries, WebApi's and the transport's own: Cache-Control
// ("no-store" unless the answer chose one), X-Frame-Options: DENY,
// X-Content-Type-Options: nosniff, and a Content-Security-Policy with
// frame-ancestors 'none' (the page has its own, with the same).
void add_common_headers(HttpResponse& response);

// True for a name only this machine reaches (--bind without a token):
// "localhost" (any case), a dotted-quad 127.0.0.0/8 address, or ::1 in any
// IPv6 spelling, bare or in brackets. Nothing else: "127.0.0.1.evil.example",
// "127.1" and "localhost.example.com" are not loopback names.
bool loopback_address(std::string_view name);
// The token in a file (--token-file): its first line without surrounding
// blanks. Throws StorageError when unreadable (a FIFO or a huge file
// included), std::runtime_error when it holds no token.
std::string read_token_file(const std::string& path);
// True for an empty Host header or one naming a loopback address: localhost
// (any case, also "localhost."), 127.0.0.0/8 as a dotted quad or [IPv6 ::1],
// each with an optional ":port" of digits. Anything else, a name that only
// starts like one ("127.0.0.1.evil.example", a DNS-rebinding page) or a
// malformed port ("localhost:", "127.0.0.1:80:80", "[::1]x"), is refused.
bool loopback_host(const std::string& host);

// Prometheus text exposition of the registry's jobs and totals.
std::string prometheus_metrics(const std::vector<RegistryEntry>& entries, const Totals& totals, double now);

// The dashboard page (HTML with inline CSS, JS and SVG charts).
const std::string& dashboard_html();

}  // namespace jobmon
