#include "hub/footer_count.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "jobmon/error.hpp"
#include "jobmon/hub/parquet_footer.hpp"

namespace jobmon::detail {

namespace {

std::string cache_key(const HubFile& file) {
  return file.oid.empty() ? fmt::format("{}#{}", file.path, file.size) : file.oid;
}

// Reads the footers of `pending` (none cached) into the cache; transport
// failures go to `transient` (path -> why).
void read_footers(HubClient& client, const std::string& repo, const std::string& sha,
                  const std::vector<const HubFile*>& pending, FooterCache& cache,
                  std::map<std::string, std::string>& transient) {
  const auto record = [&](const HubFile& f, const std::string& bytes) -> std::optional<std::uint64_t> {
    // Caches the footer; returns the tail size still needed when `bytes` fell short.
    try {
      if (auto footer = parse_parquet_tail(bytes, f.size)) {
        cache[cache_key(f)] = {footer->num_rows, {}};
        return std::nullopt;
      }
      return parquet_tail_needed(bytes, f.size);
    } catch (const FormatError& e) {
      cache[cache_key(f)] = {std::nullopt, e.what()};
      return std::nullopt;
    }
  };
  std::vector<HubRange> ranges;
  for (const HubFile* f : pending) {
    const std::uint64_t length = std::min(f->size, parquet_speculative_tail);
    ranges.push_back({f->path, f->size - length, length});
  }
  const auto results = client.read_ranges(repo, sha, ranges);
  std::vector<const HubFile*> again;
  std::vector<HubRange> again_ranges;
  for (std::size_t i = 0; i < pending.size(); ++i) {
    const HubFile& f = *pending[i];
    if (results[i].error) {
      transient[f.path] = *results[i].error;
    } else if (const auto needed = record(f, results[i].data)) {
      again.push_back(&f);
      again_ranges.push_back({f.path, f.size - *needed, *needed});
    }
  }
  if (again.empty()) return;
  const auto tails = client.read_ranges(repo, sha, again_ranges);
  for (std::size_t i = 0; i < again.size(); ++i) {
    const HubFile& f = *again[i];
    if (tails[i].error) transient[f.path] = *tails[i].error;
    else if (record(f, tails[i].data)) cache[cache_key(f)] = {std::nullopt, "footer does not fit the bytes read"};
  }
}

}  // namespace

HubCount count_footers(HubClient& client, const std::string& repo, const std::string& sha,
                       std::vector<const HubFile*> shards, FooterCache& cache,
                       const std::function<void(std::size_t, std::size_t)>& report) {
  HubCount result;
  std::sort(shards.begin(), shards.end(), [](const HubFile* a, const HubFile* b) { return a->path < b->path; });
  result.files = shards.size();

  std::vector<const HubFile*> pending;
  for (const HubFile* f : shards) {
    if (!f->problem.empty() || cache.count(cache_key(*f))) continue;
    if (f->size < 12) {
      cache[cache_key(*f)] = {std::nullopt, fmt::format("not a Parquet file: too short ({} bytes)", f->size)};
      continue;
    }
    pending.push_back(f);
  }
  std::map<std::string, std::string> transient;  // path -> why
  if (report && !pending.empty()) report(0, pending.size());
  for (std::size_t start = 0; start < pending.size(); start += footer_batch) {
    const std::size_t end = std::min(pending.size(), start + footer_batch);
    read_footers(client, repo, sha, {pending.begin() + static_cast<std::ptrdiff_t>(start),
                                     pending.begin() + static_cast<std::ptrdiff_t>(end)},
                 cache, transient);
    result.footers_read = end;
    if (report && end < pending.size()) report(end, pending.size());  // the caller says the last
  }

  for (const HubFile* f : shards) {
    if (!f->problem.empty()) {
      // One bad entry (a size of -5 or 1e30) costs that shard, not the poll.
      result.skipped.push_back({f->path, f->problem});
      continue;
    }
    if (auto it = transient.find(f->path); it != transient.end()) {
      result.skipped.push_back({f->path, "could not read the footer: " + it->second});
      continue;
    }
    const CachedFooter& cached = cache.at(cache_key(*f));
    if (cached.rows) result.rows += *cached.rows;
    else result.skipped.push_back({f->path, cached.reason});
  }
  return result;
}

}  // namespace jobmon::detail
