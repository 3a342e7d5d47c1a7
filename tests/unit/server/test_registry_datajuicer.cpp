// jobmon-serve's view of a Data-Juicer job (JobRegistry): tiny files naming
// huge ids cost what they name (jobmon-serve held 920 MB for 1024 lines), and
// a replaced events file is re-read, so the served counts equal a one-shot read.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/server/server.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace json = boost::json;

namespace {

long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

const RegistryEntry& only_entry(const JobRegistry& registry) {
  const auto view = registry.entries_view();
  REQUIRE(view->size() == 1);
  return view->front();
}

const Snapshot& snapshot_of(const RegistryEntry& e) { return *std::get<std::shared_ptr<const Snapshot>>(e.source); }

}  // namespace

TEST_CASE("JobRegistry: Data-Juicer lines naming huge ids cost what they name", "[server]") {
  test::TempTree tree;
  tree.write("outputs/one_line/events.jsonl", R"({"event_type":"partition_start","timestamp":1,"partition_id":1048575})" "\n");
  std::string events;
  for (int pid = 0; pid < 1024; ++pid)
    events += fmt::format(R"({{"event_type":"op_start","timestamp":{},"partition_id":{},"operation_idx":4095}})" "\n",
                          pid + 1, pid);
  tree.write("outputs/ops/events.jsonl", events);

  const long rss_before = peak_rss_kib();
  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("outputs")});
  registry.refresh(100);
  registry.refresh(101);  // the follow path: the second refresh reads on
  const auto view = registry.entries_view();
  REQUIRE(view->size() == 2);
  std::size_t detail_bytes = 0;
  for (const auto& e : *view) {
    INFO(e.path);
    const Snapshot& s = snapshot_of(e);
    const auto detail = registry.detail(e.id);
    REQUIRE(detail);
    detail_bytes += json::serialize(*detail).size();
    const auto& grid = detail->at("grid").at("cells").as_string();
    if (e.path.ends_with("one_line")) {
      CHECK(s.partitions.size() == 1);
      CHECK(s.total_partitions == 1);
      CHECK(grid == "r");
    } else {
      CHECK(s.partitions.size() == 1024);
      CHECK(s.total_operations == 1024);
      CHECK(s.operations.size() == 1);
      CHECK(detail->at("stages").as_array().size() == 1);
      CHECK(grid.size() == 1024);
    }
  }
  CHECK(detail_bytes < 64 * 1024);
  CHECK(peak_rss_kib() - rss_before < 48 * 1024);  // was 920 MB
}

TEST_CASE("JobRegistry: a Data-Juicer events file replaced under the same head is read again", "[server]") {
  test::TempTree tree;
  const std::string head =
      R"({"event_type":"job_start","timestamp":1000,"job_id":"replaced-job","metadata":{"num_partitions":4}})" "\n";
  auto line = [](const char* type, int pid, const char* extra) {
    return fmt::format(R"({{"event_type":"{}","timestamp":{},"partition_id":{}{}}})", type, 1000 + pid, pid, extra) + "\n";
  };
  std::string first = head + line("partition_complete", 0, R"(,"metadata":{"success":true})");
  for (int pid = 1; pid < 4; ++pid) first += line("partition_failed", pid, R"(,"error_message":"a")");
  std::string second = head;
  for (int pid = 0; pid < 4; ++pid) second += line("partition_failed", pid, R"(,"error_message":"worker lost, again")");
  REQUIRE(second.size() >= first.size());
  tree.write("outputs/job/events.jsonl", first);

  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("outputs")});
  registry.refresh(2000);
  CHECK(snapshot_of(only_entry(registry)).completed_partitions == 1);
  CHECK(snapshot_of(only_entry(registry)).failed_partitions == 3);

  tree.write("outputs/job/events.new", second);
  std::filesystem::rename(tree.path("outputs/job/events.new"), tree.path("outputs/job/events.jsonl"));
  registry.refresh(2001);
  const Snapshot& served = snapshot_of(only_entry(registry));
  const Snapshot one_shot = analyze_work_dir(tree.path("outputs/job"), 2001);
  CHECK(one_shot.completed_partitions == 0);
  CHECK(one_shot.failed_partitions == 4);
  CHECK(served.completed_partitions == one_shot.completed_partitions);
  CHECK(served.failed_partitions == one_shot.failed_partitions);
  CHECK(served.events_analyzed == one_shot.events_analyzed);
  CHECK(only_entry(registry).failed == 4);
}

TEST_CASE("JobRegistry: a Data-Juicer operation left unfinished by a failed job is stopped, not running", "[server]") {
  test::TempTree tree;
  tree.write("outputs/stopped/events.jsonl",
             R"({"event_type":"job_start","timestamp":1000,"job_id":"stopped","metadata":{"num_partitions":2}})" "\n"
             R"({"event_type":"op_start","timestamp":1001,"partition_id":0,"operation_name":"clean_links_mapper","operation_idx":0})" "\n"
             R"({"event_type":"op_complete","timestamp":1003,"partition_id":0,"operation_name":"clean_links_mapper","operation_idx":0,"duration":2.0,"input_rows":5,"output_rows":4})" "\n"
             R"({"event_type":"op_start","timestamp":1004,"partition_id":1,"operation_name":"clean_links_mapper","operation_idx":0})" "\n"
             R"({"event_type":"job_failed","timestamp":1010,"status":"failed","error_message":"driver lost","duration":10.0})" "\n");
  test::copy_tree(std::string(JOBMON_TEST_DATA) + "/dj/running", tree.path("outputs/running"));
  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("outputs")});
  registry.refresh(2000);
  for (const auto& e : *registry.entries_view()) {
    INFO(e.path);
    const auto detail = registry.detail(e.id);
    REQUIRE(detail);
    const auto& stage = detail->at("stages").at(0);
    if (e.path.ends_with("stopped")) {
      CHECK(e.status == JobStatus::failed);
      CHECK(stage.at("status") == "stopped");  // was "running · 1/2 partitions" on a failed job
      CHECK(stage.at("detail") == "1/2 partitions");
      CHECK(stage.at("duration_seconds") == 2.0);
      CHECK(stage.at("duration_basis") == "summed over partitions");
    } else {
      CHECK(stage.at("status") == "running");
    }
  }
}
