// s3:// URLs, SigV4 URI encoding and bucket URLs built from an endpoint.
#include "fuzz_input.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/s3_config.hpp"
#include "storage/s3_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = jobmon::fuzz::as_text(data, size);
  if (jobmon::detail::is_s3_url(text)) {
    try {
      const jobmon::detail::S3Location location = jobmon::detail::parse_s3_url(text);
      if (location.bucket.empty()) jobmon::fuzz::fail("parsed an s3 URL without a bucket");
      if (!location.key.empty() && (location.key.front() == '/' || location.key.back() == '/')) {
        jobmon::fuzz::fail("key with a leading or trailing slash", location.key);
      }
    } catch (const jobmon::UsageError&) {
    }
  }
  for (bool keep_slash : {false, true}) {
    const std::string encoded = jobmon::detail::uri_encode(text, keep_slash);
    for (char c : encoded) {
      const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                         c == '_' || c == '.' || c == '~' || c == '%' || (keep_slash && c == '/');
      if (!plain) jobmon::fuzz::fail("uri_encode left a reserved byte", encoded);
    }
  }
  const auto parts = jobmon::fuzz::sections(text, 2);
  jobmon::S3Config config;
  config.endpoint = std::string(parts[0]);
  config.path_style = !parts[0].empty() && (parts[0].size() & 1) != 0;
  (void)config.bucket_url(parts.size() > 1 ? std::string(parts[1]) : std::string("bucket"));
  (void)config.describe();
  return 0;
}
