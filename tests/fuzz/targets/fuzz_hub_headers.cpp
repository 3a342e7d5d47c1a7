// The Hub's response headers: Link pagination, Retry-After / RateLimit, and
// the origin check that keeps the token on the Hub.
#include <cmath>

#include "fuzz_input.hpp"
#include "hub/hub_http.hpp"
#include "jobmon/hub/hub_client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(jobmon::fuzz::as_text(data, size));
  const auto parts = jobmon::fuzz::sections(text, 2);
  const std::string first(parts[0]), second(parts.size() > 1 ? parts[1] : std::string_view());

  if (const auto next = jobmon::parse_link_next(first)) {
    if (next->size() > first.size()) jobmon::fuzz::fail("Link next longer than the header", *next);
    (void)jobmon::detail::origin_of(*next);
  }
  if (const auto wait = jobmon::parse_retry_wait(first, second)) {
    if (!std::isfinite(*wait) || *wait < 0) jobmon::fuzz::fail("parse_retry_wait gave a bad wait", text);
  }
  const std::string origin = jobmon::detail::origin_of(first);
  if (!origin.empty() && jobmon::detail::origin_of(origin) != origin) {
    jobmon::fuzz::fail("origin_of is not idempotent", first + " -> " + origin);
  }
  (void)jobmon::base64_encode(text);
  return 0;
}
