// HubProgress and the jobmon-hub-progress loop against the fake Hub on
// 127.0.0.1 with the real fixture shards: exact card bytes after each poll,
// the requests each poll makes (cached footers: no range reads), skipped
// half-uploaded shards, a 412 on the first commit, completion and a stopped job.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "fake_hub.hpp"
#include "hub_test_setup.hpp"
#include "jobmon/cli/hub_progress_command.hpp"
#include "jobmon/error.hpp"
#include "jobmon/hub/hub_progress.hpp"
#include "jobmon/hub/squeue.hpp"
#include "jobmon/scheduler/scheduler_query.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

using test::front_matter;
using test::manifest_rows;
using test::noon;
using test::parquet_dir;
using Setup = test::HubSetup;
const std::string body = test::card_body;

// squeue and sacct in DIR/bin that print the answers captured from the real
// test cluster (tests/data/slurm) for the moment named in the file `moment`.
void write_slurm_fakes(const test::TempTree& dir, const std::string& moment) {
  const std::string data = JOBMON_TEST_DATA "/slurm/";
  for (const std::string command : {"squeue", "sacct"}) {
    dir.write("bin/" + command, "#!/bin/sh\nexec cat \"" + data + command + "_$(cat '" + moment + "').json\"\n");
    fs::permissions(dir.path("bin/" + command), fs::perms::owner_all);
  }
}

std::string section(const std::string& line, const std::string& stamp) { return test::card_section(line, stamp); }

}  // namespace

TEST_CASE("HubProgress: card bytes and requests after each poll", "[hub]") {
  REQUIRE(manifest_rows("page_index.parquet") == 3000);
  REQUIRE(manifest_rows("bloom_filter.parquet") == 4096);
  REQUIRE(manifest_rows("delta_byte_array.parquet") == 1000);
  Setup s;
  s.add("page_index.parquet", "00000.parquet");
  s.add_half("bloom_filter.parquet", "00001.parquet");  // still uploading
  s.tree.write("org/out/data/train/notes.txt", "not a shard");
  HubProgressOptions options;
  options.repo = "org/out";
  options.total = 10000;
  HubProgress progress(*s.client, options);

  // Poll 1: one readable shard, one half uploaded; the first commit gets a 412.
  s.hub->fault("/commit/", 412, 1, "POST");
  const HubPoll p1 = progress.poll(noon);
  CHECK(p1.count.rows == 3000);
  CHECK(p1.count.files == 2);
  REQUIRE(p1.count.skipped.size() == 1);
  CHECK(p1.count.skipped[0].path == "data/train/00001.parquet");
  CHECK_THAT(p1.count.skipped[0].reason, Catch::Matchers::Contains("no PAR1 magic"));
  CHECK(p1.committed);
  CHECK_FALSE(p1.eta_seconds);
  CHECK(s.readme() == front_matter + "\n" +
                          section("**default**: [●●●●●●○○○○○○○○○○○○○○] 30% • 3,000/10,000 docs<br>⏱️ estimating remaining time...",
                                  "2026-11-22 12:00:00") +
                          "\n" + body);
  CHECK(s.requests("hub", "/commit/") == 2);
  CHECK(s.requests("cdn", "/blob/") == 2);
  s.hub->reset();

  // Poll 2, an hour later: the half shard is complete (new oid) and one more arrived.
  s.add("bloom_filter.parquet", "00001.parquet");
  s.add("delta_byte_array.parquet", "00002.parquet");
  const HubPoll p2 = progress.poll(noon + 3600);
  CHECK(p2.count.rows == 8096);
  CHECK(p2.count.skipped.empty());
  CHECK(p2.count.footers_read == 2);
  // 5,096 rows in an hour; 1,904 to go: 1,345 s.
  REQUIRE(p2.eta_seconds);
  CHECK(*p2.eta_seconds == Approx(1904.0 / (5096.0 / 3600.0)));
  const std::string card2 =
      front_matter + "\n" +
      section("**default**: [●●●●●●●●●●●●●●●●○○○○] 80% • 8,096/10,000 docs<br>⏱️ 22m remaining • 📅 Nov 22 2026, 13:22 UTC",
              "2026-11-22 13:00:00") +
      "\n" + body;
  CHECK(s.readme() == card2);
  CHECK(s.requests("cdn", "/blob/") == 2);  // only the two new footers
  CHECK(s.requests("hub", "/tree/") == 3);  // train/ + 3 shards + notes.txt, 2 a page
  s.hub->reset();

  // Poll 3: nothing new. Listing only: zero range reads.
  const HubPoll p3 = progress.poll(noon + 3660);
  CHECK(p3.count.rows == 8096);
  CHECK(p3.count.footers_read == 0);
  CHECK(s.requests("hub", "/resolve/") == 0);
  CHECK(s.requests("cdn", "") == 0);
  CHECK(s.requests("hub", "/tree/") == 3);

  // Complete: the final card says so; a repeat changes nothing and commits nothing.
  const HubPoll p4 = progress.poll(noon + 7200, CardState::complete);
  CHECK(p4.committed);
  const std::string card4 =
      front_matter + "\n" +
      section("**default**: [●●●●●●●●●●●●●●●●○○○○] 80% • 8,096/10,000 docs<br>✅ Complete", "2026-11-22 14:00:00") + "\n" +
      body;
  CHECK(s.readme() == card4);
  s.hub->reset();
  const HubPoll p5 = progress.poll(noon + 9000, CardState::complete);
  CHECK_FALSE(p5.committed);
  CHECK(s.readme() == card4);
  CHECK(s.requests("hub", "/commit/") == 0);
  for (const auto& e : s.hub->log()) CHECK_FALSE(e.as_object().contains("token_leak"));
}

TEST_CASE("HubProgress: a missing README gets a card; a named config counts its own folder", "[hub]") {
  Setup s(false);
  s.tree.mkdir("org/out/math/part0");
  fs::copy_file(parquet_dir + "/signs.parquet", s.tree.path("org/out/math/part0/a.parquet"));
  s.add("page_index.parquet", "00000.parquet");  // default config: not counted for math
  HubProgressOptions options;
  options.repo = "org/out";
  options.config = "math";
  options.total = 8;
  HubProgress progress(*s.client, options);
  const HubPoll p = progress.poll(noon);
  CHECK(p.count.rows == manifest_rows("signs.parquet"));
  CHECK(s.readme() == section("**math**: [●●●●●●●●●●○○○○○○○○○○] 50% • 4/8 docs<br>⏱️ estimating remaining time...",
                              "2026-11-22 12:00:00"));
}

TEST_CASE("HubProgress: total from --total, datasets-server, --max-examples", "[hub]") {
  Setup s;
  s.tree.mkdir("_size");
  s.tree.write("_size/src__in.json",
               R"({"size":{"splits":[{"dataset":"src/in","config":"default","split":"train","num_rows":5000}]},"partial":false})");
  HubProgressOptions options;
  options.repo = "org/out";
  options.source = "src/in";
  CHECK(HubProgress(*s.client, options).resolve_total() == 5000);
  options.max_examples = 1200;
  CHECK(HubProgress(*s.client, options).resolve_total() == 1200);
  options.total = 900;
  CHECK(HubProgress(*s.client, options).resolve_total() == 900);
  options.total.reset();
  options.source.clear();
  CHECK(HubProgress(*s.client, options).resolve_total() == 1200);
  options.max_examples.reset();
  CHECK_THROWS_AS(HubProgress(*s.client, options).resolve_total(), UsageError);
  options.repo = "no-slash";
  CHECK_THROWS_AS(HubProgress(*s.client, options), UsageError);
}

TEST_CASE("HubProgress: the loop stops complete on stats.json, stopped when squeue forgets the job", "[hub]") {
  Setup s;
  s.add("page_index.parquet", "00000.parquet");
  HubProgressOptions options;
  options.repo = "org/out";
  options.total = 6000;
  options.json = true;
  options.interval = 3600;
  options.stats_path = s.tree.path("stats.json");
  double now = noon;
  int sleeps = 0;
  HubProgressRuntime runtime;
  runtime.now = [&] { return now; };

  SECTION("complete") {
    runtime.sleep = [&](double seconds) {
      now += seconds;
      if (++sleeps == 1) s.add("delta_byte_array.parquet", "00001.parquet");
      if (sleeps == 2) s.tree.write("stats.json", "{}");
    };
    std::ostringstream out, err;
    CHECK(run_hub_progress_command(options, *s.client, Console{out, err}, runtime) == ExitCode::ok);
    std::vector<json::object> lines;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line).as_object());
    REQUIRE(lines.size() == 3);
    CHECK(lines[0].at("rows").as_int64() == 3000);
    CHECK(lines[0].at("eta_seconds").is_null());
    CHECK(lines[0].at("percent").to_number<double>() == 50.0);
    CHECK(lines[1].at("rows").as_int64() == 4000);
    CHECK(lines[1].at("eta_seconds").to_number<double>() == Approx(2000.0 / (1000.0 / 3600.0)));
    CHECK(lines[2].at("state").as_string() == "complete");
    CHECK(lines[2].at("committed").as_bool());
    for (const auto& l : lines) {
      CHECK(l.at("total").as_int64() == 6000);
      CHECK(l.at("skipped_files").as_int64() == 0);
      CHECK(l.contains("files"));
    }
    CHECK(s.readme().find("4,000/6,000 docs<br>✅ Complete") != std::string::npos);
    CHECK(err.str().find("org/out [default]: 3,000/6,000 rows (50.00%)") != std::string::npos);
  }
  SECTION("stopped: Slurm's real answers (faked through PATH) say the array runs, then that it ended") {
    // squeue/sacct print the answers captured from the real test cluster
    // (tests/data/slurm): array 1 with tasks running, then every task ended.
    s.tree.write("moment", "running");
    write_slurm_fakes(s.tree, s.tree.path("moment"));
    const std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
    setenv("PATH", (s.tree.path("bin") + ":" + old_path).c_str(), 1);
    runtime.sleep = [&](double seconds) {
      now += seconds;
      if (++sleeps == 2) s.tree.write("moment", "ended");
    };
    options.slurm_job = "1";
    std::ostringstream out, err;
    const ExitCode rc = run_hub_progress_command(options, *s.client, Console{out, err}, runtime);
    setenv("PATH", old_path.c_str(), 1);
    CHECK(rc == ExitCode::stopped);
    CHECK(sleeps == 2);
    CHECK(s.readme().find("3,000/6,000 docs<br>⚠️ Stopped: Slurm job 1 is no longer running") != std::string::npos);
    CHECK(err.str().find("could not ask") == std::string::npos);
  }
  SECTION("a 404 ends the loop with a clear error") {
    options.repo = "org/missing";
    runtime.sleep = [&](double) { FAIL("should not sleep"); };
    std::ostringstream out, err;
    CHECK_THROWS_WITH(run_hub_progress_command(options, *s.client, Console{out, err}, runtime), Catch::Matchers::Contains("not found"));
  }
  SECTION("a transient failure is reported and the loop goes on") {
    s.hub->fault("/tree/", 500, 5, "GET");  // all 5 tries of the first poll
    runtime.sleep = [&](double seconds) {
      now += seconds;
      if (++sleeps == 2) s.tree.write("stats.json", "{}");
    };
    std::ostringstream out, err;
    CHECK(run_hub_progress_command(options, *s.client, Console{out, err}, runtime) == ExitCode::ok);
    CHECK(err.str().find("poll failed, trying again") != std::string::npos);
  }
}

TEST_CASE("HubProgress: dry run prints the card and commits nothing", "[hub]") {
  Setup s;
  s.add("page_index.parquet", "00000.parquet");
  HubProgressOptions options;
  options.repo = "org/out";
  options.total = 3000;
  options.dry_run = true;
  options.once = true;
  std::ostringstream out, err;
  HubProgressRuntime runtime;
  runtime.now = [] { return noon; };
  CHECK(run_hub_progress_command(options, *s.client, Console{out, err}, runtime) == ExitCode::ok);
  CHECK(out.str() == front_matter + "\n" +
                         section("**default**: [●●●●●●●●●●●●●●●●●●●●] 100% • 3,000/3,000 docs<br>✅ Complete",
                                 "2026-11-22 12:00:00") +
                         "\n" + body);
  CHECK(s.readme() == front_matter + body);
  CHECK(s.requests("hub", "/commit/") == 0);
}

TEST_CASE("HubProgress: total from the source card's dataset_info when the datasets-server has none", "[hub]") {
  const std::string card =
      "---\nlicense: mit\ndataset_info:\n- config_name: default\n  features:\n  - name: text\n    dtype: string\n"
      "  splits:\n  - name: train\n    num_bytes: 100\n    num_examples: 2500\n  - name: test\n    num_examples: 30\n"
      "- config_name: other\n  splits:\n  - name: train\n    num_examples: 9\nconfigs:\n- config_name: default\n---\n# x\n";
  CHECK(card_num_examples(card, "default", "train") == std::optional<std::int64_t>(2500));
  CHECK(card_num_examples(card, "default", "test") == std::optional<std::int64_t>(30));
  CHECK(card_num_examples(card, "other", "train") == std::optional<std::int64_t>(9));
  CHECK_FALSE(card_num_examples(card, "default", "validation"));
  CHECK_FALSE(card_num_examples("# no front matter\n", "default", "train"));
  CHECK_FALSE(card_num_examples("---\ndataset_info:\n  splits:\n  - name: train\n    num_examples: lots\n---\n", "default", "train"));
  CHECK(card_num_examples("---\ndataset_info:\n  splits:\n  - name: train\n    num_examples: 77\n---\n", "default", "train") ==
        std::optional<std::int64_t>(77));

  Setup s;
  s.tree.mkdir("src/in");
  s.tree.write("src/in/README.md", card);
  HubProgressOptions options;
  options.repo = "org/out";
  options.source = "src/in";
  CHECK(HubProgress(*s.client, options).resolve_total() == 2500);
  options.split = "test";
  CHECK(HubProgress(*s.client, options).resolve_total() == 30);
}

TEST_CASE("HubProgress: a footer bigger than the speculative tail takes a second range read", "[hub]") {
  // A real shard whose footer is padded past 64 KiB: FileMetaData with
  // num_rows 123 and a 100,000-byte unknown field (skipped by the reader).
  std::string metadata;
  metadata.push_back(static_cast<char>(0x36));  // field 3, i64
  metadata.push_back(static_cast<char>(246));   // zigzag(123) = 246 as a varint
  metadata.push_back(static_cast<char>(0x01));
  metadata.push_back(static_cast<char>(0x28));  // field 5, binary
  const std::size_t pad = 100000;
  for (std::size_t v = pad; ; v >>= 7) {
    if (v < 0x80) {
      metadata.push_back(static_cast<char>(v));
      break;
    }
    metadata.push_back(static_cast<char>((v & 0x7f) | 0x80));
  }
  metadata += std::string(pad, 'k');
  metadata.push_back(0);
  std::string file = "PAR1" + std::string(1000, 'd') + metadata;
  const auto length = static_cast<std::uint32_t>(metadata.size());
  for (int i = 0; i < 4; ++i) file.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  file += "PAR1";

  Setup s;
  s.tree.write("org/out/data/train/big.parquet", file);
  s.add("page_index.parquet", "00000.parquet");
  HubProgressOptions options;
  options.repo = "org/out";
  options.total = 10000;
  options.dry_run = true;
  HubProgress progress(*s.client, options);
  const HubPoll p = progress.poll(noon);
  CHECK(p.count.rows == 3123);
  CHECK(p.count.skipped.empty());
  CHECK(s.requests("cdn", "/blob/") == 3);  // two for big.parquet, one for the small shard
}

TEST_CASE("scheduler_job_live: Slurm's real answers through SlurmQuery; no answer is unknown", "[hub]") {
  test::TempTree dir;
  dir.write("moment", "running");
  write_slurm_fakes(dir, dir.path("moment"));
  const std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", (dir.path("bin") + ":" + old_path).c_str(), 1);
  SchedulerOptions options;
  options.refresh_seconds = 0;
  auto query = make_scheduler_query(SchedulerChoice::slurm, options);
  // running: array 1 has tasks 2 and 3 RUNNING, the held array 2 PENDING, merge job 3 PENDING.
  CHECK(scheduler_job_live(*query, "1", noon) == std::optional<bool>(true));
  CHECK(scheduler_job_live(*query, "1_0", noon) == std::optional<bool>(false));  // that task COMPLETED
  CHECK(scheduler_job_live(*query, "1_2", noon) == std::optional<bool>(true));
  CHECK(scheduler_job_live(*query, "2", noon) == std::optional<bool>(true));
  CHECK(scheduler_job_live(*query, "3", noon) == std::optional<bool>(true));
  CHECK(scheduler_job_live(*query, "999", noon) == std::optional<bool>(false));  // the queue answered: not there
  // ended: every task of 1 ended (TIMEOUT, CANCELLED), 2 cancelled; 3 waits forever.
  dir.write("moment", "ended");
  CHECK(scheduler_job_live(*query, "1", noon + 60) == std::optional<bool>(false));
  CHECK(scheduler_job_live(*query, "1_2", noon + 60) == std::optional<bool>(false));
  CHECK(scheduler_job_live(*query, "2", noon + 60) == std::optional<bool>(false));
  CHECK(scheduler_job_live(*query, "3", noon + 60) == std::optional<bool>(true));
  // squeue fails: nothing known about 999 is "could not ask", not "gone".
  dir.write("bin/squeue", "#!/bin/sh\necho 'slurm_load_jobs error: Unable to contact slurm controller' >&2\nexit 1\n");
  dir.remove("bin/sacct");
  CHECK_FALSE(scheduler_job_live(*query, "999", noon + 120));
  // No Slurm commands at all: unknown.
  dir.remove("bin/squeue");
  setenv("PATH", dir.path("bin").c_str(), 1);
  CHECK_FALSE(scheduler_job_live(*query, "1", noon + 180));
  setenv("PATH", old_path.c_str(), 1);
}
