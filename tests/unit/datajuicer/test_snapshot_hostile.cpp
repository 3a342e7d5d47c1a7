#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "jobmon/datajuicer/snapshot.hpp"
#include "temp_tree.hpp"

using namespace jobmon;

TEST_CASE("Snapshot: a small hostile file cannot claim gigabytes", "[datajuicer]") {
  // Each line names a new partition and the highest operation index: the
  // state is sparse, so 3,000 lines (~250 KB) cost 3,000 partitions of one
  // cell each, not 900,000 partitions x 4,096 cells.
  test::TempTree tree;
  std::string events = R"({"event_type": "job_start", "timestamp": 1.0})" "\n";
  for (int i = 0; i < 3000; ++i)
    events += fmt::format(R"({{"event_type":"op_start","timestamp":2.0,"partition_id":{},"operation_idx":4095}})" "\n", i * 300);
  tree.write("job/events.jsonl", events);
  const Snapshot s = analyze_work_dir(tree.path("job"), 10);
  CHECK(s.skipped.out_of_range == 0);
  CHECK(s.partitions.size() == 3000);
  std::size_t cells = 0;
  for (const auto& [pid, p] : s.partitions) cells += p.ops.size();
  CHECK(cells == 3000);
  CHECK(s.total_operations == 3000);
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
