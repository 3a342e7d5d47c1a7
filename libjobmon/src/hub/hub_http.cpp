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

double backoff_seconds(const HubRetryPolicy& policy, int tries) {
  return detail::backoff_delay({policy.base_seconds, policy.max_seconds, 0}, tries, 0);
}

}  // namespace

std::string HubHttpResponse::header(const std::string& lower_name) const {
  const auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string origin_of(const std::string& url) {
  CURLU* u = curl_url();
  std::string out;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char *scheme = nullptr, *host = nullptr, *port = nullptr;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
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

HubHttpSession::HubHttpSession(const HubConfig& config, HubCounters& counters)
    : config_(config), counters_(counters), multi_(nullptr) {
  detail::init_curl_once();
  multi_ = curl_multi_init();
}

HubHttpSession::~HubHttpSession() { curl_multi_cleanup(static_cast<CURLM*>(multi_)); }

HubHttpResponse HubHttpSession::run_one(const HubHttpRequest& request) {
  return std::move(run({request}, 1).front());
}

std::vector<HubHttpResponse> HubHttpSession::run(const std::vector<HubHttpRequest>& requests, int max_in_flight) {
  CURLM* multi = static_cast<CURLM*>(multi_);
  std::vector<std::unique_ptr<Transfer>> transfers;
  std::deque<Transfer*> waiting;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto t = std::make_unique<Transfer>();
    t->index = i;
    t->request = &requests[i];
    t->url = requests[i].url;
    t->origin = origin_of(requests[i].url);
    t->method = requests[i].method;
    t->max_body = config_.max_body;
    waiting.push_back(t.get());
    transfers.push_back(std::move(t));
  }
  const std::size_t cap = static_cast<std::size_t>(std::max(1, max_in_flight));
  std::size_t active = 0, finished = 0;

  auto start = [&](Transfer* t) {
    CURL* easy = curl_easy_init();
    t->easy = easy;
    t->response.body.clear();
    t->response.headers.clear();
    t->too_large = false;
    t->error_buffer[0] = 0;
    ++t->tries;
    ++counters_.requests;
    t->headers.clear();
    for (const auto& h : t->request->headers) t->headers.add(h);
    // The token goes to the origin the caller addressed, never to a host a
    // redirect points at.
    if (t->request->with_token && config_.token && origin_of(t->url) == t->origin) {
      t->headers.add("Authorization: Bearer " + *config_.token);
    }
    curl_easy_setopt(easy, CURLOPT_URL, t->url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers.get());
    curl_easy_setopt(easy, CURLOPT_USERAGENT, (std::string("jobmon/") + version_string).c_str());
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout * 1000));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(std::max(1.0, config_.stall_timeout)));
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error_buffer);
    if (t->method == "POST") {
      curl_easy_setopt(easy, CURLOPT_POST, 1L);
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t->request->body.data());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->request->body.size()));
    } else if (t->method != "GET") {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, t->method.c_str());
    }
    curl_multi_add_handle(multi, easy);
    ++active;
  };

  auto release = [&](Transfer* t) {
    curl_multi_remove_handle(multi, t->easy);
    curl_easy_cleanup(t->easy);
    t->headers.clear();
    t->easy = nullptr;
    --active;
  };

  auto requeue = [&](Transfer* t, double delay_seconds) {
    t->ready_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay_seconds));
    waiting.push_back(t);
  };

  auto complete = [&](Transfer* t, CURLcode code) {
    if (code != CURLE_OK) {
      const std::string why = t->too_large ? fmt::format("response larger than {} bytes", t->max_body)
                              : t->error_buffer[0] ? std::string(t->error_buffer)
                                                   : std::string(curl_easy_strerror(code));
      release(t);
      if (!t->too_large && t->tries < config_.retry.max_tries) {
        ++counters_.retries;
        requeue(t, backoff_seconds(config_.retry, t->tries));
        return;
      }
      t->response.status = 0;
      t->response.error = why;
      t->response.url = t->url;
      ++finished;
      return;
    }
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    char* location = nullptr;
    curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_URL, &location);
    const std::string next_url = location ? location : "";
    release(t);
    t->response.status = status;
    t->response.url = t->url;
    if (status >= 300 && status < 400 && !next_url.empty() && t->method == "GET") {
      if (t->redirects >= 10) {
        t->response.error = "too many redirects";
        ++finished;
        return;
      }
      ++t->redirects;
      ++counters_.redirects;
      t->url = next_url;
      --t->tries;  // a redirect is not a failed try
      requeue(t, 0);
      return;
    }
    if (is_retryable_status(status) && t->tries < config_.retry.max_tries) {
      double wait = backoff_seconds(config_.retry, t->tries);
      if (status == 429 || status == 503) {
        if (auto asked = parse_retry_wait(t->response.header("retry-after"), t->response.header("ratelimit"))) {
          wait = std::min(*asked, config_.retry.max_retry_after);
        }
      }
      ++counters_.retries;
      requeue(t, wait);
      return;
    }
    ++finished;
  };

  while (finished < transfers.size()) {
    const auto now = Clock::now();
    // Start whatever is due, up to the cap.
    std::optional<Clock::time_point> next_due;
    for (std::size_t n = waiting.size(); n > 0; --n) {
      Transfer* t = waiting.front();
      waiting.pop_front();
      if (active < cap && t->ready_at <= now) {
        start(t);
      } else {
        if (!next_due || t->ready_at < *next_due) next_due = t->ready_at;
        waiting.push_back(t);
      }
    }
    if (active == 0) {
      if (next_due) std::this_thread::sleep_until(*next_due);
      continue;
    }
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
      complete(t, msg->data.result);
    }
    int timeout_ms = 200;
    if (next_due && active < cap) {
      const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*next_due - Clock::now()).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(until, 0, 200));
    }
    if (active > 0) curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
  }

  std::vector<HubHttpResponse> out;
  out.reserve(transfers.size());
  for (auto& t : transfers) out.push_back(std::move(t->response));
  return out;
}

}  // namespace jobmon::detail
