// SnapshotAnalyzer: a Data-Juicer work dir (events*.jsonl, the DAG plan,
// job_summary.json) -> Snapshot. Streams the events in chunks; memory grows
// with the partitions and partition-operations the events name (sparse, by
// id: never with the largest id), never with the number of events or the
// size of a line. update() reads only what was appended since the previous call.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iosfwd>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "jobmon/datajuicer/snapshot_events.hpp"
#include "jobmon/eta.hpp"
#include "jobmon/job_state.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon {

// The reference's status values.
enum class RunStatus : std::uint8_t { not_started, in_progress, completed, failed };
std::string_view to_string(RunStatus status);

inline constexpr double no_time = std::numeric_limits<double>::quiet_NaN();

// A map by id kept as one sorted vector: contiguous to walk (the hot loops
// walk every partition's ops), O(1) to extend in id order (how ops arrive),
// and only as big as the ids it holds, never as the largest id. Iterates
// (id, value) pairs in id order, like std::map.
template <class T>
class IdMap {
 public:
  using value_type = std::pair<std::int64_t, T>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const value_type& back() const { return items_.back(); }
  void reserve(std::size_t n) { items_.reserve(n); }

  iterator find(std::int64_t id) { return found(items_, id); }
  const_iterator find(std::int64_t id) const { return found(items_, id); }
  std::size_t count(std::int64_t id) const { return find(id) != end() ? 1 : 0; }
  const T& at(std::int64_t id) const {
    const auto it = find(id);
    if (it == end()) throw std::out_of_range("IdMap::at");
    return it->second;
  }
  // The entry for `id`, value-initialised when new.
  T& operator[](std::int64_t id) {
    if (items_.empty() || id > items_.back().first) return items_.emplace_back(id, T{}).second;
    if (dense_hit(items_, id)) return items_[static_cast<std::size_t>(id)].second;
    const auto it = lower(items_, id);
    if (it != items_.end() && it->first == id) return it->second;
    return items_.emplace(it, id, T{})->second;
  }

 private:
  template <class Items>
  static auto lower(Items& items, std::int64_t id) {
    return std::lower_bound(items.begin(), items.end(), id, [](const value_type& v, std::int64_t i) { return v.first < i; });
  }
  // Ids 0..n-1 all present (the usual ops): entry `id` is at index `id`.
  template <class Items>
  static bool dense_hit(Items& items, std::int64_t id) {
    return id >= 0 && static_cast<std::size_t>(id) < items.size() && items[static_cast<std::size_t>(id)].first == id;
  }
  template <class Items>
  static auto found(Items& items, std::int64_t id) {
    if (dense_hit(items, id)) return items.begin() + id;
    const auto it = lower(items, id);
    return it != items.end() && it->first == id ? it : items.end();
  }
  std::vector<value_type> items_;
};

// Where an op's duration came from: the writer's `duration`, or op_complete's
// timestamp minus op_start's. The timestamps are used when the written
// duration is absent or 0 and both timestamps exist: the newer writer puts
// `duration: 0.0` in every op_complete, and its `input_rows: 0, output_rows: 0`
// beside that 0.0 are placeholders too, so those rows read as not reported
// (-1). Rows of 0 written with a real duration (or no duration) stay 0.
enum class DurationSource : std::uint8_t { none, written, timestamps };
std::string_view to_string(DurationSource source);

// One operation of one partition; compact because there are P x O of them.
struct OpState {
  RunStatus status = RunStatus::not_started;
  bool checkpointed = false;
  double start_time = no_time;
  double end_time = no_time;
  double duration = no_time;
  std::int64_t input_rows = -1;   // -1: not reported
  std::int64_t output_rows = -1;
  std::uint32_t error = 0;        // 1-based index into Snapshot::op_errors; 0: none
  DurationSource duration_source = DurationSource::none;
  double checkpoint_time = no_time;  // the checkpoint_save/_load that named it
};

struct PartitionState {
  RunStatus status = RunStatus::not_started;
  bool seen = false;              // some event named this partition
  double start_time = no_time;    // processing (partition_start)
  double end_time = no_time;
  double creation_start_time = no_time;  // partition_creation_start (older writers)
  double creation_end_time = no_time;
  std::int64_t current_op = -1;   // last operation started
  std::int64_t sample_count = -1;
  std::int64_t retry_count = 0;
  std::string error_message;
  // By operation_idx: only those events named. Sorted-vector inserts out of
  // order cost a move of the later entries: at most 4096 per partition.
  IdMap<OpState> ops;
};

struct OpAggregate {
  std::int64_t operation_idx = 0;
  std::string operation_name;
  std::int64_t completed = 0, failed = 0, in_progress = 0, checkpointed = 0;
  std::int64_t input_rows = 0, output_rows = 0;  // over completed ops that reported rows
  double total_duration = 0;                     // seconds, over completed ops
  std::optional<double> mean_duration;
  std::optional<double> reduction_ratio;         // 1 - output/input
  std::optional<double> rows_per_second;         // input rows / total duration
};

struct SkippedLine {
  std::string file;
  std::uint64_t line = 0;  // 1-based
  LineIssue issue = LineIssue::corrupt;
};

struct SkippedLines {
  static constexpr std::size_t max_listed = 10;
  std::uint64_t blank = 0, corrupt = 0, no_event_type = 0, too_long = 0, out_of_range = 0;
  std::uint64_t torn = 0;          // unterminated last lines not used (one per file at most)
  std::vector<SkippedLine> first;  // the first few non-blank ones
  // Every line that did not become an event, whatever the reason.
  std::uint64_t total() const { return blank + corrupt + torn + no_event_type + too_long + out_of_range; }
};

struct EventsFileInfo {
  std::string path;
  std::uint64_t bytes = 0;       // consumed (complete lines)
  std::uint64_t lines = 0;
  std::uint64_t events = 0;
  bool partial_last_line = false;  // an unterminated tail that was not (yet) used
  std::string error;               // why it could not be read (it is retried on update())
};

struct DagInfo {
  bool loaded = false;
  std::string error;  // why it could not be read, when present but unreadable
  std::int64_t total_nodes = 0, total_edges = 0, parallel_groups = 0, execution_plan_length = 0;
  std::int64_t planned_partitions = 0;          // distinct _partition_<pid> node ids
  IdMap<std::string> planned_operations;  // op names by operation_idx (execution order - 1)
  // The plan's own `execution_plan` list and `metadata` object, as written
  // (the reference prints both under dag_structure).
  boost::json::value execution_plan, metadata;
};

struct JobSummaryInfo {
  bool loaded = false;
  std::string error;
  std::string job_id, status, executor_type, work_dir, resumption_command, error_message, checkpoint_dir;
  std::string event_log_file, event_log_dir, metadata_dir, backed_up_config_path;
  std::size_t fields = 0;  // keys in the document: 0 is an empty summary
  std::vector<std::string> config_file;
  std::optional<double> start_time, end_time, duration;
};

struct Failure {
  std::optional<std::int64_t> partition_id;
  std::optional<std::int64_t> operation_idx;
  std::string operation_name;
  std::string message;
  std::int64_t run = 1;           // 1-based run (events file / job_start) it happened in
};

// Identical failure messages told once, with where they hit.
struct FailureGroup {
  std::string message;
  bool job_level = false;                      // a job_failed carried it
  std::vector<std::int64_t> partition_ids;     // sorted, distinct (first max_listed_ids)
  std::vector<std::string> operation_names;    // distinct, in first-seen order
  std::size_t occurrences = 0;
  std::int64_t run = 1;
  static constexpr std::size_t max_listed_ids = 50;
};

struct Snapshot {
  std::string work_dir;
  // job_info
  std::string job_id, executor_type, status, config_file, resumption_command, error_message;
  std::vector<std::string> config_files;  // the reference's job_info.config_file list
  RunStatus overall_status = RunStatus::not_started;
  // The state word every tool shows (job_state.hpp): completed -> complete,
  // failed -> failed, not_started -> pending, in_progress -> running or
  // stalled. Stalled (snapshot_health.cpp): no event at all for longer than
  // stall_after = 5 x the longest completed partition-operation (one op on
  // one partition, by its written or timestamp duration; for a writer that
  // sends partition events only, the longest completed partition), floored
  // at 10 minutes and capped at 24 hours; 6 hours when nothing has completed
  // yet. Silence counts from the last event of any kind, so a resumed run's
  // job_start/partition_resume restarts it and a partitioned job silent for
  // one long op level stays running. The job's overall completion rate never
  // decides it (with many partitions it is tiny, and all partitions finish
  // an op at about the same time); eta/eta_linear's `stalled` is set to
  // agree with this word. A job silent for a day is stalled whatever its
  // pace. state_reason says why, in words.
  JobStatus state = JobStatus::pending;
  std::string state_reason;
  std::optional<double> last_event_age;   // generated_at - last_event_time
  // timing (epoch seconds; empty when unknown)
  std::optional<double> start_time, end_time, last_event_time, duration_seconds, job_summary_duration;
  std::string timing_source;  // "events" | "job_summary" | "none"
  // duration_seconds: a finished job's start -> end; a running or pending
  // job's start -> generated_at (duration_until_now says so); a stalled
  // job's start -> last event (it is not running any more). The JSON keeps
  // the reference's semantics for its own keys: total_duration and
  // timing.duration_seconds/duration_formatted are null until the job
  // finished (snapshot.py gives end - start, null without an end), and
  // jobmon's value is timing.elapsed_seconds.
  bool duration_until_now = false;
  // Where the work dir's files are (the job summary's, else what is found).
  std::string event_log_file, event_log_dir, metadata_dir, backed_up_config_path;
  // progress
  std::int64_t total_partitions = 0, completed_partitions = 0, failed_partitions = 0, in_progress_partitions = 0;
  std::int64_t planned_partitions = 0;  // 0: no plan, no job_start count; a claim is capped at 2^20
  std::string planned_partitions_source;  // "dag_plan" | "job_start" | "partition_creation" | "events"
  std::int64_t operations_per_partition = 0;
  std::int64_t total_operations = 0, completed_operations = 0, failed_operations = 0,
               in_progress_operations = 0, checkpointed_operations = 0;
  double partition_percentage = 0, operation_percentage = 0, overall_percentage = 0;
  // checkpointing
  std::string checkpoint_strategy, checkpoint_dir;
  std::optional<double> last_checkpoint_time;
  bool resumable = false;  // never for a completed job
  // runs
  std::int64_t runs = 0, restarts = 0;
  // detail
  // By partition_id: every partition an event named, plus (not_started, seen
  // false) the planned ones not named yet while the plan claims at most
  // max_listed_planned partitions; beyond that only the totals count them.
  IdMap<PartitionState> partitions;
  static constexpr std::int64_t max_listed_planned = 10000;
  IdMap<std::string> operation_names;  // by operation_idx: named by events or the plan
  std::vector<std::string> op_errors;
  std::vector<OpAggregate> operations;  // one per entry of operation_names, by operation_idx
  std::vector<Failure> failures;  // job, partition and operation failures (first max_failures)
  static constexpr std::size_t max_failures = 100;
  std::size_t failures_total = 0;
  // The failures grouped by message: those of the last run, and those of
  // earlier runs of a resumed job (history; they no longer decide the state).
  std::vector<FailureGroup> failure_groups, earlier_failure_groups;
  // Problems with the sources a reader should see (corrupt plan, empty job
  // summary, an events file that is not a regular file...), in words.
  std::vector<std::string> warnings;
  // ETA of an in-progress job, in partition-operations (or in partitions
  // when only partition events arrive: eta_unit says which); a resumed job's
  // pace counts from the current run's start. `stalled` agrees with state.
  std::optional<EtaEstimate> eta, eta_linear;
  std::string eta_unit;  // "partition_operations" | "partitions"
  // sources
  DagInfo dag;
  JobSummaryInfo job_summary;
  bool job_summary_used = false;
  std::vector<EventsFileInfo> events_files;
  std::uint64_t events_analyzed = 0;
  SkippedLines skipped;
  double generated_at = 0;  // the `now` the snapshot was taken with
};

struct SnapshotOptions {
  std::size_t chunk_size = 4u << 20;  // bytes per read_range
};

// Every `storage` below may be null: it is then resolved from the path
// (storage_for, see storage_factory.hpp).
class SnapshotAnalyzer {
 public:
  explicit SnapshotAnalyzer(std::string work_dir, std::shared_ptr<const Storage> storage = nullptr,
                            SnapshotOptions options = {});
  ~SnapshotAnalyzer();
  SnapshotAnalyzer(const SnapshotAnalyzer&) = delete;
  SnapshotAnalyzer& operator=(const SnapshotAnalyzer&) = delete;

  // Reads what was appended since the previous call: new complete lines, new
  // events files, a changed DAG plan or job summary. A file that shrank or
  // was replaced makes it start over. An unterminated last line waits until
  // it parses as an event and the file stayed the same over one more call
  // (then it is used, as finish() would); a newline arriving after it adds
  // nothing, more text on the same line makes it read the file again.
  // Throws StorageError when the work dir cannot be read at all.
  void update();
  // For a one-shot read: also uses an unterminated last line when it is
  // complete JSON (else it is reported as a partial last line).
  void finish();
  // The state so far; `now` (epoch seconds) only feeds the ETA.
  Snapshot snapshot(double now) const;

  const std::string& work_dir() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `dj-process --config C1 --config C2 --job_id ID`, every word shell-quoted;
// empty without a config or a job id.
std::string dj_resume_command(const std::vector<std::string>& config_files, const std::string& job_id);

// One-shot: update() + finish() + snapshot(now).
Snapshot analyze_work_dir(const std::string& work_dir, double now, std::shared_ptr<const Storage> storage = nullptr);

// Events files of a work dir in reading order: events.jsonl, then
// events_*.jsonl by name (their names carry the run's UTC start time).
std::vector<std::string> find_events_files(const Storage& storage, const std::string& work_dir);

// Every parseable event of a work dir, as JSON objects (config dropped), for
// scripts. Bounded by `max_events` (0: no bound).
std::vector<boost::json::object> load_events(const std::string& work_dir, std::size_t max_events = 0,
                                             std::shared_ptr<const Storage> storage = nullptr);

// A job under an outputs root (the reference's list_running_jobs).
struct JobListing {
  std::string job_id, work_dir;
  RunStatus status = RunStatus::not_started;
  std::optional<double> start_time, last_event_time;
  std::int64_t completed_partitions = 0, total_partitions = 0;
  double overall_percentage = 0;
  std::string error;  // when the job could not be read
  JobStatus state = JobStatus::pending;   // the shared state word (stalled when silent too long)
  std::optional<double> last_event_age;
};
// Work dirs directly under `root` (and `root` itself) that hold events files.
std::vector<JobListing> list_jobs(const std::string& root, double now, std::shared_ptr<const Storage> storage = nullptr);

// JSON: the reference's keys plus jobmon's additions, in a stable order.
boost::json::value to_json(const Snapshot& snapshot);
// The same document written piece by piece (no whole tree in memory: a job
// with 10^5 partition-operations prints without a 100 MB DOM).
void write_snapshot_json(const Snapshot& snapshot, std::ostream& out);
boost::json::value to_json(const std::vector<JobListing>& jobs);

}  // namespace jobmon
