// One delivery attempt to a webhook or a command (see delivery.hpp).
#include "notify/delivery.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>

#include "core/system/curl.hpp"
#include "core/system/subprocess.hpp"
#include "core/text/text.hpp"

namespace jobmon::detail {
namespace {

size_t keep_little(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() < 4096) body->append(data, std::min<size_t>(size * n, 4096 - body->size()));
  return size * n;  // read and drop the rest: a receiver's answer is not ours to keep
}

}  // namespace

DeliveryResult post_webhook(const std::string& url, const std::string& body, double timeout_seconds) {
  DeliveryResult r;
  if (!is_http_url(url)) {
    r.error = "not an http(s) URL";
    return r;
  }
  init_curl_once();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), curl_easy_cleanup);
  if (!easy) {
    r.error = "curl_easy_init failed";
    return r;
  }
  CURL* c = easy.get();
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::string answer;
  CurlHeaderList headers;
  headers.add("Content-Type: application/json");
  headers.add("User-Agent: jobmon-notify");
  restrict_to_http(c);
  TransferLimits limits;
  limits.timeout_seconds = timeout_seconds;
  limits.low_speed_seconds = static_cast<long>(std::max(1.0, timeout_seconds));
  set_transfer_limits(c, limits);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_little);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // a webhook that redirects is misconfigured: say so
  const CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) {
    r.error = describe_transfer_failure(c, code, error_buffer);
    return r;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    r.error = fmt::format("HTTP {}{}", status, answer.empty() ? "" : ": " + clip(trim(answer), 200, "..."));
    return r;
  }
  r.ok = true;
  return r;
}

DeliveryResult run_notify_command(const std::string& command, const NotifyEvent& event, const std::string& event_json,
                                  double timeout_seconds) {
  DeliveryResult r;
  CommandLimits limits;
  limits.timeout_seconds = timeout_seconds;
  limits.max_output_bytes = 1 << 20;
  const std::vector<std::string> env = {
      "JOBMON_EVENT_JSON=" + event_json,          "JOBMON_EVENT=" + std::string(to_string(event.kind)),
      "JOBMON_JOB_NAME=" + event.job.name,        "JOBMON_JOB_PATH=" + event.job.key,
      "JOBMON_JOB_STATUS=" + std::string(to_string(event.job.status)), "JOBMON_EVENT_ID=" + event.id};
  const CommandResult c = run_command({"/bin/sh", "-c", command}, limits, env);
  if (c.ok()) {
    r.ok = true;
    return r;
  }
  if (!c.problem.empty()) r.error = c.problem;
  else if (c.signal) r.error = fmt::format("killed by signal {}", *c.signal);
  else r.error = fmt::format("exit {}{}", c.exit_code.value_or(-1), c.err.empty() ? "" : ": " + clip(trim(c.err), 200, "..."));
  return r;
}

}  // namespace jobmon::detail
