#include "core/system/curl.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace jobmon::detail {

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

void restrict_to_http(void* easy) {
  curl_easy_setopt(static_cast<CURL*>(easy), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(static_cast<CURL*>(easy), CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
}

bool is_http_url(const std::string& url) {
  const std::size_t colon = url.find("://");
  if (colon == std::string::npos) return false;
  std::string scheme = url.substr(0, colon);
  for (char& c : scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return scheme == "http" || scheme == "https";
}

void set_transfer_limits(void* easy, const TransferLimits& limits) {
  CURL* h = static_cast<CURL*>(easy);
  // At least 1 ms: 0 would mean "no limit" to libcurl.
  const long timeout_ms = static_cast<long>(std::clamp(limits.timeout_seconds * 1000, 1.0, 1e9));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, std::max(1L, limits.low_speed_bytes));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, std::max(1L, limits.low_speed_seconds));
}

bool is_connect_failure(void* easy, int code) {
  if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY)
    return true;
  // libcurl reports a connect timeout as a plain timeout: tell it by the
  // connection that never completed (a backlog that is full, a dropped SYN).
  curl_off_t connected_after = 0;
  return code == CURLE_OPERATION_TIMEDOUT &&
         curl_easy_getinfo(static_cast<CURL*>(easy), CURLINFO_CONNECT_TIME_T, &connected_after) == CURLE_OK &&
         connected_after == 0;
}

std::string describe_transfer_failure(void* easy, int code, const char* error_buffer) {
  CURL* h = static_cast<CURL*>(easy);
  const auto curl_code = static_cast<CURLcode>(code);
  const std::string why = error_buffer && error_buffer[0] ? error_buffer : curl_easy_strerror(curl_code);
  if (is_connect_failure(easy, code)) return "no connection: " + why;
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  long header_bytes = 0;
  curl_easy_getinfo(h, CURLINFO_HEADER_SIZE, &header_bytes);
  curl_off_t body_bytes = 0;
  curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &body_bytes);
  const char* what = curl_code == CURLE_OPERATION_TIMEDOUT ? "timed out" : "failed";
  if (status != 0) {
    return fmt::format("{} after the server answered HTTP {} ({} header bytes, {} body bytes received): {}", what,
                       status, header_bytes, static_cast<long long>(body_bytes), why);
  }
  if (curl_code == CURLE_OPERATION_TIMEDOUT) {
    return fmt::format("timed out: connected, but no complete status line arrived: {}", why);
  }
  return why;
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
