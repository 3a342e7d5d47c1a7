// S3's XML answers: ListObjectsV2 pages and error documents. A malformed,
// truncated or foreign document is a FormatError, never a crash.
#include "fuzz_input.hpp"
#include "jobmon/error.hpp"
#include "storage/s3_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view xml = jobmon::fuzz::as_text(data, size);
  try {
    const jobmon::detail::S3ListPage page = jobmon::detail::parse_list_objects(xml);
    if (page.truncated && page.next_token.empty() && page.objects.empty() && page.common_prefixes.empty()) {
      // Allowed by the parser; the listing loop must bound it (S3Storage).
    }
  } catch (const jobmon::FormatError&) {
  }
  (void)jobmon::detail::parse_s3_error(xml);
  return 0;
}
