#include "storage/s3_http.hpp"

#include <curl/curl.h>

#include "core/system/curl.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <mutex>
#include <random>
#include <thread>

namespace jobmon::detail {
namespace {

// SHA-256 of an empty body: every request jobmon sends is a GET or HEAD.
constexpr const char* empty_payload_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct BodySink {
  std::string* body;
  std::uint64_t max;
  bool too_large = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  return detail::append_capped(*sink->body, sink->max, sink->too_large, data, size * count);
}

}  // namespace

struct S3Http::Pool {
  std::mutex mutex;
  std::vector<CURL*> idle;
  ~Pool() {
    for (CURL* h : idle) curl_easy_cleanup(h);
  }
};

S3Http::S3Http(const S3Config& config, const S3Options& options)
    : config_(config), options_(options), sigv4_param_("aws:amz:" + config.region + ":s3"),
      pool_(std::make_unique<Pool>()) {
  detail::init_curl_once();
}

S3Http::~S3Http() = default;

void* S3Http::acquire() const {
  {
    std::lock_guard lock(pool_->mutex);
    if (!pool_->idle.empty()) {
      CURL* h = pool_->idle.back();
      pool_->idle.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void S3Http::release(void* handle) const {
  std::lock_guard lock(pool_->mutex);
  pool_->idle.push_back(static_cast<CURL*>(handle));  // keeps its connection alive for the next request
}

bool is_retryable(const HttpResult& r) {
  if (r.status == 0) return true;
  if (r.status >= 500 || r.status == 429) return true;
  return r.body.find("<Code>SlowDown</Code>") != std::string::npos;
}

HttpResult S3Http::send_once(void* raw, const std::string& method, const std::string& url, const std::string& range,
                             std::uint64_t max_body, double timeout_seconds) const {
  CURL* h = static_cast<CURL*>(raw);
  curl_easy_reset(h);  // keeps the connection cache, clears options
  HttpResult result;
  BodySink sink{&result.body, max_body};
  detail::CurlHeaderList headers;
  headers.add(std::string("x-amz-content-sha256: ") + empty_payload_sha256);
  if (!config_.session_token.empty()) headers.add("x-amz-security-token: " + config_.session_token);
  if (!range.empty()) headers.add("Range: " + range);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  detail::restrict_to_http(h);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max(
                       1.0, std::min(static_cast<double>(options_.connect_timeout_seconds), timeout_seconds) * 1000)));
  detail::set_transfer_limits(h, {timeout_seconds, options_.low_speed_bytes, options_.low_speed_seconds});
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_FILETIME, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &write_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  if (method == "HEAD") curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  if (!config_.access_key_id.empty()) {
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4_param_.c_str());
    curl_easy_setopt(h, CURLOPT_USERNAME, config_.access_key_id.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, config_.secret_access_key.c_str());
  }
  requests_.fetch_add(1, std::memory_order_relaxed);
  const CURLcode code = curl_easy_perform(h);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);  // the buffer dies with this frame
  if (sink.too_large) {
    result.body_too_large = true;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &result.status);
    return result;
  }
  if (code != CURLE_OK) {
    result.transport_error = detail::describe_transfer_failure(h, code, error_buffer);
    result.connect_failed = detail::is_connect_failure(h, code);
    result.deadline_hit = code == CURLE_OPERATION_TIMEDOUT;  // the caller knows whether the deadline set it
    result.body.clear();
    return result;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &result.status);
  curl_off_t length = -1;
  if (curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK && length >= 0)
    result.content_length = static_cast<std::uint64_t>(length);
  curl_off_t filetime = -1;
  if (curl_easy_getinfo(h, CURLINFO_FILETIME_T, &filetime) == CURLE_OK && filetime >= 0)
    result.last_modified = static_cast<double>(filetime);
  return result;
}

HttpResult S3Http::send(const std::string& method, const std::string& url, const std::string& range,
                        std::uint64_t max_body, std::optional<SteadyTime> deadline) const {
  using Clock = std::chrono::steady_clock;
  const auto own = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options_.request_deadline_seconds));
  const SteadyTime until = deadline ? std::min(*deadline, own) : own;
  const bool own_binds = !deadline || own <= *deadline;
  const auto seconds_left = [&] { return std::chrono::duration<double>(until - Clock::now()).count(); };
  thread_local std::minstd_rand jitter_source{std::random_device{}()};
  void* handle = acquire();
  if (handle == nullptr) {
    HttpResult r;
    r.transport_error = "cannot create a curl handle";
    return r;
  }
  HttpResult result;
  // Uncapped, and spread over [0.5, 1.5) so parallel readers do not retry in step.
  const detail::Backoff backoff{options_.first_backoff_seconds, std::numeric_limits<double>::infinity(), 0.5};
  for (unsigned attempt = 1;; ++attempt) {
    const double left = seconds_left();
    if (left <= 0) {
      result.deadline_hit = true;
      break;
    }
    const double timeout = std::min<double>(static_cast<double>(options_.request_timeout_seconds), left);
    result = send_once(handle, method, url, range, max_body, timeout);
    result.attempts = attempt;
    // A timeout is the deadline's only when the deadline has really passed
    // (a connect timeout or a stalled transfer cut earlier is not).
    result.deadline_hit = result.deadline_hit && timeout < static_cast<double>(options_.request_timeout_seconds) &&
                          seconds_left() <= 0.05;
    if (result.body_too_large || !is_retryable(result) || attempt >= options_.max_attempts) break;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const double wait = detail::backoff_delay(backoff, static_cast<int>(attempt), unit(jitter_source));
    if (wait >= seconds_left()) {
      result.deadline_hit = true;  // no time left for another try
      break;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
  release(handle);
  result.own_deadline = result.deadline_hit && own_binds;
  return result;
}

}  // namespace jobmon::detail
