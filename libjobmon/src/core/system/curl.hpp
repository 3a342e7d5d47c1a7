// What the two libcurl users (the Hub client, the S3 client) share: global
// init, the capped body writer, header lists, and the retry backoff. Their
// retry predicates and Retry-After handling stay apart: the services differ.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

struct curl_slist;

namespace jobmon::detail {

// curl_global_init, once per process, before the first handle is made.
void init_curl_once();

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
