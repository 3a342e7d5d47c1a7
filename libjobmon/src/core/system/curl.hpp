// What the two libcurl users (the Hub client, the S3 client) share: global
// init, the capped body writer, header lists, and the retry backoff. Their
// retry predicates and Retry-After handling stay apart: the services differ.
// Both restrict themselves to http/https and bound every transfer in time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

struct curl_slist;

namespace jobmon::detail {

// curl_global_init, once per process, before the first handle is made.
void init_curl_once();

// Requests and redirects over http and https only. Without this a URL or a
// Location header naming gopher://, dict:// or file:// makes libcurl send
// bytes to any local port or read a local file. `easy` is a CURL*.
void restrict_to_http(void* easy);
// True when the URL's scheme is http or https (any case).
bool is_http_url(const std::string& url);

// Time limits of one transfer (`easy` is a CURL*): the whole transfer,
// headers and body, within timeout_seconds (a body trickled a byte at a time
// ends too), and below low_speed_bytes per second for low_speed_seconds it
// is abandoned earlier.
struct TransferLimits {
  double timeout_seconds = 300;
  long low_speed_bytes = 1;
  long low_speed_seconds = 120;
};
void set_transfer_limits(void* easy, const TransferLimits& limits);

// What a failed transfer (`code` a CURLcode) got before it failed, in words a
// user can act on: no connection at all (refused, unresolvable host) is told
// apart from a server that answered and then stalled or timed out, with the
// status and bytes received.
std::string describe_transfer_failure(void* easy, int code, const char* error_buffer);
// True for failures where no server answered: refused, unresolvable host, or
// a connection that timed out before it was made.
bool is_connect_failure(void* easy, int code);

// A write callback's body: appends n bytes, or, when that would pass max,
// sets too_large and returns 0, which makes curl abort the transfer.
std::size_t append_capped(std::string& body, std::uint64_t max, bool& too_large, const char* data, std::size_t n);

// A curl_slist of request headers, freed with its owner.
class CurlHeaderList {
 public:
  CurlHeaderList() = default;
  CurlHeaderList(const CurlHeaderList&) = delete;
  CurlHeaderList& operator=(const CurlHeaderList&) = delete;
  ~CurlHeaderList();

  void add(const std::string& line);
  void clear();
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

// Exponential backoff: first_seconds * 2^(retry-1), capped at max_seconds,
// then scaled by a factor spread evenly over [1 - jitter, 1 + jitter).
struct Backoff {
  double first_seconds = 1;
  double max_seconds = std::numeric_limits<double>::infinity();
  double jitter = 0;
};

// The wait before retry number retry (1 = the first retry); unit_random is
// uniform in [0, 1) and is ignored without jitter.
double backoff_delay(const Backoff& backoff, int retry, double unit_random);

}  // namespace jobmon::detail
