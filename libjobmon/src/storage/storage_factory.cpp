#include "jobmon/storage/storage_factory.hpp"

#include "jobmon/error.hpp"
#include "jobmon/storage/glob.hpp"
#include "jobmon/storage/s3_storage.hpp"
#include "storage/s3_protocol.hpp"

namespace jobmon {
using detail::is_s3_url;
using detail::parse_s3_url;

std::shared_ptr<Storage> storage_for(const std::string& target) {
  if (is_s3_url(target)) {
    parse_s3_url(fixed_prefix(target));  // a malformed URL is a usage error, before any request
    return std::make_shared<S3Storage>(load_s3_config(process_environment()));
  }
  return std::make_shared<LocalStorage>();
}

std::string fixed_prefix(const std::string& target) {
  std::string out;
  std::size_t pos = 0;
  while (pos <= target.size()) {
    std::size_t end = target.find('/', pos);
    if (end == std::string::npos) end = target.size();
    if (has_glob_chars(std::string_view(target).substr(pos, end - pos))) break;
    out = target.substr(0, end);
    pos = end + 1;
  }
  return out;
}

std::shared_ptr<Storage> storage_for_targets(const std::vector<std::string>& targets) {
  std::size_t s3_count = 0;
  for (const auto& t : targets) s3_count += is_s3_url(t) ? 1 : 0;
  if (s3_count == 0) return std::make_shared<LocalStorage>();
  if (s3_count != targets.size())
    throw UsageError("cannot mix s3:// and local targets in one call; run one call for each");
  auto storage = std::make_shared<S3Storage>(load_s3_config(process_environment()));
  for (const auto& t : targets) {
    const std::string fixed = fixed_prefix(t);
    parse_s3_url(fixed);  // throws UsageError for a malformed URL
    storage->check_access(fixed);
  }
  return storage;
}

}  // namespace jobmon
