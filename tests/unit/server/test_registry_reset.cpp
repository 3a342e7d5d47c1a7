// jobmon-serve's view of a complete job that is reset: JobRegistry::refresh
// goes through the caching Scanner, so it must follow the reset as a
// one-shot read does.
#include <catch2/catch.hpp>

#include <cmath>

#include "jobmon/clock.hpp"
#include "jobmon/server/job_registry.hpp"
#include "temp_tree.hpp"

using namespace jobmon;

namespace {

double past(double seconds) { return std::floor(wall_clock_now()) - seconds + 0.25; }

void settle(const test::TempTree& tree, double seconds) {
  for (const char* p : {"runs/done/executor.json", "runs/done/completions", "runs/done", "runs"})
    tree.set_mtime(p, past(seconds));
}

const RegistryEntry* entry_named(const std::vector<RegistryEntry>& entries, const std::string& name) {
  for (const auto& e : entries)
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace

TEST_CASE("JobRegistry: a complete job removed and made again with 1 of 20 shows 1 of 20", "[server]") {
  test::TempTree tree;
  tree.make_job("runs/done", 20, test::range(0, 20));
  settle(tree, 600);
  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("runs")});
  registry.refresh(wall_clock_now());
  {
    const auto entries = registry.entries();
    const RegistryEntry* done = entry_named(entries, "done");
    REQUIRE(done);
    REQUIRE(done->status == JobStatus::complete);
    REQUIRE(done->done == 20);
  }
  const auto version = registry.version();

  tree.remove("runs/done");
  tree.make_job("runs/done", 20, {0});
  settle(tree, 300);
  const auto changes = registry.refresh(wall_clock_now());

  const auto entries = registry.entries();
  const RegistryEntry* done = entry_named(entries, "done");
  REQUIRE(done);
  CHECK(done->done == 1);
  CHECK(done->total == 20);
  CHECK(done->status != JobStatus::complete);
  CHECK(registry.version() != version);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].id == done->id);
  CHECK(changes[0].completed == 1);
}

TEST_CASE("JobRegistry: a complete job whose executor.json is rewritten follows the relaunch", "[server]") {
  test::TempTree tree;
  tree.make_job("runs/done", 20, test::range(0, 20));
  settle(tree, 600);
  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("runs")});
  registry.refresh(wall_clock_now());

  tree.write("runs/done/executor.json", R"({"world_size": 40})");
  tree.set_mtime("runs/done/executor.json", past(60));
  registry.refresh(wall_clock_now());

  const auto entries = registry.entries();
  const RegistryEntry* done = entry_named(entries, "done");
  REQUIRE(done);
  CHECK(done->total == 40);
  CHECK(done->done == 20);
  CHECK(done->status != JobStatus::complete);
}
