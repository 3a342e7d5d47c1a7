#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "jobmon/datajuicer/snapshot.hpp"
#include "temp_tree.hpp"

using namespace jobmon;

TEST_CASE("Snapshot: a small hostile file cannot claim gigabytes", "[datajuicer]") {
  // Each line names a new partition and the highest operation index: without a
  // bound on partition-operation cells, 3,000 lines (~250 KB) would allocate
  // 3,000 x 4,096 cells (~650 MB).
  test::TempTree tree;
  std::string events = R"({"event_type": "job_start", "timestamp": 1.0})" "\n";
  for (int i = 0; i < 3000; ++i)
    events += fmt::format(R"({{"event_type":"op_start","timestamp":2.0,"partition_id":{},"operation_idx":4095}})" "\n", i * 300);
  tree.write("job/events.jsonl", events);
  const Snapshot s = analyze_work_dir(tree.path("job"), 10);
  CHECK(s.skipped.out_of_range > 0);
  std::size_t cells = 0;
  for (const auto& p : s.partitions) cells += p.ops.size();
  CHECK(cells <= (std::size_t{1} << 22));
}

TEST_CASE("Snapshot: absurd numbers are bounded, never undefined", "[datajuicer]") {
  test::TempTree tree;
  tree.write("job/events.jsonl",
             R"({"event_type": "job_start", "timestamp": 1e300, "metadata": {"num_partitions": 4611686018427387904}})" "\n"
             R"({"event_type": "op_start", "timestamp": -1e300, "partition_id": 1e300, "operation_idx": 3})" "\n"
             R"({"event_type": "op_complete", "timestamp": 5, "partition_id": 0, "operation_idx": 9e18})" "\n");
  const Snapshot s = analyze_work_dir(tree.path("job"), 10);
  CHECK(s.planned_partitions <= (1 << 20));
  CHECK(s.total_operations >= 0);
}
