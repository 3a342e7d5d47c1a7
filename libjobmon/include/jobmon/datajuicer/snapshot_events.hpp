// Data-Juicer event lines (events*.jsonl): the event vocabulary, one parsed
// event, and the line parser the SnapshotAnalyzer runs on its hot path.
// Strings in an Event view the parser's buffers: they are valid until the
// next parse() call, so copy what you keep.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace jobmon {

// Every writer's vocabulary folded onto the events jobmon acts on; aliases
// (operation_*, processing_*) map onto their op_* / job_* equivalents.
enum class EventType : std::uint8_t {
  unknown,  // a well-formed line whose event_type jobmon does not act on
  job_start,
  job_complete,
  job_failed,
  job_restart,
  partition_creation_start,
  partition_creation_complete,
  partition_start,
  partition_complete,
  partition_failed,
  partition_resume,
  op_start,
  op_complete,
  op_failed,
  checkpoint_save,
  checkpoint_load,
  dag_event,  // dag_build_*, dag_node_*, dag_parallel_group_*, dag_execution_plan_*
};

EventType event_type_from_name(std::string_view name);
std::string_view event_type_name(EventType type);

// Tri-state for booleans that writers may omit.
enum class Tri : std::uint8_t { unset, no, yes };

struct Event {
  EventType type = EventType::unknown;
  std::string_view type_name;           // as written
  std::optional<double> timestamp;      // epoch seconds (float or ISO-8601 in the file)
  std::optional<std::int64_t> partition_id;
  std::optional<std::int64_t> operation_idx;
  std::string_view operation_name;
  std::string_view status;
  std::string_view job_id;
  std::string_view error_message;       // error_message, or error_details (older writers)
  std::string_view checkpoint_path;     // top level or metadata
  std::optional<double> duration;       // duration, or metadata.duration_seconds
  std::optional<std::int64_t> input_rows, output_rows;  // top level or metadata
  std::optional<std::int64_t> retry_count;
  Tri success = Tri::unset;             // metadata.success (partition_complete)
  // job_start metadata
  std::optional<std::int64_t> num_partitions;        // metadata.num_partitions (the real partition count)
  std::optional<std::int64_t> total_partitions;      // top-level / metadata total_partitions (often = op count)
  std::string_view executor_type;                    // metadata.config_summary.executor_type
  std::string_view checkpoint_strategy;              // metadata.config_summary.checkpoint_strategy
  Tri checkpoint_enabled = Tri::unset;               // metadata.checkpoint_enabled
  Tri is_resuming = Tri::unset;                      // metadata.is_resuming
  std::string_view restart_reason;                   // job_restart metadata
  std::string_view resume_operation;                 // partition_resume metadata
  std::optional<std::int64_t> sample_count;          // partition metadata
};

// Why a line was not used.
enum class LineIssue : std::uint8_t { none, blank, corrupt, no_event_type, torn, too_long, out_of_range };
// out_of_range: parsed, but names a partition or operation index no job can have.
std::string_view line_issue_name(LineIssue issue);

// Parses one line (without its newline). Not thread-safe; reuse one parser
// per thread: it keeps its buffers between lines. Lines longer than
// `direct_limit` are first reduced: the values of the top-level `config` and
// `op_args` keys (a job's whole configuration) are dropped without being
// materialised, so a huge job_start costs no more memory than a small one.
class EventLineParser {
 public:
  static constexpr std::size_t default_direct_limit = 1u << 20;   // 1 MiB
  static constexpr std::size_t default_reduced_limit = 1u << 20;  // after dropping config

  EventLineParser();
  ~EventLineParser();
  EventLineParser(const EventLineParser&) = delete;
  EventLineParser& operator=(const EventLineParser&) = delete;

  // `readable_after` says how many bytes after line.end() may be read (the
  // rest of the caller's buffer): with 64 or more the line is parsed in place,
  // otherwise it is copied into a padded buffer first.
  LineIssue parse(std::string_view line, Event& event, std::size_t readable_after = 0);

  // Streaming interface for one long line that arrives in pieces: begin,
  // feed every piece (only the reduced form is kept), then finish to parse.
  void begin_long_line();
  void feed_long_line(std::string_view piece);
  LineIssue finish_long_line(Event& event);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "2025-09-17T10:15:00.5", "...Z", "...+02:00", or with a space instead of
// the T. Naive times are UTC. Empty when the text is not such a time.
std::optional<double> parse_iso8601(std::string_view text);

}  // namespace jobmon
