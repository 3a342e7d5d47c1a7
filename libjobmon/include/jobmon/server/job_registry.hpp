// JobRegistry: every job jobmon-serve knows, behind opaque ids. Refreshing
// goes through the caching Scanner, so a refresh costs what changed; the
// version number moves only when some job's state changed, and waiters
// (Server-Sent Events) are woken then.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/datatrove/scheduler_join.hpp"
#include "jobmon/storage/storage.hpp"
#include "jobmon/training/training_scanner.hpp"

namespace jobmon {

struct Snapshot;

enum class JobKind { datatrove, data_juicer, training };
const char* to_string(JobKind kind);  // "datatrove" | "data_juicer" | "training", as the web API writes it
std::optional<JobKind> parse_job_kind(std::string_view word);  // nothing for any other word

// Which jobs a listing keeps: all, the ones still going, or the finished ones.
enum class Lifecycle { any, current, past };

// One job as the web API lists it, whatever its kind. Its status uses the
// datatrove vocabulary (running, failed, stalled, pending, complete) for every kind.
struct RegistryEntry {
  std::string id;  // opaque: a hash of the kind and path, never a path
  std::string path;
  std::string name;
  JobStatus status = JobStatus::pending;
  bool current = true;  // still going (or waiting); false once finished or failed for good
  std::int64_t done = 0, total = 0, failed = 0;  // ranks, partition-operations, or training steps
  double fraction = 0;
  std::optional<double> eta_seconds;
  std::optional<double> finished_at;  // when a complete job finished: the newest complete jobs list first
  // The state behind the entry: a datatrove row, a Data-Juicer snapshot, or a training run.
  std::variant<JobRow, std::shared_ptr<const Snapshot>, std::shared_ptr<const TrainingRun>> source;
  // What /api/jobs lists for this job. Not to_json(JobRow): one compact
  // vocabulary for every kind (done/total/failed instead of completed/
  // world_size/failed_ranks, no per-rank lists, since a page holds thousands
  // of jobs) plus the web's own keys: id, current, unit, rate_per_hour,
  // started_at, last_change_at, ended_at (and partitions for Data-Juicer).
  // Serialised once when the entry is built and shared, immutable, by every
  // later copy: an unchanged job's entry is carried into the next refresh's
  // list without copying its text, and no parsed JSON is kept per job (a
  // job's detail parses its one summary back).
  std::shared_ptr<const std::string> summary_text;

  JobKind kind() const { return static_cast<JobKind>(source.index()); }  // the variant's order is JobKind's
  bool in(Lifecycle lifecycle) const { return lifecycle == Lifecycle::any || current == (lifecycle == Lifecycle::current); }
};

// Attention order, the order of every listing: failed, stalled, running,
// pending, then complete (newest first); by path within each group.
bool attention_before(const RegistryEntry& a, const RegistryEntry& b);

struct RegistryChange {
  std::string id;
  std::optional<JobStatus> status;  // nullopt: the job is gone
  std::int64_t completed = 0;
};

// Entries in the pre-serialised first /api/jobs page, and in a page by default.
inline constexpr std::size_t kDefaultJobsPageSize = 500;

struct RegistryOptions {
  ScanOptions scan;
  std::size_t max_grid_ranks = 4096;   // rank grid cells in a job's detail
  std::size_t max_chart_points = 500;  // completion-curve points in a job's detail
  std::size_t jobs_page_size = kDefaultJobsPageSize;
  // Training runs under the same targets (TrainingScanner; its prefix and
  // recursion come from `scan`). Off: no training runs are looked for.
  bool training = true;
  TrainingOptions training_options;
  // Whose word joins the files' on every refresh (one squeue + one sacct for all jobs).
  SchedulerChoice scheduler = SchedulerChoice::none;
  SchedulerOptions scheduler_options;
};

class JobRegistry {
 public:
  // A null storage is resolved from the targets (storage_for_targets).
  JobRegistry(std::shared_ptr<const Storage> storage, std::vector<std::string> targets, RegistryOptions options = {});
  ~JobRegistry();
  JobRegistry(const JobRegistry&) = delete;
  JobRegistry& operator=(const JobRegistry&) = delete;

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
  // The entry with this id, null when none; it shares (and keeps alive) the immutable list it is in.
  std::shared_ptr<const RegistryEntry> find(const std::string& id) const;
  std::vector<Warning> warnings() const;
  Totals totals() const;
  double last_refresh() const;
  // How long the last refresh took (scan, scheduler, aggregate); none before the first.
  std::optional<double> last_refresh_duration() const;

  // Full detail of one job (header, progress, ETA, stages, rank grid, chart).
  std::optional<boost::json::value> detail(const std::string& id) const;

  const Storage& storage() const;
  const RegistryOptions& options() const;
  const std::vector<std::string>& targets() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jobmon
