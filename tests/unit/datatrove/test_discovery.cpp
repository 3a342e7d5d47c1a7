// Discovery on real trees: symlinks are never walked through, one job
// reached by two paths is listed once, walks are bounded, warnings name the
// directory that is not a job and only for directories the prefix selects,
// unreadable directories say so, hostile names do not break the scan.
#include <catch2/catch.hpp>

#include <chrono>
#include <fmt/format.h>
#include <set>

#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/error.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
using jobmon::test::TempTree;

namespace {

std::vector<std::string> job_paths(const ScanResult& r) {
  std::vector<std::string> out;
  for (const auto& j : r.jobs) out.push_back(j->path);
  return out;
}

// The warnings about one path, as "message" strings.
std::vector<std::string> warnings_for(const ScanResult& r, const std::string& path) {
  std::vector<std::string> out;
  for (const auto& w : r.warnings) {
    if (w.path == path) out.push_back(w.message);
  }
  return out;
}

bool any_warning_contains(const ScanResult& r, const std::string& text) {
  for (const auto& w : r.warnings) {
    if (w.path.find(text) != std::string::npos || w.message.find(text) != std::string::npos) return true;
  }
  return false;
}

ScanOptions options(bool recursive) {
  ScanOptions o;
  o.threads = 1;
  o.recursive = recursive;
  o.log_bytes_per_job = 0;  // task logs are not what these tests are about
  return o;
}

// LocalStorage that refuses some paths as a permission problem would (tests
// run as root too, where chmod cannot make anything unreadable).
class RefusingStorage final : public Storage {
 public:
  explicit RefusingStorage(std::set<std::string> refused) : refused_(std::move(refused)) {}
  using Storage::list;
  using Storage::read;
  std::vector<DirEntry> list(const std::string& dir, const ListOptions& o) const override {
    if (refused_.count(dir) != 0 || refused(dir)) throw StorageError(dir, "cannot list directory: permission denied");
    return local_.list(dir, o);
  }
  FileStat stat(const std::string& path) const override {
    if (!refused(path)) return local_.stat(path);
    FileStat st;
    st.error = "permission denied";
    return st;
  }
  std::string read(const std::string& path, std::uint64_t max) const override { return local_.read(path, max); }
  std::string read_range(const std::string& path, std::uint64_t offset, std::uint64_t length) const override {
    return local_.read_range(path, offset, length);
  }
  std::string directory_identity(const std::string& dir) const override { return local_.directory_identity(dir); }
  Counters counters() const override { return local_.counters(); }

 private:
  // A refused directory cannot be listed, nor anything below it looked up
  // (as without its r and x bits); the directory itself still stats.
  bool refused(const std::string& path) const {
    for (const auto& r : refused_) {
      if (path.starts_with(r + "/")) return true;
    }
    return false;
  }
  std::set<std::string> refused_;
  LocalStorage local_;
};

}  // namespace

TEST_CASE("Discovery: -r never descends through a symlink; a link back up lists the job once", "[datatrove]") {
  TempTree tree;
  tree.make_job("root/group/job_a", 2, {0});
  tree.symlink(tree.path("root"), "root/group/up");        // a loop
  tree.symlink("..", "root/group/job_a_parent");           // a relative loop
  tree.make_job("elsewhere/job_z", 1, {0});
  tree.mkdir("elsewhere/deeper");
  tree.symlink(tree.path("elsewhere"), "root/ext");        // a container behind a link: not walked
  Scanner scanner(std::make_shared<LocalStorage>(), options(true));
  const ScanResult r = scanner.scan({tree.path("root")});
  CHECK(job_paths(r) == std::vector<std::string>{tree.path("root/group/job_a")});
  CHECK(r.warnings.empty());
}

TEST_CASE("Discovery: -r over a dir holding a link to / finishes at once", "[datatrove]") {
  TempTree tree;
  tree.make_job("root/job_a", 1, {0});
  tree.symlink("/", "root/x");
  Scanner scanner(std::make_shared<LocalStorage>(), options(true));
  const auto started = std::chrono::steady_clock::now();
  const ScanResult r = scanner.scan({tree.path("root")});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(job_paths(r) == std::vector<std::string>{tree.path("root/job_a")});
  CHECK(r.stats.directories_visited == 1);  // the root only: x is a link, job_a a job
  CHECK(seconds < 2);
}

TEST_CASE("Discovery: a symlink to a job dir is a job; one job reached by two paths is listed once", "[datatrove]") {
  TempTree tree;
  tree.make_job("runs/real/job_a", 2, {0, 1});
  tree.make_job("runs/real/job_b", 2, {0});
  tree.mkdir("runs/links");
  tree.symlink(tree.path("runs/real/job_a"), "runs/links/job_a");
  tree.symlink(tree.path("runs/real/job_b"), "runs/links/b_again");

  SECTION("non-recursive: links in one place are jobs") {
    Scanner scanner(std::make_shared<LocalStorage>(), options(false));
    const ScanResult r = scanner.scan({tree.path("runs/links")});
    CHECK(job_paths(r) == std::vector<std::string>{tree.path("runs/links/b_again"), tree.path("runs/links/job_a")});
  }
  SECTION("recursive: the real dir and the link are one job, under the first path in name order") {
    Scanner scanner(std::make_shared<LocalStorage>(), options(true));
    const ScanResult r = scanner.scan({tree.path("runs")});
    CHECK(job_paths(r) == std::vector<std::string>{tree.path("runs/links/b_again"), tree.path("runs/links/job_a")});
    const ScanResult again = scanner.scan({tree.path("runs")});  // from the cache: still once each
    CHECK(job_paths(again) == job_paths(r));
  }
  SECTION("overlapping targets") {
    Scanner scanner(std::make_shared<LocalStorage>(), options(false));
    const ScanResult r = scanner.scan({tree.path("runs/real/job_a"), tree.path("runs/real"), tree.path("runs/real/")});
    CHECK(job_paths(r) == std::vector<std::string>{tree.path("runs/real/job_a"), tree.path("runs/real/job_b")});
  }
  SECTION("a symlink named as a target is followed once") {
    tree.symlink(tree.path("runs/real"), "real_link");
    Scanner scanner(std::make_shared<LocalStorage>(), options(true));
    const ScanResult r = scanner.scan({tree.path("real_link")});
    CHECK(job_paths(r) == std::vector<std::string>{tree.path("real_link/job_a"), tree.path("real_link/job_b")});
  }
}

TEST_CASE("Discovery: ** never descends through a symlink", "[datatrove]") {
  TempTree tree;
  tree.make_job("root/a/job_1", 1, {0});
  tree.symlink(tree.path("root"), "root/a/loop");
  tree.make_job("elsewhere/sub/job_2", 1, {0});
  tree.symlink(tree.path("elsewhere"), "root/ext");
  Scanner scanner(std::make_shared<LocalStorage>(), options(false));
  const ScanResult r = scanner.scan({tree.path("root") + "/**/job_*"});
  CHECK(job_paths(r) == std::vector<std::string>{tree.path("root/a/job_1")});
}

TEST_CASE("Discovery: max_directories stops the walk with a warning; jobs found so far are reported", "[datatrove]") {
  TempTree tree;
  for (int i = 0; i < 30; ++i) tree.make_job(fmt::format("root/c{:02d}/d/job", i), 1, {0});
  ScanOptions o = options(true);
  o.max_directories = 11;  // the root and five containers of two levels each
  Scanner scanner(std::make_shared<LocalStorage>(), o);
  const ScanResult r = scanner.scan({tree.path("root")});
  CHECK(r.stats.discovery_truncated);
  CHECK(r.stats.directories_visited == 11);
  CHECK(r.jobs.size() == 5);
  CHECK(any_warning_contains(r, "stopped looking for jobs after 11 directories"));

  o.max_directories = 1000;
  Scanner unbounded(std::make_shared<LocalStorage>(), o);
  const ScanResult all = unbounded.scan({tree.path("root")});
  CHECK_FALSE(all.stats.discovery_truncated);
  CHECK(all.jobs.size() == 30);
  CHECK(all.warnings.empty());
}

TEST_CASE("Discovery: directories below max_depth are reported as not searched", "[datatrove]") {
  TempTree tree;
  tree.make_job("root/a/b/c/job_deep", 1, {0});
  tree.make_job("root/a/job_near", 1, {0});
  ScanOptions o = options(true);
  o.max_depth = 2;
  Scanner scanner(std::make_shared<LocalStorage>(), o);
  const ScanResult r = scanner.scan({tree.path("root")});
  CHECK(job_paths(r) == std::vector<std::string>{tree.path("root/a/job_near")});
  CHECK(warnings_for(r, tree.path("root")) ==
        std::vector<std::string>{"1 directories deeper than 2 levels below were not searched"});
}

TEST_CASE("Discovery: the prefix selects candidates before they are read", "[datatrove]") {
  TempTree tree;
  tree.make_job("logs/tok_a", 1, {0});
  tree.make_job("logs/other_job", 1, {});
  tree.mkdir("logs/plain_dir");
  tree.write("logs/broken/executor.json", "{");
  tree.make_job("logs/nested/tok_b", 1, {0});
  tree.mkdir("logs/nested/other_broken/completions");
  ScanOptions o = options(false);
  o.prefix = "tok";

  Scanner flat(std::make_shared<LocalStorage>(), o);
  const ScanResult r = flat.scan({tree.path("logs")});
  CHECK(job_paths(r) == std::vector<std::string>{tree.path("logs/tok_a")});
  CHECK(r.warnings.empty());  // no word about other_job, plain_dir, broken, nested

  o.recursive = true;  // containers need not match: nested/ is walked
  Scanner deep(std::make_shared<LocalStorage>(), o);
  const ScanResult d = deep.scan({tree.path("logs")});
  CHECK(job_paths(d) == std::vector<std::string>{tree.path("logs/nested/tok_b"), tree.path("logs/tok_a")});
  CHECK(d.warnings.empty());

  // A target that is itself a job is kept, whatever its name; glob matches
  // are selected by the prefix like subdirectories (a match that is not a
  // job is looked into, as a target is).
  const ScanResult named = flat.scan({tree.path("logs/other_job")});
  CHECK(job_paths(named) == std::vector<std::string>{tree.path("logs/other_job")});
  const ScanResult globbed = flat.scan({tree.path("logs") + "/*"});
  CHECK(job_paths(globbed) == std::vector<std::string>{tree.path("logs/nested/tok_b"), tree.path("logs/tok_a")});
  CHECK(globbed.warnings.empty());
}

TEST_CASE("Discovery: warnings name the directory that is not a job", "[datatrove]") {
  TempTree tree;
  tree.mkdir("not_a_job/completions");
  tree.write("not_a_job/completions/00000", "");
  tree.write("lost_executor/logs/task_00000.log", "x\n");
  Scanner scanner(std::make_shared<LocalStorage>(), options(false));

  const ScanResult r = scanner.scan({tree.path("not_a_job")});
  CHECK(r.jobs.empty());
  CHECK(warnings_for(r, tree.path("not_a_job")) ==
        std::vector<std::string>{"not a job: no executor.json, it has completions/"});
  CHECK(r.warnings.size() == 1);

  const ScanResult logs = scanner.scan({tree.path("lost_executor")});
  CHECK(warnings_for(logs, tree.path("lost_executor")) ==
        std::vector<std::string>{"not a job: no executor.json, it has logs/"});
  CHECK(logs.warnings.size() == 1);
}

TEST_CASE("Discovery: -r warns only about dirs that look like broken jobs, never about containers", "[datatrove]") {
  TempTree tree;
  tree.make_job("root/stage1/job_a", 1, {0});
  tree.mkdir("root/stage1/empty_container");
  tree.mkdir("root/stage2/sub/subsub");
  tree.write("root/stage2/notes.txt", "x");
  tree.write("root/stage3/broken/completions/00002", "");        // lost its executor.json
  tree.write("root/stage3/lost/logs/task_00003.log", "x\n");     // ditto, only logs left
  tree.make_job("root/project/logs/job_b", 1, {});               // a logs/ root of job dirs: walked
  tree.write("root/stage4/bad/executor.json", R"({"world_size": 4.5})");
  // Names like datatrove's, but not its traces: containers, walked in silence.
  tree.write("root/share/bash-completion/completions/git", "");
  tree.mkdir("root/share/empty/completions");
  tree.write("root/share/other/logs/app.log", "");
  Scanner scanner(std::make_shared<LocalStorage>(), options(true));
  const ScanResult r = scanner.scan({tree.path("root")});
  CHECK(job_paths(r) == std::vector<std::string>{tree.path("root/project/logs/job_b"), tree.path("root/stage1/job_a")});
  REQUIRE(r.warnings.size() == 3);
  CHECK(warnings_for(r, tree.path("root/stage3/broken")) ==
        std::vector<std::string>{"not a job: no executor.json, it has completions/"});
  CHECK(warnings_for(r, tree.path("root/stage3/lost")) ==
        std::vector<std::string>{"not a job: no executor.json, it has logs/"});
  CHECK(warnings_for(r, tree.path("root/stage4/bad")) ==
        std::vector<std::string>{"executor.json: world_size is not an integer (4.5)"});
}

TEST_CASE("Discovery: a target that is a job's completions/ or logs/ gets a hint naming the job", "[datatrove]") {
  TempTree tree;
  tree.make_job("job", 2, {0});
  tree.write("job/logs/task_00001.log", "x\n");
  tree.mkdir("orphan/completions");
  Scanner scanner(std::make_shared<LocalStorage>(), options(false));
  const ScanResult r = scanner.scan({tree.path("job/completions/"), tree.path("job/logs")});
  CHECK(r.jobs.empty());
  CHECK(warnings_for(r, tree.path("job/completions")) ==
        std::vector<std::string>{"this is the completions/ directory of the job " + tree.path("job") +
                                 ": name the job directory instead"});
  CHECK(warnings_for(r, tree.path("job/logs")) ==
        std::vector<std::string>{"this is the logs/ directory of the job " + tree.path("job") +
                                 ": name the job directory instead"});
  const ScanResult orphan = scanner.scan({tree.path("orphan/completions")});
  CHECK(orphan.jobs.empty());
  CHECK(any_warning_contains(orphan, "looks like the completions/ directory of " + tree.path("orphan")));
}

TEST_CASE("Discovery: unreadable directories say permission denied, never made-up counts", "[datatrove]") {
  TempTree tree;
  tree.make_job("logs/readable", 2, {0, 1});
  tree.make_job("logs/locked_job", 4, {0});
  tree.make_job("logs/locked_completions", 64, {0, 1});
  tree.mkdir("logs/locked_container/job");
  auto storage = std::make_shared<RefusingStorage>(std::set<std::string>{
      tree.path("logs/locked_job"), tree.path("logs/locked_completions/completions")});

  Scanner scanner(storage, options(false));
  const ScanResult r = scanner.scan({tree.path("logs")});
  CHECK(job_paths(r) == std::vector<std::string>{tree.path("logs/readable")});  // no "0/64 not started"
  CHECK(warnings_for(r, tree.path("logs/locked_job")) ==
        std::vector<std::string>{"not readable: permission denied (cannot tell whether it is a job)"});
  CHECK(warnings_for(r, tree.path("logs/locked_completions/completions")) ==
        std::vector<std::string>{"cannot list directory: permission denied; the job is left out (its progress is "
                                 "unknown)"});

  SECTION("recursive: an unreadable container says so") {
    auto locked = std::make_shared<RefusingStorage>(std::set<std::string>{tree.path("logs/locked_container")});
    Scanner deep(locked, options(true));
    const ScanResult d = deep.scan({tree.path("logs")});
    CHECK(any_warning_contains(d, "permission denied"));
    CHECK_FALSE(warnings_for(d, tree.path("logs/locked_container")).empty());
  }
}

TEST_CASE("Discovery: hostile names and symlink loops neither crash nor hang the scan", "[datatrove]") {
  TempTree tree;
  const std::string escape = "esc\x1b[31mred\x07";
  const std::string not_utf8 = "bad\xff\xfe";
  const std::string newline = "new\nline";
  tree.make_job("logs/" + escape, 1, {0});
  tree.make_job("logs/" + not_utf8, 2, {0});
  tree.write("logs/" + newline + "/completions/00000", "");
  tree.symlink(tree.path("logs/loop_b"), "logs/loop_a");
  tree.symlink(tree.path("logs/loop_a"), "logs/loop_b");
  for (const bool recursive : {false, true}) {
    Scanner scanner(std::make_shared<LocalStorage>(), options(recursive));
    const ScanResult r = scanner.scan({tree.path("logs")});
    CHECK(job_paths(r) == std::vector<std::string>{tree.path("logs/" + not_utf8), tree.path("logs/" + escape)});
    // The raw bytes travel in the warning; escaping them is the printer's job.
    CHECK(warnings_for(r, tree.path("logs/" + newline)) ==
          std::vector<std::string>{"not a job: no executor.json, it has completions/"});
    if (!recursive) {
      CHECK(warnings_for(r, tree.path("logs/loop_a")) ==
            std::vector<std::string>{"not readable: too many levels of symbolic links"});
    }
  }
  // A loop named as a target.
  Scanner scanner(std::make_shared<LocalStorage>(), options(true));
  const ScanResult loop = scanner.scan({tree.path("logs/loop_a")});
  CHECK(loop.jobs.empty());
  CHECK(warnings_for(loop, tree.path("logs/loop_a")) ==
        std::vector<std::string>{"not readable: too many levels of symbolic links"});
}
