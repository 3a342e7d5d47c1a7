// A complete job that is reset under a long-running Scanner (watch, serve)
// is read again at the next refresh, as a one-shot would read it.
#include <catch2/catch.hpp>

#include <cmath>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>
#include <chrono>

#include "jobmon/clock.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
using jobmon::test::TempTree;

namespace {

// An mtime `seconds` in the past (with a sub-second part, as ext4/xfs/tmpfs
// timestamps have), so listings taken now count as settled.
double past(double seconds) { return std::floor(wall_clock_now()) - seconds + 0.25; }

ScanOptions quiet_options() {
  ScanOptions o;
  o.threads = 2;
  o.log_bytes_per_job = 0;
  return o;
}

// runs/done: 20 of 20 ranks complete, everything settled.
void make_done(const TempTree& tree) {
  tree.make_job("runs/done", 20, test::range(0, 20));
  tree.set_mtime("runs/done/executor.json", past(600));
  tree.set_mtime("runs/done/completions", past(500));
  tree.set_mtime("runs/done", past(500));
  tree.set_mtime("runs", past(500));
}

std::shared_ptr<const JobState> done_of(const ScanResult& scan) {
  for (const auto& job : scan.jobs)
    if (job->name == "done") return job;
  return nullptr;
}

// Local files seen as an object store sees them (as S3Storage does): times
// come with listings, and a directory's "mtime" is when it was looked at, so
// it always looks changed; no identities.
class ObjectStoreLike final : public Storage {
 public:
  using Storage::list;
  using Storage::read;
  std::vector<DirEntry> list(const std::string& dir, const ListOptions& options) const override {
    ++lists;
    return local_.list(dir, ListOptions{true, options.resolve_types, options.directories_only});
  }
  FileStat stat(const std::string& path) const override {
    ++stats;  // as good as a request: S3Storage answers a stat from a listing
    FileStat st = local_.stat(path);
    if (st.type == EntryType::directory) st.mtime = wall_clock_now();
    return st;
  }
  std::string read(const std::string& path, std::uint64_t max_bytes) const override { return local_.read(path, max_bytes); }
  std::string read_range(const std::string& path, std::uint64_t offset, std::uint64_t length) const override {
    return local_.read_range(path, offset, length);
  }
  bool list_includes_mtime() const override { return true; }
  Counters counters() const override { return local_.counters(); }
  mutable std::atomic<int> lists{0}, stats{0};

 private:
  LocalStorage local_;
};

// What a fresh Scanner (a one-shot jobmon-status) reads.
std::shared_ptr<const JobState> one_shot(const TempTree& tree) {
  Scanner fresh(std::make_shared<LocalStorage>(), quiet_options());
  return done_of(fresh.scan({tree.path("runs")}));
}

}  // namespace

TEST_CASE("Scanner: a complete job whose completions/ is made again with 3 markers is read again", "[datatrove]") {
  TempTree tree;
  make_done(tree);
  Scanner scanner(std::make_shared<LocalStorage>(), quiet_options());
  REQUIRE(done_of(scanner.scan({tree.path("runs")}))->completed == 20);

  tree.remove("runs/done/completions");
  tree.add_markers("runs/done", {0, 1, 2});
  tree.set_mtime("runs/done/completions", past(100));
  tree.set_mtime("runs", past(100));

  const auto after = done_of(scanner.scan({tree.path("runs")}));
  REQUIRE(after);
  CHECK(after->completed == 3);
  CHECK_FALSE(after->complete());
  CHECK(after->completed == one_shot(tree)->completed);
}

TEST_CASE("Scanner: with whole-second mtimes, a completions/ made again with the same mtime is told apart by identity",
          "[datatrove]") {
  TempTree tree;
  make_done(tree);
  const double coarse = std::floor(past(500));  // a filesystem with 1 s timestamps
  tree.set_mtime("runs/done/completions", coarse);
  Scanner scanner(std::make_shared<LocalStorage>(), quiet_options());
  REQUIRE(done_of(scanner.scan({tree.path("runs")}))->completed == 20);

  // The new completions/ is made before the old one goes (so it cannot reuse
  // its inode) and given the old mtime: only its identity tells it apart.
  tree.make_job("runs/new", 20, {0, 1, 2});
  tree.remove("runs/done/completions");
  std::filesystem::rename(tree.path("runs/new/completions"), tree.path("runs/done/completions"));
  tree.set_mtime("runs/done/completions", coarse);
  tree.remove("runs/new");
  tree.set_mtime("runs", past(500));

  const auto after = done_of(scanner.scan({tree.path("runs")}));
  REQUIRE(after);
  CHECK(after->completed == 3);
}

TEST_CASE("Scanner: a complete job whose markers are removed in place is read again", "[datatrove]") {
  TempTree tree;
  make_done(tree);
  Scanner scanner(std::make_shared<LocalStorage>(), quiet_options());
  REQUIRE(done_of(scanner.scan({tree.path("runs")}))->completed == 20);

  for (int r = 3; r < 20; ++r) {
    char marker[32];
    std::snprintf(marker, sizeof marker, "runs/done/completions/%05d", r);
    tree.remove(marker);
  }
  tree.set_mtime("runs/done/completions", past(100));  // the same directory, a new mtime

  const auto after = done_of(scanner.scan({tree.path("runs")}));
  REQUIRE(after);
  CHECK(after->completed == 3);
}

TEST_CASE("Scanner: a complete job whose executor.json is rewritten is read again", "[datatrove]") {
  TempTree tree;
  make_done(tree);
  Scanner scanner(std::make_shared<LocalStorage>(), quiet_options());
  REQUIRE(done_of(scanner.scan({tree.path("runs")}))->complete());

  tree.write("runs/done/executor.json", R"({"world_size": 30})");  // a relaunch with more ranks
  tree.set_mtime("runs/done/executor.json", past(60));

  const auto after = done_of(scanner.scan({tree.path("runs")}));
  REQUIRE(after);
  CHECK(after->world_size == 30);
  CHECK(after->completed == 20);
  CHECK_FALSE(after->complete());
  REQUIRE(after->launched_at);
  CHECK(*after->launched_at == Approx(past(60)));
}

TEST_CASE("Scanner: a complete job dir removed and made again with 1 of 20 is read again", "[datatrove]") {
  TempTree tree;
  make_done(tree);
  Scanner scanner(std::make_shared<LocalStorage>(), quiet_options());
  REQUIRE(done_of(scanner.scan({tree.path("runs")}))->completed == 20);
  // A job dir as its own target, too: no parent listing to notice the change.
  Scanner direct(std::make_shared<LocalStorage>(), quiet_options());
  REQUIRE(done_of(direct.scan({tree.path("runs/done")}))->completed == 20);

  tree.remove("runs/done");
  tree.make_job("runs/done", 20, {0});
  tree.set_mtime("runs/done/executor.json", past(300));
  tree.set_mtime("runs/done/completions", past(300));
  tree.set_mtime("runs/done", past(300));
  tree.set_mtime("runs", past(300));

  const auto after = done_of(scanner.scan({tree.path("runs")}));
  REQUIRE(after);
  CHECK(after->completed == 1);
  CHECK(after->completed == one_shot(tree)->completed);
  const auto after_direct = done_of(direct.scan({tree.path("runs/done")}));
  REQUIRE(after_direct);
  CHECK(after_direct->completed == 1);
}

TEST_CASE("Scanner: an unchanged complete job is answered from the cache without a listing", "[datatrove]") {
  TempTree tree;
  make_done(tree);
  const auto storage = std::make_shared<LocalStorage>();
  Scanner scanner(storage, quiet_options());
  scanner.scan({tree.path("runs")});
  const auto before = storage->counters();
  const ScanResult again = scanner.scan({tree.path("runs")});
  CHECK(again.stats.jobs_from_cache == 1);
  CHECK(again.stats.directory_listings == 0);
  CHECK(storage->counters().lists == before.lists);
  CHECK(storage->counters().reads == before.reads);
}

TEST_CASE("Scanner: on an object store a complete job is checked through executor.json, not re-listed", "[datatrove]") {
  TempTree tree;
  make_done(tree);
  const auto storage = std::make_shared<ObjectStoreLike>();
  ScanOptions o = quiet_options();
  o.log_refresh_seconds = 0;  // checked on every refresh
  Scanner scanner(storage, o);
  REQUIRE(done_of(scanner.scan({tree.path("runs/done")}))->completed == 20);

  // Directory "mtimes" always look new there: an unchanged complete job is still not listed again.
  const int lists_before = storage->lists.load();
  const ScanResult again = scanner.scan({tree.path("runs/done")});
  CHECK(again.stats.completions_listed == 0);
  CHECK(again.stats.jobs_from_cache == 1);
  CHECK(storage->lists.load() == lists_before);

  // A relaunch (or the job made again) rewrites executor.json: read again.
  tree.write("runs/done/executor.json", R"({"world_size": 30})");
  tree.set_mtime("runs/done/executor.json", past(60));
  const auto after = done_of(scanner.scan({tree.path("runs/done")}));
  REQUIRE(after);
  CHECK(after->world_size == 30);
}

TEST_CASE("Scanner: on an object store a complete job is checked at most every log_refresh_seconds", "[datatrove]") {
  TempTree tree;
  make_done(tree);
  // The backend calls of a refresh of the same tree, with checks due on every refresh or once an hour.
  auto calls_of_a_refresh = [&](double log_refresh_seconds) {
    const auto storage = std::make_shared<ObjectStoreLike>();
    ScanOptions o = quiet_options();
    o.log_refresh_seconds = log_refresh_seconds;
    Scanner scanner(storage, o);
    scanner.scan({tree.path("runs")});
    const int before = storage->stats.load() + storage->lists.load();
    const ScanResult again = scanner.scan({tree.path("runs")});
    CHECK(again.stats.jobs_from_cache == 1);
    return storage->stats.load() + storage->lists.load() - before;
  };
  const int every_refresh = calls_of_a_refresh(0);
  const int hourly = calls_of_a_refresh(3600);
  CHECK(every_refresh == hourly + 1);  // the one stat of executor.json (from the job dir's listing on S3)
}

TEST_CASE("Scanner: a completions/ mtime ahead of our clock settles by our own clock, then a change still shows",
          "[datatrove]") {
  TempTree tree;
  make_done(tree);
  tree.set_mtime("runs/done/completions", std::floor(wall_clock_now()) + 3600.25);  // NFS skew, touch -d '+1 hour'
  const auto storage = std::make_shared<LocalStorage>();
  Scanner scanner(storage, quiet_options());
  scanner.scan({tree.path("runs")});
  scanner.scan({tree.path("runs")});  // seen once: not settled yet
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  scanner.scan({tree.path("runs")});  // the same mtime, seen 2.2 s apart by our clock
  for (int i = 0; i < 3; ++i) {
    const ScanResult again = scanner.scan({tree.path("runs")});
    CHECK(again.stats.jobs_from_cache == 1);
    CHECK(again.stats.directory_listings == 0);
  }
  // Before: listed again on every refresh, forever (0 jobs from the cache).
  std::filesystem::remove(tree.path("runs/done/completions/00003"));
  const ScanResult reset = scanner.scan({tree.path("runs")});
  REQUIRE(done_of(reset));
  CHECK(done_of(reset)->completed == 19);
}
