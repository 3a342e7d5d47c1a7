// Task logs of incomplete ranks: exact counts for any number of ranks, the
// byte budget, attempts, refresh reuse, bounds, and logs that are not logs.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fmt/format.h>
#include <random>

#include "datatrove/job_dir_reader.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/error.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
using jobmon::detail::classify_task_log;
using jobmon::detail::diagnose_incomplete_ranks;
using jobmon::detail::read_job_dir;

namespace {

std::string info_line(std::int64_t rank, int i) {
  return fmt::format("2026-11-21 21:12:{:02d}.188 | INFO     | datatrove.pipeline.readers.base:read:77 - "
                     "rank={} read shard {} (1000 documents)\n", i % 60, rank, i);
}

// A realistic failed task log: progress lines, then loguru's ERROR line, a
// traceback of `frames` frames and the exception line.
std::string failed_log(std::int64_t rank, int info_lines = 20, int frames = 4) {
  std::string log = fmt::format("2026-11-21 21:12:56.188 | INFO     | datatrove.utils.logging:add_task_logger:76 - "
                                "Launching pipeline for rank={}\n", rank);
  for (int i = 0; i < info_lines; ++i) log += info_line(rank, i);
  log += fmt::format("2026-11-21 21:13:56.189 | ERROR    | datatrove.executor.base:_run_for_rank:150 - "
                     "bad shard (rank={})\nTraceback (most recent call last):\n\n", rank);
  for (int f = 0; f < frames; ++f)
    log += fmt::format("  File \"/home/user/pipelines/steps.py\", line {}, in run\n    for doc in data:\n"
                       "        │      └ <generator object CrashOnRanks.run at 0x7f32289ec040>\n\n", 100 + f);
  log += fmt::format("ValueError: bad shard {} in rank {}\n", rank * 7, rank);
  return log;
}

std::string running_log(std::int64_t rank, int info_lines = 5) {
  std::string log;
  for (int i = 0; i < info_lines; ++i) log += info_line(rank, i);
  return log;
}

std::string log_rel(const std::string& job, std::int64_t rank) { return job + "/logs/" + task_log_name(rank); }

ScanOptions options_with(unsigned threads = 1) {
  ScanOptions o;
  o.threads = threads;
  return o;
}

// A job read the way the Scanner reads it (executor.json, completions/, logs).
JobState read_job(const Storage& storage, const std::string& path, const ScanOptions& options) {
  auto read = read_job_dir(storage, path, options);
  REQUIRE(read.job);
  return *read.job;
}

bool has_warning(const JobState& job, const std::string& path_part, const std::string& message_part) {
  for (const auto& w : job.warnings) {
    if (w.path.find(path_part) != std::string::npos && w.message.find(message_part) != std::string::npos) return true;
  }
  return false;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("Task logs: 100 failed ranks are counted exactly, not capped", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("job", 120, test::range(0, 10));
  for (std::int64_t r = 10; r < 110; ++r) tree.write(log_rel("job", r), failed_log(r));
  for (std::int64_t r = 110; r < 115; ++r) tree.write(log_rel("job", r), running_log(r));
  for (std::int64_t r = 0; r < 10; ++r) tree.write(log_rel("job", r), running_log(r));  // completed ranks' logs: not read
  LocalStorage storage;
  ScanOptions o = options_with(4);
  const JobState job = read_job(storage, tree.path("job"), o);
  CHECK(job.rank_counts.failed == 100);
  CHECK(job.failed_ranks() == 100);
  CHECK(job.rank_counts.running == 5);
  CHECK(job.rank_counts.pending == 5);  // ranks 115-119 have no log
  CHECK(job.rank_counts.exact());
  REQUIRE(job.rank_issues.size() == 105);
  CHECK_FALSE(job.rank_issues_truncated);
  CHECK(job.rank_issues.front().rank == 10);
  CHECK(job.rank_issues[42].message == fmt::format("ValueError: bad shard {} in rank 52", 52 * 7));
  CHECK(std::is_sorted(job.rank_issues.begin(), job.rank_issues.end(),
                       [](const RankIssue& a, const RankIssue& b) { return a.rank < b.rank; }));

  SECTION("bounded messages and issue list, counts still exact") {
    o.max_rank_messages = 30;
    o.max_rank_issues = 50;
    const JobState bounded = read_job(storage, tree.path("job"), o);
    CHECK(bounded.rank_counts.failed == 100);
    CHECK(bounded.rank_counts.running == 5);
    CHECK(bounded.rank_counts.exact());
    REQUIRE(bounded.rank_issues.size() == 50);
    CHECK(bounded.rank_issues_truncated);
    CHECK_FALSE(bounded.rank_issues[29].message.empty());
    CHECK(bounded.rank_issues[30].message.empty());  // past the message limit: rank and state only
    CHECK(bounded.rank_issues[30].state == RankState::failed);
    CHECK(bounded.rank_issues[30].rank == 40);
  }
}

TEST_CASE("Task logs: a 10,000-rank job is read in parallel and quickly", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("job", 10000, {});
  for (std::int64_t r = 0; r < 10000; ++r)
    tree.write(log_rel("job", r), r % 2 == 0 ? failed_log(r, 2, 2) : running_log(r, 2));
  LocalStorage storage;
  JobState job = read_job(storage, tree.path("job"), options_with(0));
  job.rank_issues.clear();  // diagnose again from scratch, timed alone
  const auto before = storage.counters();
  const auto start = std::chrono::steady_clock::now();
  const std::size_t reads = diagnose_incomplete_ranks(storage, job, options_with(0));
  const double elapsed = seconds_since(start);
  CHECK(reads == 10000);
  CHECK(storage.counters().reads - before.reads == 10000);  // each tail fits the small read
  CHECK(job.rank_counts.failed == 5000);
  CHECK(job.rank_counts.running == 5000);
  CHECK(job.rank_counts.pending == 0);
  CHECK(job.rank_counts.exact());
  CHECK(elapsed < 5.0);  // about 0.1 s on two cores; generous for a shared machine
}

TEST_CASE("Task logs: a byte budget leaves later ranks unread, deterministically", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("job", 200, {});
  for (std::int64_t r = 0; r < 100; ++r) tree.write(log_rel("job", r), r % 3 == 0 ? failed_log(r, 5, 1) : running_log(r, 12));
  LocalStorage storage;
  ScanOptions o = options_with(1);
  o.log_bytes_per_job = 40 * 1024;
  const JobState serial = read_job(storage, tree.path("job"), o);
  const RankCounts& c = serial.rank_counts;
  CHECK_FALSE(c.exact());
  CHECK(c.unread > 0);
  CHECK(c.running + c.failed + c.unread == 100);
  CHECK(c.pending == 100);  // ranks 100-199 have no log: pending, whatever the budget
  REQUIRE_FALSE(serial.rank_issues.empty());
  // The budget went to the lowest ranks: the read ones are a prefix.
  CHECK(serial.rank_issues.back().rank == static_cast<std::int64_t>(serial.rank_issues.size()) - 1);
  for (unsigned threads : {1u, 8u}) {
    o.threads = threads;
    for (int again = 0; again < 3; ++again) {
      const JobState other = read_job(storage, tree.path("job"), o);
      CHECK(other.rank_counts.unread == c.unread);
      CHECK(other.rank_counts.failed == c.failed);
      CHECK(other.rank_counts.running == c.running);
      CHECK(other.rank_issues.size() == serial.rank_issues.size());
    }
  }
}

TEST_CASE("Task logs: logs older than executor.json are an earlier attempt", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("job", 6, {0});
  const double launched = wall_clock_now() - 3600;
  tree.write(log_rel("job", 1), failed_log(1));   // failed before the relaunch
  tree.write(log_rel("job", 2), running_log(2));  // looked running, then the job was relaunched
  tree.write(log_rel("job", 3), failed_log(3));   // failed in this attempt
  tree.write(log_rel("job", 4), running_log(4));  // running in this attempt
  tree.set_mtime(log_rel("job", 1), launched - 600);
  tree.set_mtime(log_rel("job", 2), launched - 120);
  tree.set_mtime(log_rel("job", 3), launched + 10);
  tree.set_mtime(log_rel("job", 4), launched + 20);
  tree.set_mtime("job/executor.json", launched);
  LocalStorage storage;
  const JobState job = read_job(storage, tree.path("job"), options_with());
  CHECK(job.rank_counts.failed == 1);
  CHECK(job.rank_counts.failed_earlier_attempt == 1);
  CHECK(job.rank_counts.running == 1);
  CHECK(job.rank_counts.pending == 2);  // rank 5 (no log) and rank 2 (an old running-looking log)
  REQUIRE(job.last_failure_at);
  CHECK(*job.last_failure_at == Approx(launched + 10));
  REQUIRE(job.last_log_write);
  CHECK(*job.last_log_write == Approx(launched + 20));  // not the older log of rank 2
  REQUIRE(job.rank_issues.size() == 4);
  CHECK(job.rank_issues[0].earlier_attempt);
  CHECK(job.rank_issues[0].state == RankState::failed);
  CHECK(job.rank_issues[1].earlier_attempt);
  CHECK(job.rank_issues[1].state == RankState::pending);
  CHECK_FALSE(job.rank_issues[2].earlier_attempt);
  CHECK_FALSE(job.rank_issues[3].earlier_attempt);

  SECTION("a copy (cp -r) writes executor.json seconds after the logs: still this attempt") {
    for (int r : {1, 2, 3, 4}) tree.set_mtime(log_rel("job", r), launched - 2);
    const JobState copied = read_job(storage, tree.path("job"), options_with());
    CHECK(copied.rank_counts.failed == 2);
    CHECK(copied.rank_counts.failed_earlier_attempt == 0);
    CHECK(copied.rank_counts.running == 2);
  }

  SECTION("only earlier-attempt failures: nothing failed in this attempt") {
    tree.set_mtime(log_rel("job", 3), launched - 300);
    tree.set_mtime(log_rel("job", 4), launched - 300);
    const JobState old = read_job(storage, tree.path("job"), options_with());
    CHECK(old.rank_counts.failed == 0);
    CHECK(old.rank_counts.failed_earlier_attempt == 2);
    CHECK(old.rank_counts.running == 0);
    CHECK_FALSE(old.last_failure_at);
    CHECK_FALSE(old.last_log_write);
  }
}

TEST_CASE("Task logs: a refresh re-reads only logs that changed", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("job", 80, {});
  const double t0 = wall_clock_now() - 3600;
  for (std::int64_t r = 0; r < 60; ++r) {
    tree.write(log_rel("job", r), r < 40 ? failed_log(r) : running_log(r));
    tree.set_mtime(log_rel("job", r), t0 + static_cast<double>(r));
  }
  tree.set_mtime("job/executor.json", t0 - 10);
  LocalStorage storage;
  ScanOptions o = options_with(4);
  JobState job = read_job(storage, tree.path("job"), o);
  const RankCounts first = job.rank_counts;
  CHECK(first.failed == 40);
  CHECK(first.running == 20);

  // The Scanner's refresh: diagnose again on a copy of the cached job.
  JobState copy = job;
  auto before = storage.counters();
  CHECK(diagnose_incomplete_ranks(storage, copy, o) == 0);
  CHECK(storage.counters().reads == before.reads);  // unchanged logs: not one read
  CHECK(storage.counters().lists - before.lists == 1);  // logs/, once
  CHECK(copy.rank_counts.failed == 40);
  CHECK(copy.rank_counts.running == 20);
  CHECK(copy.rank_issues.size() == 60);
  CHECK(copy.rank_issues[7].message == job.rank_issues[7].message);
  CHECK(*copy.last_log_write == Approx(t0 + 59));

  SECTION("a log that changed is read again") {
    tree.write(log_rel("job", 45), failed_log(45));  // a running rank failed
    tree.set_mtime(log_rel("job", 45), t0 + 100);
    JobState again = copy;
    before = storage.counters();
    CHECK(diagnose_incomplete_ranks(storage, again, o) == 1);
    CHECK(storage.counters().reads - before.reads == 1);
    CHECK(again.rank_counts.failed == 41);
    CHECK(again.rank_counts.running == 19);
    CHECK(*again.last_failure_at == Approx(t0 + 100));
  }
  SECTION("a relaunch makes reused failures earlier-attempt ones, without reads") {
    JobState relaunched = copy;
    relaunched.launched_at = t0 + 110;  // (a log older by > the 60 s margin is earlier) the Scanner takes it from executor.json's new mtime
    before = storage.counters();
    diagnose_incomplete_ranks(storage, relaunched, o);
    CHECK(storage.counters().reads == before.reads);
    CHECK(relaunched.rank_counts.failed_earlier_attempt == 40);
    CHECK(relaunched.rank_counts.failed == 0);
    CHECK(relaunched.rank_counts.running == 10);       // ranks 50-59
    CHECK(relaunched.rank_counts.pending == 20 + 10);  // no log (60-79), or an old running-looking one (40-49)
    // And back: the raw verdict survives being stored as pending.
    relaunched.launched_at = t0 - 10;
    diagnose_incomplete_ranks(storage, relaunched, o);
    CHECK(relaunched.rank_counts.running == 20);
    CHECK(relaunched.rank_counts.failed == 40);
  }
  SECTION("a message dropped by the limit comes back when a slot frees") {
    o.max_rank_messages = 1;
    JobState limited = read_job(storage, tree.path("job"), o);
    CHECK_FALSE(limited.rank_issues[0].message.empty());
    CHECK(limited.rank_issues[1].message.empty());
    tree.write(log_rel("job", 0), running_log(0));  // rank 0 restarted
    before = storage.counters();
    CHECK(diagnose_incomplete_ranks(storage, limited, o) == 2);  // rank 0, and rank 1 for its message
    CHECK(storage.counters().reads - before.reads == 2);
    CHECK(limited.rank_issues[0].state == RankState::running);
    CHECK(limited.rank_issues[1].message == "ValueError: bad shard 7 in rank 1");
    CHECK(limited.rank_issues[2].message.empty());
  }
}

TEST_CASE("Task logs: a FIFO or directory named like a log is never opened", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("job", 8, {0});
  tree.mkdir("job/logs");
  REQUIRE(::mkfifo(tree.path(log_rel("job", 3)).c_str(), 0644) == 0);
  tree.mkdir(log_rel("job", 4));
  tree.write(log_rel("job", 5), failed_log(5));
  LocalStorage storage;
  const auto start = std::chrono::steady_clock::now();
  JobState job = read_job(storage, tree.path("job"), options_with());
  CHECK(seconds_since(start) < 5);  // opening the FIFO would block forever
  CHECK(job.rank_counts.failed == 1);
  CHECK(job.rank_counts.pending == 6);  // ranks 1, 2, 6, 7 without logs; 3 and 4 are not logs
  CHECK(job.rank_counts.exact());
  CHECK(has_warning(job, "task_00003.log", "not a regular file"));
  CHECK(has_warning(job, "task_00004.log", "not a regular file"));
  REQUIRE(job.rank_issues.size() == 1);  // only real logs are issues
  CHECK(job.rank_issues[0].rank == 5);
  // A refresh does not pile up the same warnings.
  const std::size_t warnings = job.warnings.size();
  diagnose_incomplete_ranks(storage, job, options_with());
  CHECK(job.warnings.size() == warnings);
}

TEST_CASE("Task logs: an unreadable log is unread, with a warning naming it", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("job", 4, {0});
  tree.write(log_rel("job", 1), failed_log(1));
  tree.write(log_rel("job", 2), failed_log(2));
  REQUIRE(::chmod(tree.path(log_rel("job", 2)).c_str(), 0) == 0);
  if (::access(tree.path(log_rel("job", 2)).c_str(), R_OK) == 0) {
    WARN("running as root: a mode-0 file is still readable, the permission-denied case is not exercised here");
    return;
  }
  LocalStorage storage;
  const JobState job = read_job(storage, tree.path("job"), options_with());
  CHECK(job.rank_counts.failed == 1);
  CHECK(job.rank_counts.unread == 1);  // not running: we do not know
  CHECK(job.rank_counts.running == 0);
  CHECK(job.rank_counts.pending == 1);
  CHECK_FALSE(job.rank_counts.exact());
  CHECK(has_warning(job, "task_00002.log", "Permission denied"));
}

TEST_CASE("Task logs: a read error makes the rank unread, whoever runs the test", "[datatrove]") {
  // The same as above through a Storage that refuses one file, so the path
  // is covered also where the tests run as root.
  class RefusingStorage final : public Storage {
   public:
    explicit RefusingStorage(std::string refused) : refused_(std::move(refused)) {}
    using Storage::list;
    using Storage::read;
    std::vector<DirEntry> list(const std::string& dir, const ListOptions& o) const override { return local_.list(dir, o); }
    FileStat stat(const std::string& path) const override { return local_.stat(path); }
    std::string read(const std::string& path, std::uint64_t max) const override { return local_.read(path, max); }
    std::string read_range(const std::string& path, std::uint64_t offset, std::uint64_t length) const override {
      if (path == refused_) throw StorageError(path, "cannot open: Permission denied");
      return local_.read_range(path, offset, length);
    }
    Counters counters() const override { return local_.counters(); }

   private:
    LocalStorage local_;
    std::string refused_;
  };
  test::TempTree tree;
  tree.make_job("job", 4, {0});
  tree.write(log_rel("job", 1), failed_log(1));
  tree.write(log_rel("job", 2), failed_log(2));
  RefusingStorage storage(tree.path(log_rel("job", 2)));
  const JobState job = read_job(storage, tree.path("job"), options_with());
  CHECK(job.rank_counts.failed == 1);
  CHECK(job.rank_counts.unread == 1);
  CHECK(job.rank_counts.running == 0);
  CHECK_FALSE(job.rank_counts.exact());
  REQUIRE(has_warning(job, "task_00002.log", "Permission denied"));
  CHECK(job.rank_issues.size() == 1);
}

TEST_CASE("Task logs: an unlistable logs dir leaves every incomplete rank unread", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("job", 10, {0, 1});
  tree.write(log_rel("job", 2), failed_log(2));
  REQUIRE(::chmod(tree.path("job/logs").c_str(), 0) == 0);
  const bool root = ::access(tree.path("job/logs").c_str(), R_OK) == 0;
  LocalStorage storage;
  const JobState job = read_job(storage, tree.path("job"), options_with());
  ::chmod(tree.path("job/logs").c_str(), 0755);  // so the tree can be removed
  if (root) {
    WARN("running as root: a mode-0 directory is still listable, the permission-denied case is not exercised here");
    return;
  }
  CHECK(job.rank_counts.unread == 8);
  CHECK(job.rank_counts.pending == 0);
  CHECK(has_warning(job, "job/logs", "Permission denied"));
}

TEST_CASE("Task logs: an empty log is a running rank, its mtime the evidence", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("job", 3, {0});
  const double launched = wall_clock_now() - 600;
  tree.write(log_rel("job", 1), "");
  tree.set_mtime(log_rel("job", 1), launched + 5);
  tree.set_mtime("job/executor.json", launched);
  LocalStorage storage;
  const auto before = storage.counters();
  const JobState job = read_job(storage, tree.path("job"), options_with());
  CHECK(storage.counters().reads - before.reads == 1);  // executor.json only: nothing to read in an empty log
  CHECK(job.rank_counts.running == 1);
  CHECK(job.rank_counts.pending == 1);
  REQUIRE(job.last_log_write);
  CHECK(*job.last_log_write == Approx(launched + 5));
}

TEST_CASE("Task logs: world_size 2e9 with a few logs costs a few stats", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("job", 2000000000, {0, 1});
  tree.write(log_rel("job", 5), failed_log(5));
  tree.write(log_rel("job", 1999999999), running_log(1999999999));
  tree.write(log_rel("job", 1), failed_log(1));  // rank 1 completed: its log is not read
  LocalStorage storage;
  const auto before = storage.counters();
  const auto start = std::chrono::steady_clock::now();
  const JobState job = read_job(storage, tree.path("job"), options_with());
  CHECK(seconds_since(start) < 1.0);  // no loop over the pending ranks
  CHECK(storage.counters().stats - before.stats < 10);
  CHECK(job.rank_counts.failed == 1);
  CHECK(job.rank_counts.running == 1);
  CHECK(job.rank_counts.pending == 2000000000 - 4);
  CHECK(job.rank_counts.exact());
}

TEST_CASE("Task logs: the small tail decides exactly as the whole window would", "[datatrove]") {
  // Random logs made of the lines that matter, many crossing the small tail's
  // edge: the verdict and message must be those of the full log_tail_bytes.
  test::TempTree tree;
  const std::int64_t ranks = 300;
  tree.make_job("job", ranks, {});
  std::mt19937 random(12);
  std::vector<std::string> logs;
  for (std::int64_t r = 0; r < ranks; ++r) {
    std::string log;
    const int lines = static_cast<int>(random() % 400);
    for (int i = 0; i < lines; ++i) {
      switch (random() % 12) {
        case 0: log += "2026-11-21 21:13:56.189 | ERROR    | m:f:1 - something broke " + std::to_string(i) + "\n"; break;
        case 1: log += "2026-11-21 21:13:56.189 | SUCCESS  | m:f:1 - Processing done for rank=" + std::to_string(r) + "\n"; break;
        case 2: log += "KeyError: 'x" + std::to_string(i) + "'\n"; break;
        case 3: log += "  File \"/a/b.py\", line 3, in f\n"; break;
        default: log += info_line(r, i);
      }
    }
    tree.write(log_rel("job", r), log);
    logs.push_back(std::move(log));
  }
  LocalStorage storage;
  ScanOptions o = options_with(4);
  o.max_rank_messages = 1000;
  const JobState job = read_job(storage, tree.path("job"), o);
  std::size_t issue = 0;
  int longer_than_small_tail = 0;
  for (std::int64_t r = 0; r < ranks; ++r) {
    const std::string& log = logs[static_cast<std::size_t>(r)];
    REQUIRE(issue < job.rank_issues.size());
    const RankIssue& got = job.rank_issues[issue++];
    const std::size_t window = std::min<std::size_t>(log.size(), o.log_tail_bytes);
    const RankIssue want = classify_task_log(r, std::string_view(log).substr(log.size() - window));
    INFO("rank " << r << ", log of " << log.size() << " bytes");
    CHECK(got.rank == r);
    CHECK(to_string(got.state) == std::string(to_string(want.state)));
    CHECK(got.message == want.message);
    longer_than_small_tail += log.size() > 4096 ? 1 : 0;
  }
  CHECK(longer_than_small_tail > 100);  // most logs are longer than the small tail
}

TEST_CASE("Task logs: a traceback longer than the small tail is still read to its ERROR line", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("job", 3, {});
  tree.write(log_rel("job", 0), failed_log(0, 200, 60));  // ~10 KiB traceback
  // Done, then an exception line without a loguru ERROR, far back.
  std::string done = running_log(1, 10) + "x | SUCCESS  | m:f:1 - Processing done for rank=1\n" +
                     std::string(6000, 'z') + "\nOSError: late\n";
  tree.write(log_rel("job", 1), done);
  LocalStorage storage;
  const JobState job = read_job(storage, tree.path("job"), options_with());
  REQUIRE(job.rank_issues.size() == 2);
  CHECK(job.rank_issues[0].state == RankState::failed);
  CHECK(job.rank_issues[0].message == "ValueError: bad shard 0 in rank 0");
  CHECK(job.rank_issues[1].state == RankState::finished_unmarked);
}
