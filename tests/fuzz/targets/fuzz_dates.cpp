// Every date parser of outside text: S3's ISO-8601 LastModified and HTTP
// dates, Data-Juicer's event timestamps, and the shared ISO-8601 scanner.
#include <cmath>

#include "core/text/iso8601.hpp"
#include "fuzz_input.hpp"
#include "jobmon/datajuicer/snapshot_events.hpp"
#include "storage/s3_protocol.hpp"

namespace {

void check(const std::optional<double>& value, const char* parser, std::string_view text) {
  if (value && !std::isfinite(*value)) jobmon::fuzz::fail(parser, text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = jobmon::fuzz::as_text(data, size);
  check(jobmon::detail::parse_iso8601_utc(text), "parse_iso8601_utc gave a non-finite time", text);
  check(jobmon::detail::parse_http_date(text), "parse_http_date gave a non-finite time", text);
  check(jobmon::parse_iso8601(text), "parse_iso8601 gave a non-finite time", text);
  (void)jobmon::detail::scan_iso8601(text);
  return 0;
}
