#include "hub/hub_http.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <chrono>
#include <cmath>
#include <deque>
#include <memory>
#include <thread>

#include "core/system/curl.hpp"
#include "core/text/text.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/version.hpp"

namespace jobmon::detail {

namespace {

using Clock = std::chrono::steady_clock;

struct Transfer {
  std::size_t index = 0;
  const HubHttpRequest* request = nullptr;
  std::string url;
  std::string origin;  // where the token may go
  std::string method;
  int tries = 0;
  int redirects = 0;
  Clock::time_point ready_at{};
  CURL* easy = nullptr;
  detail::CurlHeaderList headers;
  HubHttpResponse response;
  std::uint64_t max_body = 0;
  bool too_large = false;
  bool cut_by_deadline = false;  // this try's timeout is the deadline, not request_timeout
  char error_buffer[CURL_ERROR_SIZE] = {};
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  return detail::append_capped(t->response.body, t->max_body, t->too_large, data, size * count);
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  const std::string_view line(data, n);
  if (line.substr(0, 5) == "HTTP/") {
    t->response.headers.clear();  // a new response (after 100 Continue)
    return n;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  const std::string name = detail::ascii_lower(line.substr(0, colon));
  const std::string value(detail::trim_right(detail::trim_left(line.substr(colon + 1), " \t"), " \t\r\n"));
  auto [it, inserted] = t->response.headers.emplace(name, value);
  if (!inserted) it->second += ", " + value;
  return n;
}

// The path of a URL without its query (a signed CDN URL carries its signature there).
std::string request_path(const std::string& url) {
  const std::size_t scheme = url.find("://");
  const std::size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) return "/";
  return url.substr(path, url.find_first_of("?#", path) - path);
}

// "21:55:03 UTC": when the next try goes out.
std::string format_clock_time(double epoch_seconds) {
  const std::string stamp = format_timestamp(epoch_seconds, true);  // "YYYY-MM-DD HH:MM:SS UTC"
  return stamp.size() > 11 ? stamp.substr(11) : stamp;
}

double backoff_seconds(const HubRetryPolicy& policy, int tries) {
  return detail::backoff_delay({policy.base_seconds, policy.max_seconds, 0}, tries, 0);
}

}  // namespace

std::string HubHttpResponse::header(const std::string& lower_name) const {
  const auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string host_of(const std::string& url) {
  CURLU* u = curl_url();
  std::string out;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char *host = nullptr, *port = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) out = host;
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK) out += std::string(":") + port;
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return out.empty() ? url : out;
}

namespace {

// The host as the URL writes it (between "scheme://", any "user@" and the
// port or path), or nothing when the URL is not written "scheme://host..."
// in plain ASCII. curl is lenient where a comparison of origins must not be:
// it reads "http:/host" and "http:///host" as "http://host", decodes "%39" in
// a host to "9" without then reading "9" as the IPv4 address 0.0.0.9 (as it
// does for a plain "9"), and stops at a NUL byte that the string goes on
// past; any of these would give one host two origins.
std::optional<std::string_view> written_host(std::string_view url) {
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return std::nullopt;
  }
  const std::size_t colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  for (const char c : url.substr(0, colon)) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '+' && c != '-' && c != '.') return std::nullopt;
  }
  const std::string_view rest = url.substr(colon + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#\\"));
  const std::size_t at = authority.find('@');
  if (at != authority.rfind('@')) return std::nullopt;  // which '@' ends the user info is a guess
  const std::string_view host = authority.substr(at == std::string_view::npos ? 0 : at + 1);
  // Names, IPv4 numbers, [IPv6] and a port; '%' (escaped bytes, an IPv6 zone) is not among them.
  for (const char c : host) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '-' && c != '.' && c != '_' && c != '~' && c != ':' && c != '[' && c != ']') return std::nullopt;
  }
  if (host.empty()) return std::nullopt;
  return host;
}

}  // namespace

std::string origin_of(const std::string& url) {
  // Only a URL written plainly, in ASCII, has an origin: an empty one never
  // equals another (see Batch::start), so the token stays home.
  if (!written_host(url)) return {};
  CURLU* u = curl_url();
  std::string out;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char *scheme = nullptr, *host = nullptr, *port = nullptr;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      // Lower case, the port always written (so "https://hf.co" and
      // "https://HF.co:443/" are one origin), IPv4 numbers as curl spells them.
      out = detail::ascii_lower(scheme) + "://" + detail::ascii_lower(host) + ":" + port;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return out;
}

bool is_retryable_status(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

namespace {

// One run() call: the batch's transfers, the queue of those waiting to
// (re)start, and the counts the loop ends on. Each step of the loop is a
// method so the state they share is the object's, not a lambda capture's.
class Batch {
 public:
  Batch(CURLM* multi, const HubConfig& config, HubCounters& counters, const std::vector<HubHttpRequest>& requests,
        int max_in_flight, std::optional<HubHttpSession::Deadline> deadline);
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  std::vector<HubHttpResponse> run();

 private:
  static constexpr int kMaxRedirects = 10;

  std::optional<Clock::time_point> start_due();
  void start(Transfer& t);
  void set_options(Transfer& t);
  void collect_finished();
  void complete(Transfer& t, CURLcode code);
  void on_transport_error(Transfer& t, CURLcode code);
  void on_response(Transfer& t);
  void follow_redirect(Transfer& t, const std::string& next_url);
  double retry_wait(const Transfer& t, long status, std::string& why) const;
  void retry_or_give_up(Transfer& t, const std::string& failure, double wait, bool answered);
  void give_up(Transfer& t, const std::string& why);
  std::string deadline_text() const;
  void wait(const std::optional<Clock::time_point>& next_due);
  void release(Transfer& t);
  void requeue(Transfer& t, double delay_seconds);
  void finish() { ++finished_; }

  CURLM* multi_;
  const HubConfig& config_;
  HubCounters& counters_;
  // unique_ptr: curl holds raw Transfer pointers (PRIVATE, WRITEDATA, HEADERDATA).
  std::vector<std::unique_ptr<Transfer>> transfers_;
  std::deque<Transfer*> waiting_;  // not started yet, or back for a retry/redirect at ready_at
  std::size_t cap_;
  std::size_t active_ = 0;
  std::size_t finished_ = 0;
  std::optional<HubHttpSession::Deadline> deadline_;
};

Batch::Batch(CURLM* multi, const HubConfig& config, HubCounters& counters, const std::vector<HubHttpRequest>& requests,
             int max_in_flight, std::optional<HubHttpSession::Deadline> deadline)
    : multi_(multi),
      config_(config),
      counters_(counters),
      cap_(static_cast<std::size_t>(std::max(1, max_in_flight))),
      deadline_(deadline) {
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto t = std::make_unique<Transfer>();
    t->index = i;
    t->request = &requests[i];
    t->url = requests[i].url;
    t->origin = origin_of(requests[i].url);
    t->method = requests[i].method;
    t->max_body = config_.max_body;
    waiting_.push_back(t.get());
    transfers_.push_back(std::move(t));
  }
}

// The multi handle outlives the batch (it belongs to the session): if a step
// throws, take our easy handles off it so the next run() starts clean.
Batch::~Batch() {
  for (auto& t : transfers_) {
    if (t->easy) release(*t);
  }
}

std::vector<HubHttpResponse> Batch::run() {
  while (finished_ < transfers_.size()) {
    const auto next_due = start_due();
    if (active_ == 0) {
      if (next_due) std::this_thread::sleep_until(*next_due);
      continue;
    }
    collect_finished();
    wait(next_due);
  }
  std::vector<HubHttpResponse> out;
  out.reserve(transfers_.size());
  for (auto& t : transfers_) out.push_back(std::move(t->response));
  return out;
}

// Starts the waiting transfers that are due, up to the cap; returns when the
// earliest of those left waiting is due (nothing if none is left).
std::optional<Clock::time_point> Batch::start_due() {
  const auto now = Clock::now();
  std::optional<Clock::time_point> next_due;
  for (std::size_t n = waiting_.size(); n > 0; --n) {
    Transfer* t = waiting_.front();
    waiting_.pop_front();
    if (deadline_ && now >= deadline_->at) {
      give_up(*t, "not sent: " + deadline_text() + " had passed");
    } else if (active_ < cap_ && t->ready_at <= now) {
      start(*t);
    } else {
      if (!next_due || t->ready_at < *next_due) next_due = t->ready_at;
      waiting_.push_back(t);
    }
  }
  return next_due;
}

// One try: a fresh easy handle and a fresh response, on the multi handle.
void Batch::start(Transfer& t) {
  t.easy = curl_easy_init();
  t.response.body.clear();
  t.response.headers.clear();
  t.too_large = false;
  t.error_buffer[0] = 0;
  ++t.tries;
  ++counters_.requests;
  t.headers.clear();
  for (const auto& h : t.request->headers) t.headers.add(h);
  // The token goes to the origin the caller addressed, never to a host a
  // redirect points at.
  if (t.request->with_token && config_.token && !t.origin.empty() && origin_of(t.url) == t.origin) {
    t.headers.add("Authorization: Bearer " + *config_.token);
  }
  set_options(t);
  curl_multi_add_handle(multi_, t.easy);
  ++active_;
}

void Batch::set_options(Transfer& t) {
  CURL* easy = t.easy;
  curl_easy_setopt(easy, CURLOPT_URL, t.url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t.headers.get());
  curl_easy_setopt(easy, CURLOPT_USERAGENT, (std::string("jobmon/") + version_string).c_str());
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);  // redirects by hand: see follow_redirect
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  detail::restrict_to_http(easy);
  double timeout = config_.request_timeout;
  t.cut_by_deadline = false;
  if (deadline_) {
    const double left = std::chrono::duration<double>(deadline_->at - Clock::now()).count();
    if (left < timeout) {
      timeout = left;
      t.cut_by_deadline = true;
    }
  }
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max(1.0, std::min(config_.connect_timeout, timeout) * 1000)));
  detail::set_transfer_limits(easy, {timeout, config_.min_speed, static_cast<long>(std::max(1.0, config_.stall_timeout))});
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t.error_buffer);
  if (t.method == "POST") {
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t.request->body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.request->body.size()));
  } else if (t.method != "GET") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, t.method.c_str());
  }
}

// Drives the transfers in flight and handles each one that has ended.
void Batch::collect_finished() {
  int running = 0;
  curl_multi_perform(multi_, &running);
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
    complete(*t, msg->data.result);
  }
}

// An ended try is done, retried or redirected.
void Batch::complete(Transfer& t, CURLcode code) {
  if (code != CURLE_OK) {
    on_transport_error(t, code);
  } else {
    on_response(t);
  }
}

void Batch::on_transport_error(Transfer& t, CURLcode code) {
  std::string why = t.too_large ? fmt::format("response larger than {} bytes", t.max_body)
                                : detail::describe_transfer_failure(t.easy, code, t.error_buffer);
  // The deadline's only when it has really passed: a connect timeout or a
  // stalled transfer cut earlier is retried like any other failure.
  const bool deadline_hit = code == CURLE_OPERATION_TIMEDOUT && t.cut_by_deadline && deadline_ &&
                            std::chrono::duration<double>(deadline_->at - Clock::now()).count() <= 0.05;
  if (deadline_hit) why = deadline_text() + " passed during the transfer: " + why;
  t.response.refused = code == CURLE_COULDNT_CONNECT;
  release(t);
  t.response.status = 0;
  t.response.url = t.url;
  // A body over the cap would be over it again, and the deadline is gone: not retried.
  if (t.too_large || deadline_hit) {
    give_up(t, why);
    return;
  }
  retry_or_give_up(t, host_of(t.url) + ": " + why, backoff_seconds(config_.retry, t.tries), false);
}

// Another try after `wait` seconds when tries and the deadline allow it
// (said through on_progress), else the transfer ends with `failure` (an
// answer whose tries ran out ends as it is: its status says enough).
void Batch::retry_or_give_up(Transfer& t, const std::string& failure, double wait, bool answered) {
  if (t.tries >= config_.retry.max_tries) {
    if (answered) finish();
    else give_up(t, failure);
    return;
  }
  if (deadline_ && Clock::now() + std::chrono::duration<double>(wait) >= deadline_->at) {
    give_up(t, fmt::format("{}; gave up after try {}: the next, in {:g} s, would pass {}", failure, t.tries,
                           std::ceil(wait * 10) / 10, deadline_text()));
    return;
  }
  ++counters_.retries;
  if (config_.on_progress) {
    // What is retried (the request, without its query) and when, by the clock.
    const std::string what = t.method + " " + request_path(t.url);
    config_.on_progress(fmt::format("{}: {}, retry {}/{} in {:g} s (at {})", what, failure, t.tries,
                                    config_.retry.max_tries - 1, std::ceil(wait * 10) / 10,
                                    format_clock_time(wall_clock_now() + wait)));
  }
  requeue(t, wait);
}

void Batch::give_up(Transfer& t, const std::string& why) {
  t.response.error = why;
  if (t.response.url.empty()) t.response.url = t.url;
  finish();
}

std::string Batch::deadline_text() const {
  return deadline_ ? fmt::format("the deadline of {:g} s", deadline_->seconds) : std::string("the deadline");
}

void Batch::on_response(Transfer& t) {
  long status = 0;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
  char* location = nullptr;
  curl_easy_getinfo(t.easy, CURLINFO_REDIRECT_URL, &location);
  const std::string next_url = location ? location : "";  // copied: it dies with the handle
  release(t);
  t.response.status = status;
  t.response.url = t.url;
  if (status >= 300 && status < 400 && !next_url.empty() && t.method == "GET") {
    follow_redirect(t, next_url);
    return;
  }
  if (is_retryable_status(status)) {
    std::string why;
    const double wait = retry_wait(t, status, why);
    retry_or_give_up(t, fmt::format("HTTP {} from {}{}", status, host_of(t.url), why), wait, true);
    return;
  }
  finish();
}

// start() re-checks the new URL's origin before it sends the token.
void Batch::follow_redirect(Transfer& t, const std::string& next_url) {
  if (t.redirects >= kMaxRedirects) {
    t.response.error = "too many redirects";
    finish();
    return;
  }
  // gopher:// would send the URL's bytes to any port, file:// read a local
  // file: only the web is followed. The scheme and origin only: the rest may
  // be long, or carry what a server wants echoed.
  if (!detail::is_http_url(next_url)) {
    const std::string origin = origin_of(next_url);
    const std::string where = !origin.empty() ? origin : next_url.substr(0, std::min<std::size_t>(next_url.find(':'), 16));
    give_up(t, fmt::format("refused to follow a redirect to {}: only http and https URLs are followed", where));
    return;
  }
  ++t.redirects;
  ++counters_.redirects;
  t.url = next_url;
  --t.tries;  // a redirect is not a failed try
  requeue(t, 0);
}

// Backoff, unless a 429/503 says how long to wait (capped: a server may ask
// for more than we are willing to sleep).
double Batch::retry_wait(const Transfer& t, long status, std::string& why) const {
  double wait = backoff_seconds(config_.retry, t.tries);
  if (status == 429 || status == 503) {
    if (auto asked = parse_retry_wait(t.response.header("retry-after"), t.response.header("ratelimit"))) {
      wait = std::min(*asked, config_.retry.max_retry_after);
      why = *asked > wait ? fmt::format(" (asked to wait {:g} s, capped to {:g} s)", *asked, wait)
                          : fmt::format(" (asked to wait {:g} s)", *asked);
    }
  }
  return wait;
}

// Waits for activity on the transfers in flight, but no longer than until the
// next retry is due when a slot is free to start it.
void Batch::wait(const std::optional<Clock::time_point>& next_due) {
  int timeout_ms = 200;
  if (next_due && active_ < cap_) {
    const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*next_due - Clock::now()).count();
    timeout_ms = static_cast<int>(std::clamp<long long>(until, 0, 200));
  }
  if (active_ > 0) curl_multi_poll(multi_, nullptr, 0, timeout_ms, nullptr);
}

void Batch::release(Transfer& t) {
  curl_multi_remove_handle(multi_, t.easy);
  curl_easy_cleanup(t.easy);
  t.headers.clear();
  t.easy = nullptr;
  --active_;
}

void Batch::requeue(Transfer& t, double delay_seconds) {
  t.ready_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay_seconds));
  waiting_.push_back(&t);
}

}  // namespace

HubHttpSession::HubHttpSession(const HubConfig& config, HubCounters& counters)
    : config_(config), counters_(counters), multi_(nullptr) {
  detail::init_curl_once();
  multi_ = curl_multi_init();
  // Keep the connections of one run() for the next (footers are read in
  // batches, polls follow polls): by default the cache follows the handles
  // added, so a finished batch closes them all and the next one reconnects
  // all at once, which a small listen backlog answers with SYN retries.
  curl_multi_setopt(static_cast<CURLM*>(multi_), CURLMOPT_MAXCONNECTS,
                    static_cast<long>(std::max(64, 2 * config.max_in_flight)));
}

HubHttpSession::~HubHttpSession() { curl_multi_cleanup(static_cast<CURLM*>(multi_)); }

HubHttpResponse HubHttpSession::run_one(const HubHttpRequest& request) {
  return std::move(run({request}, 1).front());
}

std::vector<HubHttpResponse> HubHttpSession::run(const std::vector<HubHttpRequest>& requests, int max_in_flight) {
  return Batch(static_cast<CURLM*>(multi_), config_, counters_, requests, max_in_flight, deadline_).run();
}

}  // namespace jobmon::detail
