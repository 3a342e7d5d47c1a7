// JobRegistry: every job jobmon-serve knows, behind opaque ids. Refreshing
// goes through the caching Scanner, so a refresh costs what changed; the
// version number moves only when some job's state changed, and waiters
// (Server-Sent Events) are woken then.
#pragma once

#include <boost/json/value.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon {

struct Snapshot;

// One job as the web API lists it, whatever its kind.
struct RegistryEntry {
  std::string id;     // opaque: a hash of the path, never a path
  std::string kind;   // "datatrove" | "data_juicer"
  std::string path;
  std::string name;
  std::string status; // running | failed | stalled | pending | complete
  bool current = true;  // still going (or waiting); false once finished or failed for good
  std::int64_t done = 0, total = 0, failed = 0;  // ranks, or partition-operations
  double fraction = 0;
  std::optional<double> eta_seconds;
  boost::json::value summary;  // what /api/jobs lists
  std::string summary_text;    // the same, serialised once per refresh
  JobRow row;                                // datatrove: the state behind the summary
  std::shared_ptr<const Snapshot> snapshot;  // data_juicer: the state behind the summary
};

struct RegistryChange {
  std::string id;
  std::string status;
  std::int64_t completed = 0;
};

struct RegistryOptions {
  ScanOptions scan;
  std::size_t max_grid_ranks = 4096;   // rank grid cells in a job's detail
  std::size_t max_chart_points = 500;  // completion-curve points in a job's detail
  std::size_t jobs_page_size = 500;    // entries in the pre-serialised first /api/jobs page
};

class JobRegistry {
 public:
  JobRegistry(std::shared_ptr<const Storage> storage, std::vector<std::string> targets, RegistryOptions options = {});
  ~JobRegistry();

  // Rescans the targets; returns the jobs whose state changed.
  std::vector<RegistryChange> refresh(double now);

  std::uint64_t version() const;
  // Blocks until the version differs from `seen` or the timeout passes.
  std::uint64_t wait_for_change(std::uint64_t seen, double timeout_seconds) const;
  std::vector<RegistryChange> last_changes() const;
  // The version and every change after `seen` (the latest per job), read
  // together: a client that missed refreshes still learns what changed.
  // Waits up to timeout_seconds for a newer version.
  std::pair<std::uint64_t, std::vector<RegistryChange>> wait_for_changes(std::uint64_t seen, double timeout_seconds) const;
  // Wakes every waiter for good (server shutdown).
  void close();
  bool closed() const;

  std::vector<RegistryEntry> entries() const;  // a consistent copy
  // The same without copying: an immutable list swapped in by each refresh.
  std::shared_ptr<const std::vector<RegistryEntry>> entries_view() const;
  // The first unfiltered /api/jobs page, serialised once per refresh (the hot path of a busy dashboard).
  std::shared_ptr<const std::string> first_jobs_page() const;
  std::optional<RegistryEntry> find(const std::string& id) const;
  std::vector<Warning> warnings() const;
  Totals totals() const;
  double last_refresh() const;

  // Full detail of one job (header, progress, ETA, stages, rank grid, chart).
  std::optional<boost::json::value> detail(const std::string& id) const;

  const Storage& storage() const { return *storage_; }
  const RegistryOptions& options() const { return options_; }
  const std::vector<std::string>& targets() const { return targets_; }

 private:
  std::shared_ptr<const Storage> storage_;
  std::vector<std::string> targets_;
  RegistryOptions options_;
  Scanner scanner_;
  struct DjJobs;  // Data-Juicer work dirs followed incrementally
  std::unique_ptr<DjJobs> dj_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::uint64_t version_ = 0;
  bool closed_ = false;
  std::shared_ptr<const std::vector<RegistryEntry>> entries_ = std::make_shared<std::vector<RegistryEntry>>();
  std::shared_ptr<const std::string> first_jobs_page_ = std::make_shared<std::string>();
  std::vector<Warning> warnings_;
  std::vector<RegistryChange> last_changes_;
  std::deque<std::pair<std::uint64_t, std::vector<RegistryChange>>> history_;  // recent versions' changes
  Totals totals_;
  double last_refresh_ = 0;
};

// Builders of one kind's entries and details (registry_datatrove.cpp, registry_dj.cpp).
RegistryEntry datatrove_entry(const JobRow& row);
boost::json::value datatrove_detail(const RegistryEntry& entry, const RegistryOptions& options);
RegistryEntry data_juicer_entry(const std::string& path, std::shared_ptr<const Snapshot> snapshot);
boost::json::value data_juicer_detail(const RegistryEntry& entry, const RegistryOptions& options);
// True when a directory holds Data-Juicer events files.
bool is_data_juicer_dir(const Storage& storage, const std::string& dir);

// A /api/jobs page: the entries `keep` accepts, from the offset-th match on,
// at most `limit`: {"jobs":[summaries],"count":matches,"returned":R,"offset":O,
// "limit":L,"next_offset":O+R or null,"generated_at":"..."}. Shared by the
// registry's pre-serialised first page and WebApi's filtered pages.
std::string render_jobs_page(const std::vector<RegistryEntry>& entries,
                             const std::function<bool(const RegistryEntry&)>& keep, std::int64_t offset,
                             std::int64_t limit, double generated_at);

// Opaque id for a job path (16 hex digits of a 64-bit FNV-1a hash).
std::string job_id_for(const std::string& kind, const std::string& path);

}  // namespace jobmon
