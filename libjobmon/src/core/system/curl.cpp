#include "core/system/curl.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace jobmon::detail {

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t append_capped(std::string& body, std::uint64_t max, bool& too_large, const char* data, std::size_t n) {
  if (body.size() + n > max) {
    too_large = true;
    return 0;
  }
  body.append(data, n);
  return n;
}

CurlHeaderList::~CurlHeaderList() { clear(); }

void CurlHeaderList::add(const std::string& line) { list_ = curl_slist_append(list_, line.c_str()); }

void CurlHeaderList::clear() {
  curl_slist_free_all(list_);
  list_ = nullptr;
}

double backoff_delay(const Backoff& backoff, int retry, double unit_random) {
  const double wait = std::min(backoff.first_seconds * std::pow(2.0, std::max(0, retry - 1)), backoff.max_seconds);
  if (backoff.jitter == 0) return wait;
  return wait * (1 - backoff.jitter + 2 * backoff.jitter * unit_random);
}

}  // namespace jobmon::detail
