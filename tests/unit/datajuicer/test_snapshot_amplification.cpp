// Tiny files that named huge ids once cost memory and output proportional to
// the largest id: one 70-byte line naming partition 2^20 - 1 printed 434 MB
// of JSON, 1024 lines naming operation 4095 took 683 MB. The state is sparse
// now: these cost what they name. Own executable: the peak RSS it checks is
// the process's, so no other test may have raised it first.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fstream>
#include <ostream>
#include <streambuf>
#include <string>

#include "jobmon/datajuicer/snapshot.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
using jobmon::test::TempTree;

namespace {

// Peak resident set of this process so far (VmHWM), in KiB.
long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// An ostream that only counts what is written to it.
class CountingBuf : public std::streambuf {
 public:
  std::uint64_t bytes = 0;

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) ++bytes;
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char*, std::streamsize n) override {
    bytes += static_cast<std::uint64_t>(n);
    return n;
  }
};

std::uint64_t json_bytes(const Snapshot& s) {
  CountingBuf buf;
  std::ostream out(&buf);
  write_snapshot_json(s, out);
  return buf.bytes;
}

}  // namespace

TEST_CASE("Snapshot: one line naming partition 2^20 - 1 costs one partition", "[datajuicer]") {
  TempTree tree;
  const std::string line = R"({"event_type":"partition_start","timestamp":1,"partition_id":1048575})";
  REQUIRE(line.size() + 1 == 70);  // with its newline
  tree.write("job/events.jsonl", line + "\n");
  const long rss_before = peak_rss_kib();
  const Snapshot s = analyze_work_dir(tree.path("job"), 10);
  const std::uint64_t bytes = json_bytes(s);
  const long grown_kib = peak_rss_kib() - rss_before;
  CHECK(s.partitions.size() == 1);
  CHECK(s.partitions.count(1048575) == 1);
  CHECK(s.total_partitions == 1);
  CHECK(s.in_progress_partitions == 1);
  CHECK(s.skipped.total() == 0);
  CHECK(bytes < 8 * 1024);        // was 434 MB
  CHECK(grown_kib < 32 * 1024);   // was 223 MB
}

TEST_CASE("Snapshot: 1024 lines naming operation 4095 cost 1024 cells", "[datajuicer]") {
  TempTree tree;
  std::string events;
  for (int pid = 0; pid < 1024; ++pid)
    events += fmt::format(R"({{"event_type":"op_start","timestamp":{},"partition_id":{},"operation_idx":4095}})" "\n",
                          pid + 1, pid);
  REQUIRE(events.size() < 100 * 1024);
  tree.write("job/events.jsonl", events);
  const long rss_before = peak_rss_kib();
  const Snapshot s = analyze_work_dir(tree.path("job"), 10);
  const std::uint64_t bytes = json_bytes(s);
  const long grown_kib = peak_rss_kib() - rss_before;
  CHECK(s.partitions.size() == 1024);
  CHECK(s.operation_names.size() == 1);
  CHECK(s.operations.size() == 1);
  CHECK(s.operations_per_partition == 1);
  CHECK(s.total_operations == 1024);
  CHECK(s.in_progress_operations == 1024);
  CHECK(s.in_progress_partitions == 1024);
  std::size_t cells = 0;
  for (const auto& [pid, p] : s.partitions) cells += p.ops.size();
  CHECK(cells == 1024);
  CHECK(bytes < 2 * 1024 * 1024);  // ~1.1 KB per partition named, not per id below the largest
  CHECK(grown_kib < 32 * 1024);   // was 683 MB
}

TEST_CASE("Snapshot: a claimed partition count is capped, and lists no placeholders past the cap", "[datajuicer]") {
  TempTree tree;
  tree.write("job/events.jsonl",
             R"({"event_type":"job_start","timestamp":1,"metadata":{"num_partitions":1000000}})" "\n"
             R"({"event_type":"partition_start","timestamp":2,"partition_id":7})" "\n");
  const long rss_before = peak_rss_kib();
  const Snapshot s = analyze_work_dir(tree.path("job"), 10);
  const std::uint64_t bytes = json_bytes(s);
  CHECK(peak_rss_kib() - rss_before < 32 * 1024);
  CHECK(s.planned_partitions == 1000000);  // the total comes from the claim (capped at 2^20)...
  CHECK(s.total_partitions == 1000000);
  CHECK(s.partitions.size() == 1);          // ...the listing only from what was named
  CHECK(bytes < 8 * 1024);

  // A plausible plan still lists its partitions not started yet.
  tree.write("job/events.jsonl",
             R"({"event_type":"job_start","timestamp":1,"metadata":{"num_partitions":6}})" "\n"
             R"({"event_type":"partition_start","timestamp":2,"partition_id":4})" "\n");
  const Snapshot small = analyze_work_dir(tree.path("job"), 10);
  CHECK(small.partitions.size() == 6);
  CHECK(small.partitions.at(0).status == RunStatus::not_started);
  CHECK(small.partitions.at(4).status == RunStatus::in_progress);
}

TEST_CASE("Snapshot: negative and huge ids are skipped as out of range, never stored", "[datajuicer]") {
  TempTree tree;
  tree.write("job/events.jsonl",
             R"({"event_type":"partition_start","timestamp":1,"partition_id":-1})" "\n"
             R"({"event_type":"partition_start","timestamp":1,"partition_id":1048576})" "\n"
             R"({"event_type":"op_start","timestamp":1,"partition_id":0,"operation_idx":-5})" "\n"
             R"({"event_type":"op_start","timestamp":1,"partition_id":0,"operation_idx":4096})" "\n"
             R"({"event_type":"op_start","timestamp":1,"partition_id":9223372036854775807,"operation_idx":0})" "\n"
             R"({"event_type":"op_start","timestamp":1,"partition_id":2,"operation_idx":3})" "\n");
  const Snapshot s = analyze_work_dir(tree.path("job"), 10);
  CHECK(s.skipped.out_of_range == 5);
  CHECK(s.partitions.size() == 2);  // 0 (named by the op lines before their op was refused) and 2
  CHECK(s.operation_names.size() == 1);
  CHECK(s.total_operations == 2);   // 2 partitions x the one op named
  CHECK(json_bytes(s) < 8 * 1024);
}
