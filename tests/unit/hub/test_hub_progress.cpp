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
#include "jobmon/cli/hub_progress_command.hpp"
#include "jobmon/error.hpp"
#include "jobmon/hub/hub_progress.hpp"
#include "jobmon/hub/squeue.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const std::string parquet_dir = std::string(JOBMON_FIXTURES_DIR) + "/parquet";
const std::string token = "hf_progress_SECRET_token";
constexpr double noon = 1795348800;  // 2026-11-22 12:00:00 UTC

std::int64_t manifest_rows(const std::string& file) {
  std::ifstream in(parquet_dir + "/MANIFEST.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(file + "\t", 0) == 0) return std::stoll(line.substr(file.size() + 1));
  }
  FAIL("not in MANIFEST.tsv: " << file);
  return -1;
}

const std::string front_matter = "---\nlicense: mit\n---\n";
const std::string body = "# Generated\n\nText the monitor must not touch.\n";

struct Setup {
  test::TempTree tree;
  std::unique_ptr<test::FakeHub> hub;
  std::unique_ptr<HubClient> client;
  explicit Setup(bool with_readme = true) {
    tree.mkdir("org/out/data/train");
    if (with_readme) tree.write("org/out/README.md", front_matter + body);
    hub = std::make_unique<test::FakeHub>(tree.root(), token, 2);
    HubConfig config;
    config.endpoint = hub->endpoint();
    config.datasets_server = hub->endpoint();
    config.token = token;
    config.retry.base_seconds = 0.01;
    client = std::make_unique<HubClient>(config);
  }
  void add(const std::string& fixture, const std::string& as) const {
    fs::copy_file(parquet_dir + "/" + fixture, tree.path("org/out/data/train/" + as), fs::copy_options::overwrite_existing);
  }
  void add_half(const std::string& fixture, const std::string& as) const {
    const std::string bytes = test::read_text(parquet_dir + "/" + fixture);
    tree.write("org/out/data/train/" + as, bytes.substr(0, bytes.size() / 2));
  }
  std::string readme() const { return test::read_text(tree.path("org/out/README.md")); }
  std::size_t requests(const std::string& port, const std::string& contains) const {
    std::size_t n = 0;
    for (const auto& e : hub->log()) {
      if (e.at("port").as_string() == port && std::string(e.at("path").as_string()).find(contains) != std::string::npos) ++n;
    }
    return n;
  }
};

std::string section(const std::string& line, const std::string& stamp) {
  return "<!-- jobmon-hub-progress:begin -->\n## 🔄 Generation Progress\n\n" + line + "\n\n*Last updated: " + stamp +
         " UTC*\n<!-- jobmon-hub-progress:end -->\n";
}

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
  SECTION("stopped: squeue (faked through PATH) lists the job, then no longer") {
    // The fake squeue prints the job while the file `listed` exists.
    s.tree.write("bin/squeue", "#!/bin/sh\n[ \"$*\" = \"-h -j 4242\" ] || exit 9\n[ -e \"" + s.tree.path("listed") +
                                   "\" ] && echo '4242 gpu gen user R 1:00 1 n1'\nexit 0\n");
    fs::permissions(s.tree.path("bin/squeue"), fs::perms::owner_all);
    s.tree.write("listed", "");
    const std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
    setenv("PATH", (s.tree.path("bin") + ":" + old_path).c_str(), 1);
    runtime.sleep = [&](double seconds) {
      now += seconds;
      if (++sleeps == 2) s.tree.remove("listed");
    };
    options.slurm_job = "4242";
    std::ostringstream out, err;
    const ExitCode rc = run_hub_progress_command(options, *s.client, Console{out, err}, runtime);
    setenv("PATH", old_path.c_str(), 1);
    CHECK(rc == ExitCode::stopped);
    CHECK(sleeps == 2);
    CHECK(s.readme().find("3,000/6,000 docs<br>⚠️ Stopped: Slurm job 4242 is no longer running") != std::string::npos);
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

TEST_CASE("HubProgress: squeue through PATH: listed, not listed, missing, odd job ids passed verbatim", "[hub]") {
  test::TempTree bin;
  const std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  const auto with_squeue = [&](const std::string& script) {
    bin.write("squeue", script);
    fs::permissions(bin.path("squeue"), fs::perms::owner_all);
    setenv("PATH", bin.root().c_str(), 1);
  };
  with_squeue("#!/bin/sh\necho \"  $3 gpu gen user R 1:00 1 n1\"\n");
  CHECK(slurm_job_listed("12") == std::optional<bool>(true));
  with_squeue("#!/bin/sh\nexit 0\n");
  CHECK(slurm_job_listed("12") == std::optional<bool>(false));
  with_squeue("#!/bin/sh\necho 'slurm_load_jobs error: Invalid job id specified' >&2\nexit 1\n");
  CHECK(slurm_job_listed("12") == std::optional<bool>(false));
  // The id reaches squeue as one argument, never through a shell.
  with_squeue("#!/bin/sh\n[ \"$3\" = '1; touch pwned' ] && echo listed\n");
  CHECK(slurm_job_listed("1; touch pwned") == std::optional<bool>(true));
  CHECK_FALSE(fs::exists("pwned"));
  bin.remove("squeue");
  CHECK_FALSE(slurm_job_listed("12"));  // no squeue at all: unknown
  setenv("PATH", old_path.c_str(), 1);
}
