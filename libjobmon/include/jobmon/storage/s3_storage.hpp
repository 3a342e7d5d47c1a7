// S3Storage: the Storage interface over the S3 REST API (ListObjectsV2,
// HeadObject, GetObject with Range), signed with SigV4 through libcurl.
// Paths are URLs: "s3://bucket/some/prefix". A "directory" is a key prefix
// ending in '/'; it exists when at least one key lies below it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "jobmon/storage/s3_config.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon {

struct S3Options {
  unsigned max_attempts = 5;           // per request, for 5xx, SlowDown and connection errors
  double first_backoff_seconds = 0.1;  // doubled per retry, with jitter
  double listing_ttl_seconds = 2;      // how long a listing answers stat() calls
  long connect_timeout_seconds = 10;
  long request_timeout_seconds = 120;  // one whole transfer, headers and body
  long low_speed_bytes = 1024;         // a transfer slower than this many bytes/s...
  long low_speed_seconds = 30;         // ...for this long is abandoned (a 2 B/s trickle)
  // All tries of one request (HEAD, GET, a listing page), backoffs included:
  // a server that answers slowly or not at all costs this much, not
  // max_attempts request timeouts.
  double request_deadline_seconds = 120;
  // One listing (all its pages and their retries). A listing that never
  // ends is refused: a datatrove completions/ folder of 100,000 tasks is 100
  // pages of 1000 keys; these allow ten times the keys and small pages.
  double listing_deadline_seconds = 600;
  std::uint64_t max_list_pages = 10'000;
  std::uint64_t max_list_keys = 1'000'000;  // keys and common prefixes together
};

class S3Storage final : public Storage {
 public:
  explicit S3Storage(S3Config config, S3Options options = {});
  ~S3Storage() override;

  using Storage::list;
  using Storage::read;
  std::vector<DirEntry> list(const std::string& dir, const ListOptions& options) const override;
  FileStat stat(const std::string& path) const override;
  std::string read(const std::string& path, std::uint64_t max_bytes) const override;
  std::string read_range(const std::string& path, std::uint64_t offset, std::uint64_t length) const override;
  bool list_includes_mtime() const override { return true; }
  Counters counters() const override;

  // HTTP requests sent (retries included), for benchmarks and tests.
  std::uint64_t requests() const;

  // Lists `dir` once and throws a StorageError that says what is wrong
  // (no such bucket, access denied, bad credentials, unreachable endpoint).
  // Storage::stat never throws, so callers check a target with this first.
  void check_access(const std::string& dir) const;

  const S3Config& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jobmon
