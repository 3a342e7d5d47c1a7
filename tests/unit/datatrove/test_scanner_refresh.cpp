// The Scanner's refresh cache as the watch dashboard relies on it: what a
// refresh lists, on real directories through LocalStorage.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <memory>
#include <thread>

#include "jobmon/clock.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
using jobmon::test::TempTree;

namespace {

// Moves a directory's mtime `seconds` into the past (with a sub-second part,
// as ext4/xfs/tmpfs timestamps have), so listings of it count as settled.
void age(const TempTree& tree, const std::string& relative, double seconds = 10) {
  tree.set_mtime(relative, std::floor(wall_clock_now()) - seconds + 0.25);
}

std::int64_t completed_of(const ScanResult& scan, const std::string& name) {
  for (const auto& job : scan.jobs) {
    if (job->name == name) return job->completed;
  }
  return -1;
}

// root/{done, busy, idle, notes}: a complete job, two incomplete ones and a
// directory that is not a job; everything settled.
void make_runs(const TempTree& tree) {
  tree.make_job("runs/done", 3, {0, 1, 2});
  tree.make_job("runs/busy", 10, {0, 1, 2});
  tree.make_job("runs/idle", 10, {0});
  tree.write("runs/notes/README", "not a job");
  for (const char* dir : {"runs/done/completions", "runs/busy/completions", "runs/idle/completions", "runs/notes",
                          "runs/done", "runs/busy", "runs/idle", "runs"})
    age(tree, dir);
}

ScanOptions quiet_options() {
  ScanOptions o;
  o.threads = 2;
  o.log_bytes_per_job = 0;  // logs are not what these tests are about
  return o;
}

}  // namespace

TEST_CASE("Scanner: an unchanged tree costs no listing on refresh", "[datatrove]") {
  TempTree tree;
  make_runs(tree);
  const auto storage = std::make_shared<LocalStorage>();
  Scanner scanner(storage, quiet_options());
  const ScanResult first = scanner.scan({tree.path("runs")});
  REQUIRE(first.jobs.size() == 3);
  CHECK(first.stats.completions_listed == 3);
  CHECK(first.stats.directory_listings == 4);  // the root and three completions/

  const auto lists_before = storage->counters().lists;
  const ScanResult second = scanner.scan({tree.path("runs")});
  CHECK(second.jobs.size() == 3);
  CHECK(second.stats.directory_listings == 0);
  CHECK(storage->counters().lists == lists_before);
  CHECK(second.stats.jobs_from_cache == 3);
  CHECK(completed_of(second, "busy") == 3);
}

TEST_CASE("Scanner: a refresh lists exactly the completions/ that changed", "[datatrove]") {
  TempTree tree;
  make_runs(tree);
  Scanner scanner(std::make_shared<LocalStorage>(), quiet_options());
  scanner.scan({tree.path("runs")});

  tree.add_markers("runs/busy", {3, 4});
  std::this_thread::sleep_for(std::chrono::milliseconds(120));  // older than one timestamp tick
  const ScanResult third = scanner.scan({tree.path("runs")});
  CHECK(third.stats.directory_listings == 1);
  CHECK(third.stats.completions_listed == 1);
  CHECK(completed_of(third, "busy") == 5);
  CHECK(completed_of(third, "idle") == 1);

  const ScanResult fourth = scanner.scan({tree.path("runs")});
  CHECK(fourth.stats.directory_listings == 0);
  CHECK(completed_of(fourth, "busy") == 5);
}

TEST_CASE("Scanner: a listing taken in the same timestamp tick as a change is listed again", "[datatrove]") {
  TempTree tree;
  make_runs(tree);
  Scanner scanner(std::make_shared<LocalStorage>(), quiet_options());
  scanner.scan({tree.path("runs")});

  SECTION("sub-second timestamps: re-listed once, at the next refresh") {
    tree.add_markers("runs/busy", {3});
    const ScanResult at_once = scanner.scan({tree.path("runs")});  // within the tick of the change
    CHECK(at_once.stats.completions_listed == 1);
    tree.add_markers("runs/busy", {4});  // may share the mtime tick with the listing above
    const ScanResult next = scanner.scan({tree.path("runs")});
    CHECK(next.stats.completions_listed == 1);
    CHECK(completed_of(next, "busy") == 5);
  }
  SECTION("whole-second timestamps: a marker that leaves the mtime unchanged is still found") {
    // A coarse filesystem: the mtime is a whole second and stays put when a
    // marker lands in that same second.
    const double second = std::floor(wall_clock_now());
    tree.set_mtime("runs/busy/completions", second);
    const ScanResult listed = scanner.scan({tree.path("runs")});
    CHECK(completed_of(listed, "busy") == 3);
    tree.add_markers("runs/busy", {3});
    tree.set_mtime("runs/busy/completions", second);
    const ScanResult next = scanner.scan({tree.path("runs")});
    CHECK(completed_of(next, "busy") == 4);
  }
}

TEST_CASE("Scanner: a glob is re-expanded from the cached listing and picks up new job dirs", "[datatrove]") {
  TempTree tree;
  make_runs(tree);
  const std::string pattern = tree.path("runs") + "/[bdi]*";
  const auto storage = std::make_shared<LocalStorage>();
  Scanner scanner(storage, quiet_options());
  const ScanResult first = scanner.scan({pattern});
  REQUIRE(first.jobs.size() == 3);

  const auto lists_before = storage->counters().lists;
  const ScanResult second = scanner.scan({pattern});
  CHECK(second.jobs.size() == 3);
  CHECK(second.stats.directory_listings == 0);  // the glob's parent was not listed again
  CHECK(storage->counters().lists == lists_before);

  tree.make_job("runs/batch2", 4, {0});
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  const ScanResult third = scanner.scan({pattern});
  CHECK(third.jobs.size() == 4);
  CHECK(completed_of(third, "batch2") == 1);
  CHECK(third.stats.directory_listings == 2);  // the parent (its mtime moved) and the new completions/
  CHECK(storage->counters().lists == lists_before + 2);
}

TEST_CASE("Scanner: a recursive refresh of an unchanged tree lists nothing and finds the same jobs", "[datatrove]") {
  TempTree tree;
  tree.make_job("root/a/job_1", 2, {0});
  tree.make_job("root/b/c/job_2", 2, {0, 1});
  tree.write("root/a/big_dir/file_1", "");
  for (const char* dir : {"root/a/job_1/completions", "root/b/c/job_2/completions", "root/a/big_dir", "root/a",
                          "root/b/c", "root/b", "root"})
    age(tree, dir);
  ScanOptions o = quiet_options();
  o.recursive = true;
  Scanner scanner(std::make_shared<LocalStorage>(), o);
  const ScanResult first = scanner.scan({tree.path("root")});
  REQUIRE(first.jobs.size() == 2);
  CHECK(first.stats.directories_visited == 5);  // root, a, big_dir, b, c
  const ScanResult second = scanner.scan({tree.path("root")});
  CHECK(second.jobs.size() == 2);
  CHECK(second.stats.directory_listings == 0);
  CHECK(second.stats.directories_visited == 5);  // bounded the same way from the cache

  tree.make_job("root/a/big_dir/job_3", 1, {0});  // appears below a cached container
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  const ScanResult third = scanner.scan({tree.path("root")});
  CHECK(third.jobs.size() == 3);
}

TEST_CASE("Scanner: a cached non-job says the same thing; a bad executor.json fixed in place is read again",
          "[datatrove]") {
  TempTree tree;
  tree.write("runs/lost/completions/00000", "");
  tree.write("runs/bad/executor.json", R"({"world_size": 4.5})");
  for (const char* dir : {"runs/lost/completions", "runs/lost", "runs/bad", "runs"}) age(tree, dir);
  Scanner scanner(std::make_shared<LocalStorage>(), quiet_options());
  const auto warnings_of = [&](const ScanResult& r) {
    std::vector<std::string> out;
    for (const auto& w : r.warnings) out.push_back(base_name(w.path) + ": " + w.message);
    return out;
  };
  const ScanResult first = scanner.scan({tree.path("runs")});
  const std::vector<std::string> expected = {"bad: executor.json: world_size is not an integer (4.5)",
                                             "lost: not a job: no executor.json, it has completions/"};
  CHECK(warnings_of(first) == expected);
  CHECK(warnings_of(scanner.scan({tree.path("runs")})) == expected);

  // Rewritten in place, as datatrove's open(..., "w") does: the directory's
  // mtime does not move, the file is read again all the same.
  tree.write("runs/bad/executor.json", R"({"world_size": 4})");
  age(tree, "runs/bad");
  const ScanResult fixed = scanner.scan({tree.path("runs")});
  REQUIRE(fixed.jobs.size() == 1);
  CHECK(fixed.jobs[0]->world_size == 4);
}

TEST_CASE("Scanner: a relaunch (executor.json rewritten, completions/ untouched) is read again", "[datatrove]") {
  TempTree tree;
  make_runs(tree);
  const double old_launch = std::floor(wall_clock_now()) - 7200;
  tree.set_mtime("runs/idle/executor.json", old_launch);
  tree.write("runs/idle/logs/task_00001.log", "x | ERROR | m:f:1 - boom\nValueError: boom\n");
  tree.set_mtime("runs/idle/logs/task_00001.log", old_launch + 60);
  age(tree, "runs/idle");
  ScanOptions o = quiet_options();
  o.log_bytes_per_job = 1 << 20;
  Scanner scanner(std::make_shared<LocalStorage>(), o);
  auto idle = [&](const ScanResult& r) {
    for (const auto& job : r.jobs)
      if (job->name == "idle") return job;
    FAIL("idle not found");
    return std::shared_ptr<const JobState>();
  };
  const auto before = idle(scanner.scan({tree.path("runs")}));
  CHECK(before->rank_counts.failed == 1);

  tree.write("runs/idle/executor.json", R"({"world_size": 10})");  // the relaunch
  tree.set_mtime("runs/idle/executor.json", old_launch + 3600);
  const auto after = idle(scanner.scan({tree.path("runs")}));
  REQUIRE(after->launched_at);
  CHECK(*after->launched_at == Approx(old_launch + 3600));
  CHECK(after->rank_counts.failed == 0);
  CHECK(after->rank_counts.failed_earlier_attempt == 1);
}
