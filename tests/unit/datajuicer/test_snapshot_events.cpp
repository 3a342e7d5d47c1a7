// EventLineParser and parse_iso8601: the per-line hot path, on hostile input.
#include <catch2/catch.hpp>
#include <string>

#include "jobmon/datajuicer/snapshot_events.hpp"

using namespace jobmon;

TEST_CASE("Snapshot: parses an op_complete with rows at the top level or in metadata", "[datajuicer]") {
  EventLineParser parser;
  Event e;
  REQUIRE(parser.parse(R"({"event_type":"op_complete","timestamp":1758104100.25,"partition_id":3,"operation_name":"x","operation_idx":2,"duration":1.5,"input_rows":10,"output_rows":9})", e) == LineIssue::none);
  CHECK(e.type == EventType::op_complete);
  CHECK(*e.timestamp == 1758104100.25);
  CHECK(*e.partition_id == 3);
  CHECK(*e.operation_idx == 2);
  CHECK(e.operation_name == "x");
  CHECK(*e.duration == 1.5);
  CHECK(*e.input_rows == 10);
  CHECK(*e.output_rows == 9);
  REQUIRE(parser.parse(R"({"metadata":{"duration_seconds":2,"input_rows":7,"output_rows":"6","success":false},"event_type":"partition_complete","partition_id":"4"})", e) == LineIssue::none);
  CHECK(e.type == EventType::partition_complete);
  CHECK(*e.duration == 2);
  CHECK(*e.input_rows == 7);
  CHECK(*e.output_rows == 6);  // numeric strings are accepted
  CHECK(*e.partition_id == 4);
  CHECK(e.success == Tri::no);
  CHECK_FALSE(e.timestamp);
  // The executor puts a failed partition's error in metadata.error.
  REQUIRE(parser.parse(R"({"event_type":"partition_complete","partition_id":1,"metadata":{"success":false,"error":"OSError: disk full","operation_idx":4}})", e) == LineIssue::none);
  CHECK(e.error_message == "OSError: disk full");
  CHECK(*e.operation_idx == 4);
  REQUIRE(parser.parse(R"({"event_type":"op_failed","error_message":"top","metadata":{"error":"meta"}})", e) == LineIssue::none);
  CHECK(e.error_message == "top");
}

TEST_CASE("Snapshot: aliases and null-filled keys of older writers", "[datajuicer]") {
  EventLineParser parser;
  Event e;
  REQUIRE(parser.parse(R"({"event_type":"operation_error","timestamp":1.0,"partition_id":null,"operation_idx":null,"error_message":null,"error_details":"boom","metadata":null})", e) == LineIssue::none);
  CHECK(e.type == EventType::op_failed);
  CHECK_FALSE(e.partition_id);
  CHECK_FALSE(e.operation_idx);
  CHECK(e.error_message == "boom");
  CHECK(event_type_from_name("processing_complete") == EventType::job_complete);
  CHECK(event_type_from_name("operation_checkpoint") == EventType::checkpoint_save);
  CHECK(event_type_from_name("dag_node_complete") == EventType::dag_event);
  CHECK(event_type_from_name("something_new") == EventType::unknown);
}

TEST_CASE("Snapshot: job_start metadata, config_summary and the total_partitions trap", "[datajuicer]") {
  EventLineParser parser;
  Event e;
  REQUIRE(parser.parse(R"({"event_type":"job_start","timestamp":5,"total_partitions":12,"config":{"np":4,"process":[{"a":{}}]},"metadata":{"num_partitions":40,"checkpoint_enabled":true,"config_summary":{"executor_type":"ray","checkpoint_strategy":"every_op"}}})", e) == LineIssue::none);
  CHECK(*e.num_partitions == 40);
  CHECK(*e.total_partitions == 12);
  CHECK(e.executor_type == "ray");
  CHECK(e.checkpoint_strategy == "every_op");
  CHECK(e.checkpoint_enabled == Tri::yes);
}

TEST_CASE("Snapshot: blank, corrupt, torn, glued and NUL-filled lines are classified", "[datajuicer]") {
  EventLineParser parser;
  Event e;
  CHECK(parser.parse("", e) == LineIssue::blank);
  CHECK(parser.parse(" \t\r", e) == LineIssue::blank);
  CHECK(parser.parse("not json", e) == LineIssue::corrupt);
  CHECK(parser.parse("[1,2]", e) == LineIssue::corrupt);
  CHECK(parser.parse(R"({"event_type":"op_start","partition_id":3)", e) == LineIssue::corrupt);
  CHECK(parser.parse(R"({"event_type":"op_start","metadata":{"a":[1,2}})", e) == LineIssue::corrupt);
  CHECK(parser.parse(R"({"event_type":"op_start"}{"event_type":"op_start"})", e) == LineIssue::corrupt);
  CHECK(e.type_name.empty());  // nothing half-parsed is left behind
  CHECK(parser.parse(R"({"event_type":"op_start","message":"unterminated})", e) == LineIssue::corrupt);
  const char with_nuls[] = "{\"event_type\":\"op_start\",\0\0\0\0\"x\":1}";
  CHECK(parser.parse(std::string(with_nuls, sizeof with_nuls - 1), e) == LineIssue::corrupt);
  CHECK(parser.parse(std::string(4096, '\0'), e) == LineIssue::corrupt);
  CHECK(parser.parse(R"({"timestamp":1})", e) == LineIssue::no_event_type);
  CHECK(parser.parse("{\"event_type\":\"op_start\",\"bad\":\"\xff\xfe\"}", e) == LineIssue::corrupt);  // invalid UTF-8
  // CRLF line ends are fine
  CHECK(parser.parse("{\"event_type\":\"op_start\",\"timestamp\":1}\r", e) == LineIssue::none);
}

TEST_CASE("Snapshot: a huge job_start config is dropped without being held", "[datajuicer]") {
  EventLineParser parser;
  Event e;
  std::string config = R"({"process":[)";
  while (config.size() < (3u << 20)) config += R"({"op":{"text":"a \"quoted\" } ] { [ string","n":[1,2,{"x":null}]}},)";
  config += R"({}]})";
  const std::string line = R"({"event_type":"job_start","timestamp":9,"config":)" + config +
                           R"(,"op_args":{"big":")" + std::string(1u << 20, 'y') + R"("},"metadata":{"num_partitions":77}})";
  REQUIRE(line.size() > EventLineParser::default_direct_limit);
  REQUIRE(parser.parse(line, e) == LineIssue::none);
  CHECK(e.type == EventType::job_start);
  CHECK(*e.timestamp == 9);
  CHECK(*e.num_partitions == 77);

  // Streamed in pieces, as the reader does for a line longer than a chunk.
  parser.begin_long_line();
  for (std::size_t i = 0; i < line.size(); i += 1000) parser.feed_long_line(std::string_view(line).substr(i, 1000));
  REQUIRE(parser.finish_long_line(e) == LineIssue::none);
  CHECK(*e.num_partitions == 77);

  // Huge in a field that is not dropped: too long, not a crash.
  const std::string huge_message = R"({"event_type":"op_failed","error_message":")" + std::string(3u << 20, 'z') + R"("})";
  CHECK(parser.parse(huge_message, e) == LineIssue::too_long);
  // A torn long line is corrupt.
  CHECK(parser.parse(line.substr(0, line.size() - 30), e) == LineIssue::corrupt);
}

TEST_CASE("Snapshot: ISO-8601 timestamps", "[datajuicer]") {
  CHECK(*parse_iso8601("2025-09-17T10:15:00") == 1758104100.0);
  CHECK(*parse_iso8601("2025-09-17T10:15:00Z") == 1758104100.0);
  CHECK(*parse_iso8601("2025-09-17 10:15:00.5") == 1758104100.5);
  CHECK(*parse_iso8601("2025-09-17T12:15:00+02:00") == 1758104100.0);
  CHECK(*parse_iso8601("2025-09-17T05:15:00-0500") == 1758104100.0);
  CHECK(*parse_iso8601("1970-01-01T00:00:00Z") == 0.0);
  CHECK(*parse_iso8601("2024-02-29T00:00:00Z") == 1709164800.0);
  CHECK_FALSE(parse_iso8601("2025-13-01T00:00:00"));
  CHECK_FALSE(parse_iso8601("2025-09-17"));
  CHECK_FALSE(parse_iso8601("2025-09-17T10:15:00 trailing"));
  CHECK_FALSE(parse_iso8601("yesterday"));
  Event e;
  EventLineParser parser;
  REQUIRE(parser.parse(R"({"event_type":"job_start","timestamp":"2025-09-17T10:15:00.250Z"})", e) == LineIssue::none);
  CHECK(*e.timestamp == 1758104100.25);
  REQUIRE(parser.parse(R"({"event_type":"job_start","timestamp":"not a time"})", e) == LineIssue::none);
  CHECK_FALSE(e.timestamp);
}

TEST_CASE("Snapshot: truncated and bit-flipped lines never crash the parser", "[datajuicer]") {
  // Every prefix and a byte flip at every position of real event shapes; run
  // under ASan in CI, this also proves the in-place (padding) reads stay in bounds.
  const std::vector<std::string> lines{
      R"({"event_type":"op_complete","timestamp":1758104100.25,"partition_id":3,"operation_name":"x","operation_idx":2,"duration":1.5,"input_rows":10,"output_rows":9,"metadata":{"success":true,"config_summary":{"executor_type":"ray"}}})",
      R"({"event_type":"op_failed","timestamp":"2025-09-17T10:15:00Z","error_details":{"a":[1,{"b":"\u00e9\n"}]},"partition_id":null})",
      R"({"event_type":"dag_node_start","timestamp":5,"metadata":{"node_id":"op_001_x_partition_0"}})"};
  EventLineParser parser;
  Event e;
  std::size_t parsed = 0;
  for (const auto& line : lines) {
    for (std::size_t n = 0; n <= line.size(); ++n) {
      // In a buffer with exactly 64 readable bytes after the prefix: the in-place path.
      const std::string buffer = line.substr(0, n) + std::string(64, 'X');
      parsed += parser.parse(std::string_view(buffer).substr(0, n), e, 64) == LineIssue::none;
      parsed += parser.parse(line.substr(0, n), e) == LineIssue::none;  // the copying path
    }
    for (std::size_t i = 0; i < line.size(); ++i) {
      for (const char c : {'\0', '"', '{', '}', '\\', '\xff', ','}) {
        std::string flipped = line;
        flipped[i] = c;
        parsed += parser.parse(flipped, e) == LineIssue::none;
      }
    }
  }
  CHECK(parsed >= 2 * lines.size());  // at least each whole line, both paths
}
