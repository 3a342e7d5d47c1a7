// HTTP for S3Storage: a pool of libcurl easy handles (one per concurrent
// caller, so many threads can have requests in flight), SigV4 signing, and
// retries with exponential backoff, none past the request's deadline; http
// and https only. Private to libjobmon.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobmon/storage/s3_config.hpp"
#include "jobmon/storage/s3_storage.hpp"

namespace jobmon::detail {

struct HttpResult {
  long status = 0;              // HTTP status; 0 when no answer came
  std::string body;
  std::optional<std::uint64_t> content_length;
  std::optional<double> last_modified;  // epoch seconds from Last-Modified
  // When the transfer failed: what happened, in words (no connection, or
  // timed out after the server answered HTTP 200 with N bytes...).
  std::string transport_error;
  bool connect_failed = false;  // no server answered at all (refused, unresolvable)
  bool body_too_large = false;
  unsigned attempts = 0;        // tries made
  bool deadline_hit = false;    // retries stopped (or the last try was cut) by the deadline
  bool own_deadline = false;    // ...by request_deadline_seconds, not the caller's deadline
};

using SteadyTime = std::chrono::steady_clock::time_point;

class S3Http {
 public:
  S3Http(const S3Config& config, const S3Options& options);
  ~S3Http();
  S3Http(const S3Http&) = delete;
  S3Http& operator=(const S3Http&) = delete;

  // Sends a GET or HEAD, retrying 5xx, 429/SlowDown and connection errors,
  // all within request_deadline_seconds and before `deadline` (when given).
  // `max_body` caps the bytes kept (body_too_large is then set).
  HttpResult send(const std::string& method, const std::string& url, const std::string& range,
                  std::uint64_t max_body, std::optional<SteadyTime> deadline = std::nullopt) const;

  std::uint64_t requests() const { return requests_.load(); }

 private:
  void* acquire() const;
  void release(void* handle) const;
  HttpResult send_once(void* handle, const std::string& method, const std::string& url, const std::string& range,
                       std::uint64_t max_body, double timeout_seconds) const;

  S3Config config_;
  S3Options options_;
  std::string sigv4_param_;
  struct Pool;
  std::unique_ptr<Pool> pool_;
  mutable std::atomic<std::uint64_t> requests_{0};
};

// True for answers worth another try: no answer, 5xx, 429, or SlowDown.
bool is_retryable(const HttpResult& result);

}  // namespace jobmon::detail
