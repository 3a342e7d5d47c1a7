// The HTTP engine under HubClient: a batch of requests run on one curl multi
// handle with a cap on transfers in flight, redirects followed by hand (so
// the Authorization header only ever goes to the request's original origin,
// and only to http/https URLs) and retries with backoff on 408/429/5xx and
// transport errors, none of them past the session's deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "jobmon/hub/hub_client.hpp"

namespace jobmon::detail {

struct HubHttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // for POST
  bool with_token = true;            // send the token (to the original origin only)
};

struct HubHttpResponse {
  long status = 0;                            // 0: transport error (see error)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names; repeated headers joined with ", "
  std::string url;                            // after redirects
  std::string error;                          // transport error, or why retries stopped
  bool refused = false;                       // the last try's connection was refused (nothing listens)

  std::string header(const std::string& lower_name) const;
};

class HubHttpSession {
 public:
  HubHttpSession(const HubConfig& config, HubCounters& counters);
  ~HubHttpSession();
  HubHttpSession(const HubHttpSession&) = delete;
  HubHttpSession& operator=(const HubHttpSession&) = delete;

  // Runs all requests (at most `max_in_flight` at once) and returns their
  // final responses in order. Never throws for HTTP statuses.
  std::vector<HubHttpResponse> run(const std::vector<HubHttpRequest>& requests, int max_in_flight);
  HubHttpResponse run_one(const HubHttpRequest& request);

  // No transfer runs and no retry waits past this (nothing: no deadline);
  // `seconds` is its length, for messages.
  struct Deadline {
    std::chrono::steady_clock::time_point at;
    double seconds = 0;
  };
  void set_deadline(std::optional<Deadline> deadline) { deadline_ = deadline; }

 private:
  const HubConfig& config_;
  HubCounters& counters_;
  void* multi_;  // CURLM*
  std::optional<Deadline> deadline_;
};

// "scheme://host:port" of a URL (default port filled in); empty if unparsable.
std::string origin_of(const std::string& url);
// "host" or "host:port" (a port only when the URL names one), for messages.
std::string host_of(const std::string& url);
bool is_retryable_status(long status);

}  // namespace jobmon::detail
