// SnapshotAnalyzer on the corpus in tests/data/dj: one work dir per shape of
// real Data-Juicer output, each checked field by field in the JSON document
// jobmon-snapshot prints.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/json.hpp"

namespace json = boost::json;
using namespace jobmon;

namespace {

constexpr double base = 1758104100.0;  // 2025-09-17T10:15:00Z, the corpus's epoch

std::string dir(const std::string& name) { return std::string(JOBMON_TEST_DATA) + "/dj/" + name; }

// The document as printed (streamed), parsed back: what scripts see.
json::object document(const std::string& name, double now = base + 100000) {
  const Snapshot s = analyze_work_dir(dir(name), now);
  std::ostringstream out;
  write_snapshot_json(s, out);
  return json::parse(out.str()).as_object();
}

const json::value& at(const json::object& doc, std::initializer_list<std::string_view> path) {
  const json::value* v = nullptr;
  const json::object* o = &doc;
  for (auto key : path) {
    v = o->if_contains(key);
    INFO("key " << key);
    REQUIRE(v != nullptr);
    if (v->is_object()) o = &v->get_object();
  }
  return *v;
}

double num(const json::object& doc, std::initializer_list<std::string_view> path) {
  const auto& v = at(doc, path);
  REQUIRE(v.is_number());
  return v.to_number<double>();
}
std::string str(const json::object& doc, std::initializer_list<std::string_view> path) {
  const auto& v = at(doc, path);
  REQUIRE(v.is_string());
  return std::string(v.get_string());
}
bool is_null(const json::object& doc, std::initializer_list<std::string_view> path) { return at(doc, path).is_null(); }

}  // namespace

TEST_CASE("Snapshot: keeps the reference's keys in a stable order", "[datajuicer]") {
  const auto doc = document("completed");
  std::vector<std::string> keys;
  for (const auto& kv : doc) keys.emplace_back(kv.key());
  const std::vector<std::string> expected{
      "job_info",      "overall_status", "overall_progress", "job_start_time", "job_end_time",     "total_duration",
      "timing",        "progress_summary", "checkpointing",  "partition_progress", "operation_progress",
      "dag_structure", "file_paths",     "metadata",         "operations",     "failures",         "eta",
      "runs",          "events_files",   "skipped_lines",    "state",          "state_reason",     "last_event_age",
      "warnings"};
  CHECK(keys == expected);
  std::vector<std::string> info;
  for (const auto& kv : at(doc, {"job_info"}).get_object()) info.emplace_back(kv.key());
  CHECK(info == std::vector<std::string>{"job_id", "executor_type", "status", "config_file", "work_dir",
                                         "resumption_command", "error_message"});
  // The streamed document and the in-memory one print the same, on every corpus job.
  for (const char* name : {"completed", "failed", "running", "resumed", "old_writer", "iso_timestamps", "corrupt",
                           "dag_plan", "job_summary"}) {
    INFO(name);
    const Snapshot s = analyze_work_dir(dir(name), base + 100000);
    std::ostringstream streamed;
    write_snapshot_json(s, streamed);
    CHECK(streamed.str() == to_pretty_json(to_json(s)));
  }
}

TEST_CASE("Snapshot: completed job (two job_starts, grouped ops, one checkpoint per group)", "[datajuicer]") {
  const auto doc = document("completed");
  CHECK(str(doc, {"overall_status"}) == "completed");
  CHECK(str(doc, {"job_info", "job_id"}) == "20250917_101500_a1b2c3");
  CHECK(str(doc, {"job_info", "executor_type"}) == "ray_partitioned");
  CHECK(str(doc, {"job_info", "status"}) == "completed");
  CHECK(num(doc, {"overall_progress", "overall_percentage"}) == 100);
  // num_partitions (2) from the first job_start, not total_partitions (3 = ops)
  CHECK(num(doc, {"progress_summary", "total_partitions"}) == 2);
  CHECK(str(doc, {"progress_summary", "planned_partitions_source"}) == "job_start");
  CHECK(num(doc, {"progress_summary", "completed_partitions"}) == 2);
  CHECK(num(doc, {"progress_summary", "total_operations"}) == 6);
  CHECK(num(doc, {"progress_summary", "completed_operations"}) == 6);
  // checkpointed is a property: the group's last op in each partition, still completed
  CHECK(num(doc, {"progress_summary", "checkpointed_operations"}) == 2);
  CHECK(str(doc, {"checkpointing", "strategy"}) == "every_n_ops");
  CHECK(at(doc, {"checkpointing", "resumable"}) == json::value(false));
  CHECK(num(doc, {"checkpointing", "last_checkpoint_time"}) == base + 110.5);
  CHECK(num(doc, {"timing", "start_time"}) == base);
  CHECK(num(doc, {"timing", "end_time"}) == base + 112);
  CHECK(num(doc, {"timing", "duration_seconds"}) == 112);
  CHECK(str(doc, {"timing", "timing_source"}) == "events");
  CHECK(str(doc, {"partition_progress", "1", "status"}) == "completed");
  CHECK(num(doc, {"partition_progress", "1", "checkpointed_operations_count"}) == 1);
  // the reference's lists of operation names, beside jobmon's counts
  CHECK(at(doc, {"partition_progress", "1", "checkpointed_operations"}) == json::array{"document_deduplicator"});
  CHECK(at(doc, {"partition_progress", "1", "completed_operations"}) ==
        json::array{"clean_email_mapper", "text_length_filter", "document_deduplicator"});
  CHECK(at(doc, {"partition_progress", "1", "failed_operations"}) == json::array{});
  CHECK(num(doc, {"partition_progress", "1", "completed_operations_count"}) == 3);
  CHECK(at(doc, {"partition_progress", "1", "progress_percentage"}) == json::value(100.0));
  const auto& listed_ckpt = at(doc, {"checkpointing", "checkpoint_progress", "checkpointed_operations"}).as_array();
  REQUIRE(listed_ckpt.size() == 2);
  CHECK(listed_ckpt.at(0).at("operation_key") == "p0_op2_document_deduplicator");
  CHECK(listed_ckpt.at(0).at("operation_name") == "document_deduplicator");
  CHECK(listed_ckpt.at(0).at("checkpoint_time").to_number<double>() ==
        num(doc, {"operation_progress", "p0_op2_document_deduplicator", "checkpoint_time"}));
  CHECK(is_null(doc, {"operation_progress", "p0_op1_text_length_filter", "checkpoint_time"}));
  CHECK(at(doc, {"operation_progress", "p0_op1_text_length_filter", "progress_percentage"}) == json::value(100.0));
  CHECK(str(doc, {"operation_progress", "p0_op1_text_length_filter", "duration_source"}) == "written");
  // the reference's top-level timing keys
  CHECK(num(doc, {"job_start_time"}) == base);
  CHECK(num(doc, {"job_end_time"}) == base + 112);
  CHECK(at(doc, {"total_duration"}) == json::value(112.0));
  CHECK(str(doc, {"state"}) == "complete");
  CHECK(at(doc, {"job_info", "config_file"}) == json::array{});
  CHECK(str(doc, {"file_paths", "event_log_file"}).ends_with("completed/events_20250917_101500.jsonl"));
  CHECK(str(doc, {"file_paths", "event_log_dir"}).ends_with("/dj/completed"));
  CHECK(is_null(doc, {"file_paths", "metadata_dir"}));
  CHECK(is_null(doc, {"file_paths", "backed_up_config_path"}));
  CHECK(at(doc, {"warnings"}) == json::array{});
  CHECK(str(doc, {"operation_progress", "p0_op2_document_deduplicator", "status"}) == "completed");
  CHECK(at(doc, {"operation_progress", "p0_op2_document_deduplicator", "checkpointed"}) == json::value(true));
  CHECK(at(doc, {"operation_progress", "p0_op1_text_length_filter", "checkpointed"}) == json::value(false));
  // rows from the top level (partition 0) and from metadata (partition 1)
  CHECK(num(doc, {"operation_progress", "p1_op0_clean_email_mapper", "input_rows"}) == 800);
  const auto& op0 = at(doc, {"operations"}).as_array().at(0).as_object();
  CHECK(op0.at("operation_name") == "clean_email_mapper");
  CHECK(op0.at("input_rows").to_number<double>() == 1800);
  CHECK(op0.at("output_rows").to_number<double>() == 1710);
  CHECK(op0.at("reduction_ratio").to_number<double>() == Approx(0.05));
  CHECK(op0.at("total_duration_seconds").to_number<double>() == Approx(3.5));
  CHECK(op0.at("mean_duration_seconds").to_number<double>() == Approx(1.75));
  CHECK(op0.at("rows_per_second").to_number<double>() == Approx(1800 / 3.5));
  CHECK(at(doc, {"eta"}).is_null());  // no ETA for a finished job
  CHECK(num(doc, {"runs", "runs"}) == 1);
  CHECK(num(doc, {"metadata", "events_analyzed"}) == 21);
  CHECK(num(doc, {"skipped_lines", "total"}) == 0);
}

TEST_CASE("Snapshot: failed job (job_failed, success=false, partition_failed)", "[datajuicer]") {
  const auto doc = document("failed");
  CHECK(str(doc, {"overall_status"}) == "failed");
  CHECK(str(doc, {"job_info", "error_message"}) == "2 partitions failed");
  CHECK(num(doc, {"progress_summary", "total_partitions"}) == 3);
  CHECK(num(doc, {"progress_summary", "completed_partitions"}) == 1);
  CHECK(num(doc, {"progress_summary", "failed_partitions"}) == 2);  // incl. partition_complete{success:false}
  CHECK(num(doc, {"progress_summary", "in_progress_partitions"}) == 0);
  CHECK(num(doc, {"progress_summary", "failed_operations"}) == 1);
  CHECK(str(doc, {"partition_progress", "1", "status"}) == "failed");
  CHECK(str(doc, {"partition_progress", "1", "error_message"}) == "ValueError: bad sample");  // its op's error
  CHECK(str(doc, {"partition_progress", "2", "error_message"}) == "Ray worker died");
  CHECK(num(doc, {"partition_progress", "2", "retry_count"}) == 3);
  CHECK(num(doc, {"partition_progress", "0", "sample_count"}) == 10);
  CHECK(str(doc, {"operation_progress", "p1_op0_clean_email_mapper", "error_message"}) == "ValueError: bad sample");
  CHECK(num(doc, {"failures", "total"}) == 4);
  const auto& listed = at(doc, {"failures", "listed"}).as_array();
  CHECK(listed.at(0).at("scope") == "job");
  CHECK(listed.at(2).at("scope") == "operation");
  CHECK(listed.at(2).at("error_message") == "ValueError: bad sample");
  CHECK(num(doc, {"timing", "end_time"}) == base + 220);
  CHECK(at(doc, {"checkpointing", "resumable"}) == json::value(false));  // nothing checkpointed
  CHECK(at(doc, {"eta"}).is_null());
}

TEST_CASE("Snapshot: running job with a torn last line uses planned totals", "[datajuicer]") {
  const auto doc = document("running", base + 310);
  CHECK(str(doc, {"overall_status"}) == "in_progress");
  // metadata.num_partitions (4), never job_start's total_partitions (2 = ops)
  CHECK(num(doc, {"progress_summary", "total_partitions"}) == 4);
  CHECK(num(doc, {"progress_summary", "completed_partitions"}) == 1);
  CHECK(num(doc, {"progress_summary", "in_progress_partitions"}) == 1);
  CHECK(num(doc, {"progress_summary", "not_started_partitions"}) == 2);
  CHECK(num(doc, {"progress_summary", "total_operations"}) == 8);
  CHECK(num(doc, {"progress_summary", "completed_operations"}) == 3);
  CHECK(num(doc, {"progress_summary", "in_progress_operations"}) == 1);
  CHECK(num(doc, {"progress_summary", "operation_progress_percentage"}) == 37.5);
  CHECK(num(doc, {"overall_progress", "overall_percentage"}) == 37.5);
  CHECK(str(doc, {"partition_progress", "1", "current_operation"}) == "words_num_filter");
  CHECK(str(doc, {"partition_progress", "3", "status"}) == "not_started");
  // a running job's elapsed time runs until the snapshot; the reference's
  // own duration keys stay null until the job ends, as snapshot.py's do
  CHECK(num(doc, {"timing", "elapsed_seconds"}) == 10);
  CHECK(at(doc, {"timing", "duration_until_now"}) == json::value(true));
  CHECK(is_null(doc, {"timing", "duration_seconds"}));
  CHECK(is_null(doc, {"timing", "duration_formatted"}));
  CHECK(is_null(doc, {"total_duration"}));
  CHECK(is_null(doc, {"timing", "end_time"}));
  CHECK(str(doc, {"state"}) == "running");
  CHECK(num(doc, {"last_event_age"}) == 0.5);
  CHECK(num(doc, {"partition_progress", "1", "progress_percentage"}) == 50);
  CHECK(at(doc, {"checkpointing", "resumable"}) == json::value(true));
  // the torn tail is reported, not counted as an event or a skipped line
  CHECK(num(doc, {"metadata", "events_analyzed"}) == 12);
  CHECK(num(doc, {"skipped_lines", "total"}) == 1);  // the torn line did not become an event
  CHECK(num(doc, {"skipped_lines", "torn"}) == 1);
  CHECK(num(doc, {"skipped_lines", "partial_last_lines"}) == 1);
  CHECK(at(doc, {"events_files"}).as_array().at(0).at("partial_last_line") == json::value(true));
  const auto& first = at(doc, {"skipped_lines", "first"}).as_array();
  REQUIRE(first.size() == 1);
  CHECK(first.at(0).at("line").to_number<int>() == 13);
  CHECK(first.at(0).at("reason") == "torn");
  // ETA from the EtaEstimator in partition-operations
  CHECK(str(doc, {"eta", "unit"}) == "partition_operations");
  CHECK(num(doc, {"eta", "total"}) == 8);
  CHECK(num(doc, {"eta", "done"}) == 3);
  CHECK(num(doc, {"eta", "linear", "rate_per_second"}) == Approx(3.0 / 10));  // done / (now - start)
  CHECK(num(doc, {"eta", "smoothed", "remaining_seconds"}) > 0);
  // the same inputs give the same progress numbers at any time; the
  // elapsed time grows, and 11 days of silence is a stall, whose elapsed
  // time ends at its last event
  const auto later = document("running", base + 990000);
  CHECK(later.at("progress_summary") == doc.at("progress_summary"));
  CHECK(str(later, {"state"}) == "stalled");
  CHECK(num(later, {"timing", "elapsed_seconds"}) ==
        num(later, {"timing", "last_event_time"}) - num(later, {"timing", "start_time"}));
  CHECK(at(later, {"timing", "duration_until_now"}) == json::value(false));
}

TEST_CASE("Snapshot: resumed job across two events files does not double count", "[datajuicer]") {
  const auto doc = document("resumed");
  CHECK(str(doc, {"overall_status"}) == "completed");
  CHECK(is_null(doc, {"job_info", "error_message"}));  // the resumed run succeeded
  CHECK(num(doc, {"runs", "runs"}) == 2);
  CHECK(num(doc, {"runs", "restarts"}) == 1);
  CHECK(num(doc, {"progress_summary", "total_partitions"}) == 2);
  CHECK(num(doc, {"progress_summary", "completed_partitions"}) == 2);
  CHECK(num(doc, {"progress_summary", "failed_partitions"}) == 0);
  CHECK(num(doc, {"progress_summary", "total_operations"}) == 4);
  CHECK(num(doc, {"progress_summary", "completed_operations"}) == 4);
  CHECK(num(doc, {"progress_summary", "failed_operations"}) == 0);
  CHECK(num(doc, {"progress_summary", "checkpointed_operations"}) == 4);
  CHECK(num(doc, {"failures", "total"}) == 0);
  // checkpoint_load's "op_0000" does not rename the op
  CHECK(at(doc, {"operation_progress"}).as_object().contains("p1_op0_fix_unicode_mapper"));
  CHECK(num(doc, {"operation_progress", "p1_op1_perplexity_filter", "duration"}) == 2.6);
  CHECK(num(doc, {"timing", "start_time"}) == base + 1000);
  CHECK(num(doc, {"timing", "end_time"}) == base + 5010);
  CHECK(num(doc, {"timing", "duration_seconds"}) == 4010);
  const auto& files = at(doc, {"events_files"}).as_array();
  REQUIRE(files.size() == 2);
  CHECK(std::string(files.at(0).at("path").as_string()).ends_with("events_20250917_100000.jsonl"));
  CHECK(files.at(1).at("events").to_number<int>() == 10);
  CHECK(at(doc, {"file_paths", "event_log_files"}).as_array().size() == 2);
}

TEST_CASE("Snapshot: old writer vocabulary with nulls, error_details and a job summary", "[datajuicer]") {
  const auto doc = document("old_writer");
  CHECK(str(doc, {"overall_status"}) == "failed");  // from job_summary: the events have no terminal event
  CHECK(str(doc, {"job_info", "status"}) == "failed");
  CHECK(at(doc, {"job_info", "config_file"}) == json::array{"/outputs/old1/config.yaml"});
  CHECK(str(doc, {"file_paths", "event_log_file"}) == "/outputs/old1/events.jsonl");
  CHECK(str(doc, {"file_paths", "backed_up_config_path"}) == "/outputs/old1/config.yaml");
  CHECK(num(doc, {"partition_progress", "0", "creation_start_time"}) == base + 2000.5);
  CHECK(num(doc, {"partition_progress", "0", "creation_end_time"}) == Approx(base + 2000.6));
  CHECK(str(doc, {"job_info", "resumption_command"}) == "dj-process --config /outputs/old1/config.yaml --job_id old1");
  CHECK(str(doc, {"progress_summary", "planned_partitions_source"}) == "partition_creation");
  CHECK(num(doc, {"progress_summary", "total_partitions"}) == 2);
  CHECK(num(doc, {"partition_progress", "0", "sample_count"}) == 500);
  CHECK(str(doc, {"partition_progress", "1", "error_message"}) == "RuntimeError: boom");
  CHECK(str(doc, {"operation_progress", "p1_op0_clean_html_mapper", "error_message"}) ==
        R"({"type":"RuntimeError","msg":"boom"})");
  // op_start -> checkpoint_save -> op_complete: checkpointed and completed
  CHECK(str(doc, {"operation_progress", "p0_op0_clean_html_mapper", "status"}) == "completed");
  CHECK(at(doc, {"operation_progress", "p0_op0_clean_html_mapper", "checkpointed"}) == json::value(true));
  CHECK(num(doc, {"operation_progress", "p0_op0_clean_html_mapper", "output_rows"}) == 490);
  // the strategy lives in metadata.config_summary
  CHECK(str(doc, {"checkpointing", "strategy"}) == "every_op");
  CHECK(at(doc, {"checkpointing", "resumable"}) == json::value(true));
  CHECK(str(doc, {"checkpointing", "checkpoint_dir"}) == "/outputs/old1/checkpoints");
  CHECK(str(doc, {"timing", "timing_source"}) == "job_summary");
  CHECK(num(doc, {"timing", "start_time"}) == base + 1999);
  CHECK(num(doc, {"timing", "job_summary_duration"}) == 11);
  CHECK(at(doc, {"metadata", "job_summary_used"}) == json::value(true));
  CHECK(num(doc, {"skipped_lines", "total"}) == 0);  // null-filled lines are events, not corrupt
  CHECK(num(doc, {"metadata", "events_analyzed"}) == 15);
}

TEST_CASE("Snapshot: ISO-8601 timestamps (naive, Z, offset, space)", "[datajuicer]") {
  const auto doc = document("iso_timestamps");
  CHECK(str(doc, {"overall_status"}) == "completed");
  CHECK(num(doc, {"timing", "start_time"}) == base);
  CHECK(str(doc, {"timing", "start_time_iso"}) == "2025-09-17T10:15:00Z");
  CHECK(num(doc, {"timing", "end_time"}) == base + 9.25);
  CHECK(num(doc, {"timing", "duration_seconds"}) == 9.25);
  CHECK(num(doc, {"partition_progress", "0", "end_time"}) == base + 5);  // +02:00
  // no duration field: computed from the op's own timestamps
  CHECK(num(doc, {"operation_progress", "p0_op0_fix_unicode_mapper", "duration"}) == 2.5);
}

TEST_CASE("Snapshot: corrupt lines in the middle are skipped, counted and located", "[datajuicer]") {
  const auto doc = document("corrupt");
  CHECK(str(doc, {"overall_status"}) == "completed");  // the unterminated but complete last line counts
  CHECK(num(doc, {"metadata", "events_analyzed"}) == 5);
  CHECK(num(doc, {"progress_summary", "completed_operations"}) == 1);
  CHECK(num(doc, {"operation_progress", "p0_op0_clean_email_mapper", "input_rows"}) == 5);
  CHECK(num(doc, {"skipped_lines", "total"}) == 9);  // the blank lines did not become events either
  CHECK(num(doc, {"skipped_lines", "corrupt"}) == 5);  // garbage, NUL bytes, torn, glued, array
  CHECK(num(doc, {"skipped_lines", "no_event_type"}) == 1);
  CHECK(num(doc, {"skipped_lines", "out_of_range"}) == 1);
  CHECK(num(doc, {"skipped_lines", "blank"}) == 2);
  std::vector<int> lines;
  for (const auto& l : at(doc, {"skipped_lines", "first"}).as_array()) lines.push_back(l.at("line").to_number<int>());
  CHECK(lines == std::vector<int>{3, 5, 6, 7, 8, 9, 12});
  CHECK(at(doc, {"skipped_lines", "first"}).as_array().at(6).at("reason") == "out_of_range");
  CHECK(at(doc, {"events_files"}).as_array().at(0).at("partial_last_line") == json::value(false));
}

TEST_CASE("Snapshot: DAG plan gives planned partitions and operations before they run", "[datajuicer]") {
  const auto doc = document("dag_plan");
  CHECK(str(doc, {"overall_status"}) == "in_progress");
  CHECK(str(doc, {"progress_summary", "planned_partitions_source"}) == "dag_plan");
  CHECK(num(doc, {"progress_summary", "total_partitions"}) == 3);
  CHECK(num(doc, {"progress_summary", "operations_per_partition"}) == 2);
  CHECK(num(doc, {"progress_summary", "total_operations"}) == 6);
  CHECK(num(doc, {"progress_summary", "in_progress_operations"}) == 1);
  CHECK(num(doc, {"progress_summary", "not_started_partitions"}) == 2);
  CHECK(str(doc, {"partition_progress", "2", "status"}) == "not_started");
  CHECK(at(doc, {"dag_structure", "loaded"}) == json::value(true));
  CHECK(num(doc, {"dag_structure", "total_nodes"}) == 7);
  CHECK(num(doc, {"dag_structure", "planned_partitions"}) == 3);
  const auto& ops = at(doc, {"dag_structure", "planned_operations"}).as_array();
  REQUIRE(ops.size() == 2);
  CHECK(ops.at(1) == "text_length_filter");
  // names of ops that have not run yet come from the plan
  CHECK(at(doc, {"operations"}).as_array().at(1).at("operation_name") == "text_length_filter");
  CHECK(at(doc, {"metadata", "dag_plan_loaded"}) == json::value(true));
  CHECK(num(doc, {"metadata", "events_analyzed"}) == 5);
}

TEST_CASE("Snapshot: job_summary supplies timing and the final status", "[datajuicer]") {
  const auto doc = document("job_summary");
  CHECK(str(doc, {"overall_status"}) == "completed");
  CHECK(str(doc, {"timing", "timing_source"}) == "job_summary");
  CHECK(num(doc, {"timing", "start_time"}) == base + 6999.5);
  CHECK(num(doc, {"timing", "end_time"}) == base + 7050);
  CHECK(num(doc, {"timing", "duration_seconds"}) == 50.5);
  CHECK(num(doc, {"timing", "job_summary_duration"}) == 50.5);
  CHECK(str(doc, {"timing", "duration_formatted"}) == "51s");
  CHECK(at(doc, {"metadata", "job_summary_loaded"}) == json::value(true));
  CHECK(at(doc, {"job_info", "config_file"}) == json::array{"/outputs/summary_job/process.yaml"});
}
