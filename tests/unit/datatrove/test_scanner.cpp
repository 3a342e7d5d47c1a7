#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "datatrove/job_dir_reader.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
using jobmon::detail::classify_task_log;
using test::range;

namespace {

std::shared_ptr<const JobState> find_job(const ScanResult& r, const std::string& name) {
  for (const auto& j : r.jobs) {
    if (j->name == name) return j;
  }
  return nullptr;
}

bool has_warning(const ScanResult& r, const std::string& path_part, const std::string& message_part) {
  for (const auto& w : r.warnings) {
    if (w.path.find(path_part) != std::string::npos && w.message.find(message_part) != std::string::npos) return true;
  }
  return false;
}

ScanOptions serial() {
  ScanOptions o;
  o.threads = 1;
  return o;
}

}  // namespace

TEST_CASE("Scanner: real datatrove fixtures (one complete, one with failed ranks)", "[datatrove]") {
  test::TempTree tree;
  test::copy_tree(std::string(JOBMON_FIXTURES_DIR) + "/datatrove", tree.path("logs"));
  Scanner scanner(std::make_shared<LocalStorage>());
  const ScanResult r = scanner.scan({tree.path("logs")});
  REQUIRE(r.jobs.size() == 2);
  const auto done = find_job(r, "tokenize_CC-MAIN-2023-40");
  const auto failed = find_job(r, "tokenize_CC-MAIN-2023-50");
  REQUIRE(done);
  REQUIRE(failed);
  CHECK(done->world_size == 6);
  CHECK(done->completed == 6);
  CHECK(done->complete());
  CHECK(failed->world_size == 16);
  CHECK(failed->completed == 14);
  CHECK_FALSE(failed->complete());
  CHECK(failed->incomplete_ranks(100) == std::vector<std::int64_t>{3, 11});
  REQUIRE(failed->rank_issues.size() == 2);
  CHECK(failed->rank_issues[0].state == RankState::failed);
  CHECK(failed->rank_issues[0].message.find("simulated tokenizer crash in CC-MAIN-2023-50 (rank=3") != std::string::npos);
  CHECK(failed->rank_issues[1].rank == 11);
  CHECK(failed->failed_ranks() == 2);
  CHECK(failed->marker_mtimes.size() == 14);  // incomplete jobs get marker times
  CHECK(done->marker_mtimes.empty());         // complete jobs need none
  CHECK(failed->pipeline_steps.size() == 4);
  CHECK(r.warnings.empty());
}

TEST_CASE("Scanner: a path that is itself a job dir is the job", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("job", 4, {0, 1});
  Scanner scanner(std::make_shared<LocalStorage>(), serial());
  const ScanResult r = scanner.scan({tree.path("job") + "/"});
  REQUIRE(r.jobs.size() == 1);
  CHECK(r.jobs[0]->name == "job");
  CHECK(r.jobs[0]->completed == 2);
  CHECK(r.jobs[0]->incomplete_ranges().size() == 1);
  CHECK(format_ranges(r.jobs[0]->incomplete_ranges()) == "2-3");
}

TEST_CASE("Scanner: partial, empty, corrupt and not-a-job directories", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("logs/partial", 10, {0, 1, 2, 7});
  tree.write("logs/no_completions_yet/executor.json", R"({"world_size": 3})");
  tree.write("logs/corrupt/executor.json", R"({"world_size": 3, )");
  tree.write("logs/zero/executor.json", R"({"world_size": 0})");
  tree.write("logs/missing_ws/executor.json", R"({"tasks": 5})");
  tree.write("logs/string_ws/executor.json", R"({"world_size": "5"})");
  tree.write("logs/array/executor.json", R"([1,2,3])");
  tree.write("logs/empty_file/executor.json", "");
  tree.write("logs/nul_bytes/executor.json", std::string("{\"world_size\": \0\0\0}", 20));
  tree.mkdir("logs/not_a_job/completions");
  tree.write("logs/stray_file.txt", "not a dir");
  Scanner scanner(std::make_shared<LocalStorage>(), serial());
  const ScanResult r = scanner.scan({tree.path("logs")});

  REQUIRE(r.jobs.size() == 2);
  const auto partial = find_job(r, "partial");
  REQUIRE(partial);
  CHECK(partial->completed == 4);
  CHECK(format_ranges(partial->incomplete_ranges()) == "3-6,8-9");
  const auto fresh = find_job(r, "no_completions_yet");
  REQUIRE(fresh);
  CHECK(fresh->completed == 0);
  CHECK(fresh->world_size == 3);

  CHECK(has_warning(r, "corrupt", "corrupt executor.json"));
  CHECK(has_warning(r, "zero", "world_size is 0"));
  CHECK(has_warning(r, "missing_ws", "no world_size"));
  CHECK(has_warning(r, "string_ws", "not an integer"));
  CHECK(has_warning(r, "array", "not a JSON object"));
  CHECK(has_warning(r, "empty_file", "corrupt executor.json"));
  CHECK(has_warning(r, "nul_bytes", "corrupt executor.json"));
  CHECK(has_warning(r, "not_a_job", "no executor.json"));
}

TEST_CASE("Scanner: stray marker names are ignored and reported; ranks >= world_size are not counted", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("job", 5, {0, 1});
  tree.write("job/completions/.00002.tmp", "");
  tree.write("job/completions/README", "");
  // datatrove checks only completions/{rank:05d}: other spellings of a rank
  // are not its marker (datatrove would run those ranks again).
  for (const char* name : {"1", "0001", "000002", "+0002", "-0002", "0004 ", "00004.tmp"})
    tree.write(std::string("job/completions/") + name, "");
  tree.write("job/completions/00007", "");  // out of range
  tree.mkdir("job/completions/00003");     // a directory named like a rank still counts as its marker name
  Scanner scanner(std::make_shared<LocalStorage>(), serial());
  const ScanResult r = scanner.scan({tree.path("job")});
  REQUIRE(r.jobs.size() == 1);
  const auto& job = *r.jobs[0];
  CHECK(job.completed == 3);
  CHECK(job.done_ranks == std::vector<std::int64_t>{0, 1, 3});
  CHECK(job.stray_entries ==
        std::vector<std::string>{"+0002", "-0002", ".00002.tmp", "000002", "00004.tmp", "0001", "0004 ", "1", "README"});
  CHECK(job.out_of_range_ranks == std::vector<std::int64_t>{7});
  REQUIRE(job.warnings.size() == 2);
  CHECK(job.warnings[0].path == tree.path("job/completions"));
  CHECK(job.warnings[0].message.starts_with("9 entries are not rank numbers as datatrove writes them"));
}

TEST_CASE("Scanner: rank names are exactly datatrove's {:05d}", "[datatrove]") {
  CHECK(parse_rank_name("00000") == 0);
  CHECK(parse_rank_name("00042") == 42);
  CHECK(parse_rank_name("99999") == 99999);
  CHECK(parse_rank_name("100000") == 100000);
  CHECK(parse_rank_name("123456") == 123456);
  CHECK(parse_rank_name("999999999999") == 999999999999);
  for (const char* stray : {"", "1", "42", "0042", "000042", "012345", "0100000", "+0042", "-0042", " 00042",
                            "00042 ", "0x042", "00042.tmp", "1234567890123", "０００４２"})
    CHECK_FALSE(parse_rank_name(stray));
  // Every rank round-trips through the name datatrove gives it.
  for (const std::int64_t rank : {0LL, 7LL, 99999LL, 100000LL, 2000000000LL, 999999999999LL})
    CHECK(parse_rank_name(fmt::format("{:05d}", rank)) == rank);
  // The task-log reader takes the rank from the same name.
  CHECK(parse_rank_name(task_log_name(123456).substr(5, 6)) == 123456);
}

TEST_CASE("Scanner: a stray count past the kept list is still exact in the warning", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("job", 2, {0});
  for (int i = 0; i < 1005; ++i) tree.write(fmt::format("job/completions/x{}", i), "");
  Scanner scanner(std::make_shared<LocalStorage>(), serial());
  const ScanResult r = scanner.scan({tree.path("job")});
  REQUIRE(r.jobs.size() == 1);
  CHECK(r.jobs[0]->stray_entries.size() == 1000);  // bounded list
  REQUIRE_FALSE(r.jobs[0]->warnings.empty());
  CHECK(r.jobs[0]->warnings[0].message.starts_with("1005 entries are not rank numbers"));
}

TEST_CASE("Scanner: ranks >= 100000 have six-digit markers", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("big", 100002, {});
  tree.write("big/completions/99999", "");
  tree.write("big/completions/100000", "");
  tree.write("big/completions/100001", "");
  ScanOptions o = serial();
  o.max_rank_issues = 3;
  Scanner scanner(std::make_shared<LocalStorage>(), o);
  const ScanResult r = scanner.scan({tree.path("big")});
  REQUIRE(r.jobs.size() == 1);
  CHECK(r.jobs[0]->completed == 3);
  CHECK(format_ranges(r.jobs[0]->incomplete_ranges()) == "0-99998");
  CHECK(r.jobs[0]->rank_issues.empty());  // no rank has a log
  CHECK(r.jobs[0]->rank_counts.pending == 99999);
  CHECK(r.jobs[0]->rank_counts.exact());
}

TEST_CASE("Scanner: huge and implausible world sizes", "[datatrove]") {
  test::TempTree tree;
  tree.write("logs/huge/executor.json", R"({"world_size": 2000000000})");
  tree.mkdir("logs/huge/completions");
  tree.write("logs/huge/completions/00000", "");
  tree.write("logs/absurd/executor.json", R"({"world_size": 99999999999999999999})");
  tree.write("logs/negative/executor.json", R"({"world_size": -4})");
  Scanner scanner(std::make_shared<LocalStorage>(), serial());
  const ScanResult r = scanner.scan({tree.path("logs")});
  REQUIRE(r.jobs.size() == 1);
  CHECK(r.jobs[0]->world_size == 2000000000);
  CHECK(r.jobs[0]->incomplete_ranks(10).size() == 10);  // bounded, never materialised whole
  CHECK(has_warning(r, "absurd", "implausible world_size 99999999999999999999 (accepted: 1 to 1000000000000)"));
  CHECK(has_warning(r, "negative", "implausible world_size -4 (accepted: 1 to 1000000000000)"));
}

TEST_CASE("Scanner: world_size is a JSON integer from 1 to 10^12, whatever form the parser gives", "[datatrove]") {
  test::TempTree tree;
  const std::vector<std::pair<std::string, std::string>> rejected = {
      {"4.5", "executor.json: world_size is not an integer (4.5)"},
      {"4.0", "executor.json: world_size is not an integer (4.0)"},
      {"1e12", "executor.json: world_size is not an integer (1e12)"},
      {"1E3", "executor.json: world_size is not an integer (1E3)"},
      {"-2.5e-3", "executor.json: world_size is not an integer (-2.5e-3)"},
      {R"("5")", R"(executor.json: world_size is not an integer ("5"))"},
      {"[5]", "executor.json: world_size is not an integer ([5])"},
      {"true", "executor.json: world_size is not an integer (true)"},
      {"1000000000001", "executor.json: implausible world_size 1000000000001 (accepted: 1 to 1000000000000)"},
      {"18446744073709551615", "executor.json: implausible world_size 18446744073709551615 (accepted: 1 to "
                               "1000000000000)"},
      {"-9223372036854775808", "executor.json: implausible world_size -9223372036854775808 (accepted: 1 to "
                               "1000000000000)"},
      {"0", "not a job: world_size is 0"},
      {"-0", "not a job: world_size is 0"},
  };
  for (std::size_t i = 0; i < rejected.size(); ++i)
    tree.write(fmt::format("logs/r{:02d}/executor.json", i),
               R"({"pipeline": [{"world_size": 3}], "world_size" :  )" + rejected[i].first + " }");
  tree.write("logs/max/executor.json", R"({"world_size": 1000000000000})");
  tree.write("logs/one/executor.json", R"({"nested": {"world_size": 2.5}, "world_size": 1})");
  Scanner scanner(std::make_shared<LocalStorage>(), serial());
  const ScanResult r = scanner.scan({tree.path("logs")});
  REQUIRE(r.jobs.size() == 2);
  CHECK(r.jobs[0]->world_size == 1000000000000);
  CHECK(r.jobs[1]->world_size == 1);
  for (std::size_t i = 0; i < rejected.size(); ++i) {
    const std::string path = tree.path(fmt::format("logs/r{:02d}", i));
    bool found = false;
    for (const auto& w : r.warnings) found = found || (w.path == path && w.message == rejected[i].second);
    INFO(rejected[i].first);
    CHECK(found);
  }
}

TEST_CASE("Scanner: symlinked job dirs and globs matching a mix", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("real/job_a", 2, {0, 1});
  tree.make_job("logs/job_b", 2, {0});
  tree.mkdir("logs/job_c_not_a_job");
  tree.symlink(tree.path("real/job_a"), "logs/job_a");
  tree.write("logs/job_file", "x");
  Scanner scanner(std::make_shared<LocalStorage>(), serial());
  const ScanResult r = scanner.scan({tree.path("logs/job_*")});
  REQUIRE(r.jobs.size() == 2);
  CHECK(r.jobs[0]->name == "job_a");
  CHECK(r.jobs[0]->complete());
  CHECK(r.jobs[1]->name == "job_b");
  // The non-job match is looked into (no children) and no file is mistaken for a job.
  const ScanResult none = scanner.scan({tree.path("nothing_*")});
  CHECK(none.jobs.empty());
  CHECK(has_warning(none, "nothing_", "matched no directory"));
}

TEST_CASE("Scanner: missing and non-directory targets are warnings", "[datatrove]") {
  test::TempTree tree;
  tree.write("file", "x");
  Scanner scanner(std::make_shared<LocalStorage>(), serial());
  const ScanResult r = scanner.scan({tree.path("missing"), tree.path("file")});
  CHECK(r.jobs.empty());
  CHECK(has_warning(r, "missing", "no such file"));
  CHECK(has_warning(r, "file", "not a directory"));
}

TEST_CASE("Scanner: recursive finds nested jobs, stopping at job dirs", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("root/stage1/job_a", 1, {0});
  tree.make_job("root/stage2/sub/job_b", 1, {});
  tree.make_job("root/job_c", 1, {});
  ScanOptions o = serial();
  o.recursive = true;
  Scanner scanner(std::make_shared<LocalStorage>(), o);
  const ScanResult r = scanner.scan({tree.path("root")});
  REQUIRE(r.jobs.size() == 3);
  CHECK(r.jobs[0]->name == "job_c");
  CHECK(r.jobs[1]->name == "job_a");
  CHECK(r.jobs[2]->name == "job_b");
  Scanner flat(std::make_shared<LocalStorage>(), serial());
  CHECK(flat.scan({tree.path("root")}).jobs.size() == 1);
}

TEST_CASE("Scanner: parallel and serial scans agree", "[datatrove]") {
  test::TempTree tree;
  for (int i = 0; i < 40; ++i) tree.make_job("logs/job_" + std::to_string(i), 8, range(0, i % 9));
  ScanOptions many;
  many.threads = 8;
  Scanner parallel(std::make_shared<LocalStorage>(), many);
  Scanner one(std::make_shared<LocalStorage>(), serial());
  const auto a = parallel.scan({tree.path("logs")});
  const auto b = one.scan({tree.path("logs")});
  REQUIRE(a.jobs.size() == 40);
  REQUIRE(b.jobs.size() == 40);
  for (std::size_t i = 0; i < a.jobs.size(); ++i) {
    CHECK(a.jobs[i]->path == b.jobs[i]->path);
    CHECK(a.jobs[i]->completed == b.jobs[i]->completed);
  }
}

TEST_CASE("Scanner: refresh cache re-lists only changed completions dirs", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("logs/done", 3, {0, 1, 2});
  tree.make_job("logs/active", 4, {0});
  tree.make_job("logs/idle", 4, {0});
  tree.mkdir("logs/empty_dir");
  const double past = wall_clock_now() - 100;
  for (const char* p : {"logs/done/completions", "logs/active/completions", "logs/idle/completions", "logs/empty_dir", "logs"})
    tree.set_mtime(p, past);
  auto storage = std::make_shared<LocalStorage>();
  ScanOptions o = serial();
  o.log_refresh_seconds = 1e9;
  Scanner scanner(storage, o);
  const ScanResult first = scanner.scan({tree.path("logs")});
  CHECK(first.jobs.size() == 3);
  CHECK(first.stats.completions_listed == 3);

  const ScanResult second = scanner.scan({tree.path("logs")});
  CHECK(second.stats.completions_listed == 0);
  CHECK(second.stats.directory_listings == 0);
  CHECK(second.stats.jobs_from_cache == 3);

  tree.add_markers("logs/active", {1, 2});
  const ScanResult third = scanner.scan({tree.path("logs")});
  CHECK(third.stats.completions_listed == 1);
  CHECK(third.stats.directory_listings == 1);
  for (const auto& j : third.jobs) {
    if (j->name == "active") CHECK(j->completed == 3);
  }

  // A new job dir appears: the root's mtime changes, it is listed again.
  tree.make_job("logs/new_job", 2, {0});
  const ScanResult fourth = scanner.scan({tree.path("logs")});
  CHECK(fourth.jobs.size() == 4);

  scanner.clear_cache();
  CHECK(scanner.scan({tree.path("logs")}).stats.completions_listed == 4);
}

TEST_CASE("Scanner: task log classification", "[datatrove]") {
  const std::string failed =
      "2024-07-12 00:56:16.392 | INFO     | datatrove:run:1 - Launching pipeline for rank=3\n"
      "2024-07-12 00:56:17.000 | ERROR    | datatrove.executor.base:_run_for_rank:150 - boom (rank=3)\n"
      "Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: bad shard 17\n";
  auto issue = classify_task_log(3, failed);
  CHECK(issue.state == RankState::failed);
  CHECK(issue.message == "ValueError: bad shard 17");

  const std::string error_only = "[NODE 1] 2024-07-12 00:56:17.000 | ERROR    | m:f:1 - disk full\n";
  issue = classify_task_log(4, error_only);
  CHECK(issue.state == RankState::failed);
  CHECK(issue.message == "disk full");

  issue = classify_task_log(5, "2024-07-12 00:56:17.000 | INFO     | m:f:1 - reading shard\n");
  CHECK(issue.state == RankState::running);

  issue = classify_task_log(6, "x | SUCCESS  | m:f:1 - Processing done for rank=6\n");
  CHECK(issue.state == RankState::finished_unmarked);

  issue = classify_task_log(7, std::string("\0\0\xff\xfe garbage", 12));
  CHECK(issue.state == RankState::running);
}

TEST_CASE("Scanner: incomplete ranks without logs are pending", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("job", 3, {0});
  tree.write("job/logs/task_00001.log", "2024-07-12 00:56:16.392 | INFO     | m:f:1 - Launching pipeline for rank=1\n");
  Scanner scanner(std::make_shared<LocalStorage>(), serial());
  const ScanResult r = scanner.scan({tree.path("job")});
  REQUIRE(r.jobs.size() == 1);
  REQUIRE(r.jobs[0]->rank_issues.size() == 1);  // only ranks with a log are listed
  CHECK(r.jobs[0]->rank_issues[0].state == RankState::running);
  CHECK(r.jobs[0]->rank_counts.running == 1);
  CHECK(r.jobs[0]->rank_counts.pending == 1);
}

TEST_CASE("Scanner: recursive does not follow a symlink back to a directory it is inside", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("root/group/job_a", 2, {0});
  tree.symlink(tree.path("root"), "root/group/loop");
  ScanOptions o = serial();
  o.recursive = true;
  Scanner scanner(std::make_shared<LocalStorage>(), o);
  const ScanResult r = scanner.scan({tree.path("root")});
  REQUIRE(r.jobs.size() == 1);
  CHECK(r.jobs[0]->path == tree.path("root/group/job_a"));
}

TEST_CASE("Scanner: a null storage is resolved from the targets", "[datatrove]") {
  test::TempTree tree;
  tree.make_job("logs/job_a", 2, {0, 1});
  Scanner scanner(nullptr, serial());
  const ScanResult r = scanner.scan({tree.path("logs")});
  REQUIRE(r.jobs.size() == 1);
  CHECK(r.jobs[0]->complete());
}

TEST_CASE("Scanner: task log names as datatrove writes them", "[datatrove]") {
  CHECK(task_log_name(7) == "task_00007.log");
  CHECK(task_log_name(0) == "task_00000.log");
  CHECK(task_log_name(123456) == "task_123456.log");  // wider ranks are not cut
}
