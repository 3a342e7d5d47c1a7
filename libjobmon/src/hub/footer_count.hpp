// Sums the num_rows of Parquet shards from their footers, read by range at
// one commit sha, with a cache by file oid (same oid, same bytes) shared by
// every repo a monitor counts (its output and the --source dataset).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "jobmon/hub/hub_client.hpp"
#include "jobmon/hub/hub_progress.hpp"

namespace jobmon::detail {

struct CachedFooter {
  std::optional<std::int64_t> rows;  // nothing: content that is not a readable Parquet file
  std::string reason;
};

using FooterCache = std::map<std::string, CachedFooter>;

// Footers are read this many at a time, with a progress report after each batch.
inline constexpr std::size_t footer_batch = 1000;

// Counts `shards` of `repo` at `sha` (sorted by path first): footers not in
// the cache are read (a speculative tail, the exact tail when the footer is
// bigger); transport failures are skipped for this count and not cached,
// unreadable content is cached. `report` hears (0, n) before the first
// batch and (done, n) after each batch but the last.
HubCount count_footers(HubClient& client, const std::string& repo, const std::string& sha,
                       std::vector<const HubFile*> shards, FooterCache& cache,
                       const std::function<void(std::size_t done, std::size_t to_read)>& report);

}  // namespace jobmon::detail
