// Issue 19 against the fake Hub (tests/support/fake_hub.py on 127.0.0.1) with
// the real fixture shards: the total counted from the --source dataset's own
// Parquet footers (its tree, else refs/convert/parquet) once per source sha;
// one sha per poll (a branch that moves between the listing and the footer
// reads); a refused port and a URL that is none; a typo'd --config; a total
// exceeded; count progress on stderr. Each asserts the card bytes and the
// requests made.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <sstream>

#include "hub_test_setup.hpp"
#include "jobmon/cli/hub_progress_command.hpp"
#include "jobmon/error.hpp"
#include "jobmon/hub/hub_progress.hpp"

using namespace jobmon;
using namespace jobmon::test;
namespace json = boost::json;
using Catch::Matchers::Contains;

namespace {

std::string card(const std::string& line, const std::string& stamp) {
  return front_matter + "\n" + card_section(line, stamp) + "\n" + card_body;
}

// Requests whose path names `what`.
std::vector<std::string> requests_naming(const HubSetup& s, const std::string& what) {
  std::vector<std::string> out;
  for (const auto& line : s.request_lines()) {
    if (line.find(what) != std::string::npos) out.push_back(line);
  }
  return out;
}

// A port on 127.0.0.1 where nothing listens (bound by the OS, then closed).
int refused_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

HubProgressRuntime fixed_clock(double& now) {
  HubProgressRuntime runtime;
  runtime.now = [&now] { return now; };
  runtime.sleep = [&now](double seconds) { now += seconds; };
  return runtime;
}

}  // namespace

TEST_CASE("total: the source's size API answers 404 and its card has no dataset_info: its footers count", "[hub]") {
  HubSetup s;
  s.tree.write("src/in/README.md", "---\nlicense: mit\n---\n# Source\n");
  s.put("page_index.parquet", "src/in/data/train-00000-of-00002.parquet");
  s.put("delta_byte_array.parquet", "src/in/data/train-00001-of-00002.parquet");
  s.put("signs.parquet", "src/in/data/test-00000-of-00001.parquet");  // another split: not counted
  s.add("delta_byte_array.parquet", "00000.parquet");
  const std::string source_sha = s.client->revision_sha("src/in", "main");
  s.hub->reset();

  HubProgressOptions options;
  options.repo = "org/out";
  options.source = "src/in";
  options.json = true;
  options.once = true;
  double now = noon;
  std::ostringstream out, err;
  REQUIRE(run_hub_progress_command(options, *s.client, Console{out, err}, fixed_clock(now)) == ExitCode::ok);

  const json::object line = json::parse(out.str()).as_object();
  CHECK(line.at("rows").as_int64() == 1000);
  CHECK(line.at("total").as_int64() == 4000);  // 3,000 + 1,000 train rows; the test split's 4 are not
  CHECK_FALSE(line.at("total_exceeded").as_bool());
  CHECK(json::serialize(line.at("total_origin")) ==
        R"({"from":"source footers","source":"src/in","sha":")" + source_sha +
            R"(","revision":"main","files":2,"skipped_files":0})");
  CHECK(s.readme() == card("**default**: [●●●●●○○○○○○○○○○○○○○○] 25% • 1,000/4,000 docs<br>⏱️ estimating remaining time...",
                           "2026-11-22 12:00:00"));
  // A progress line while it counts, on stderr.
  CHECK_THAT(err.str(), Contains("jobmon-hub-progress: counting the source src/in @ " + source_sha.substr(0, 8) +
                                 ": 2 Parquet files listed, reading their footers\n"));
  CHECK_THAT(err.str(), Contains("jobmon-hub-progress: counting the source src/in @ " + source_sha.substr(0, 8) +
                                 ": 2/2 footers read in "));
  // The requests for the source: size (404), card, sha, listing at that sha (5 entries, 2 a page), two footers.
  const std::vector<std::string> expected = {
      "hub GET /size?dataset=src%2Fin&config=default",
      "hub GET /datasets/src/in/raw/main/README.md",
      "hub GET /api/datasets/src/in/revision/main",
      "hub GET /api/datasets/src/in/tree/" + source_sha + "/?recursive=true",
  };
  const auto source_requests = requests_naming(s, "src");
  REQUIRE(source_requests.size() >= expected.size());
  CHECK(std::vector<std::string>(source_requests.begin(), source_requests.begin() + 4) == expected);
  CHECK(requests_naming(s, "/api/datasets/src/in/tree/").size() == 3);
  CHECK(requests_naming(s, "/datasets/src/in/resolve/" + source_sha + "/data/train-0000").size() == 2);
  CHECK(requests_naming(s, "test-00000").empty());

  SECTION("counted once: later polls make zero requests for the source") {
    HubProgress progress(*s.client, options);
    CHECK(progress.resolve_total() == 4000);
    s.hub->reset();
    progress.poll(noon + 60);
    progress.poll(noon + 120);
    CHECK(requests_naming(s, "src").empty());
    CHECK_FALSE(requests_naming(s, "org/out").empty());
  }
}

TEST_CASE("total: a source with no Parquet of its own counts its refs/convert/parquet revision", "[hub]") {
  HubSetup s;
  s.tree.write("src/conv/data.jsonl", "{\"text\": \"a\"}\n");
  const std::string converted = "_revisions/refs%2Fconvert%2Fparquet/src/conv/";
  s.put("page_index.parquet", converted + "default/train/0000.parquet");
  s.put("delta_byte_array.parquet", converted + "default/train/0001.parquet");
  s.put("signs.parquet", converted + "default/test/0000.parquet");
  s.put("bloom_filter.parquet", converted + "default/partial-validation/0000.parquet");
  s.add("page_index.parquet", "00000.parquet");
  HubProgressOptions options;
  options.repo = "org/out";
  options.source = "src/conv";
  HubProgress progress(*s.client, options);
  CHECK(progress.resolve_total() == 4000);
  const HubTotalOrigin& origin = progress.total_origin();
  CHECK(origin.from == "source footers");
  CHECK(origin.source_revision == "refs/convert/parquet");
  CHECK(origin.source_files == 2);
  const std::string converted_sha = s.client->revision_sha("src/conv", "refs/convert/parquet");
  // 8 entries (3 folders, 5 files; the .jsonl of main is not there), 2 a page.
  CHECK(requests_naming(s, "/api/datasets/src/conv/tree/" + converted_sha + "/default?").size() == 4);
  CHECK(requests_naming(s, "/resolve/" + converted_sha + "/default/train/").size() == 2);
  CHECK(requests_naming(s, "/default/test/").empty());
  const HubPoll p = progress.poll(noon);
  CHECK(p.count.rows == 3000);
  CHECK(s.readme() == card("**default**: [●●●●●●●●●●●●●●●○○○○○] 75% • 3,000/4,000 docs<br>⏱️ estimating remaining time...",
                           "2026-11-22 12:00:00"));

  SECTION("neither: the total stays unknown") {
    options.source = "src/none";
    s.tree.write("src/none/data.jsonl", "{}\n");
    CHECK_THROWS_AS(HubProgress(*s.client, options).resolve_total(), UsageError);
  }
}

TEST_CASE("one sha per poll: the branch moves between the listing and the footer reads", "[hub]") {
  HubSetup s;
  s.add("page_index.parquet", "00000.parquet");
  s.add("delta_byte_array.parquet", "00001.parquet");
  const std::string listed_sha = s.client->revision_sha("org/out", "main");
  // Right after the listing, someone replaces shard 00001 (1,000 rows) by one of 4,096 rows.
  s.hub->push_after_listing("org/out", {{"data/train/00001.parquet", parquet_dir + "/bloom_filter.parquet"}});
  s.hub->reset();
  HubProgressOptions options;
  options.repo = "org/out";
  options.total = 10000;
  HubProgress progress(*s.client, options);
  const HubPoll p1 = progress.poll(noon);
  // What the listing said, read at the commit it came from: 4,000, never 7,096.
  CHECK(p1.count.rows == 4000);
  CHECK(p1.count.sha == listed_sha);
  CHECK(p1.count.skipped.empty());
  const std::string moved_sha = s.client->revision_sha("org/out", "main");
  CHECK(moved_sha != listed_sha);
  for (const auto& line : s.request_lines()) {
    if (line.find("/tree/") != std::string::npos || line.find("/resolve/") != std::string::npos) {
      CHECK_THAT(line, Contains(listed_sha));
    }
  }
  // Committed with the listed sha as parent; the branch had moved (412): again on the new head.
  std::vector<std::string> parents;
  for (const auto& e : s.hub->log()) {
    if (e.as_object().contains("parent_commit")) parents.emplace_back(e.at("parent_commit").as_string());
  }
  CHECK(parents.size() == 2);
  CHECK(parents[0] == listed_sha);
  CHECK(parents[1] != listed_sha);  // the head after the push
  CHECK(requests_naming(s, "/raw/" + listed_sha + "/README.md").size() == 1);
  CHECK(s.readme() == card("**default**: [●●●●●●●●○○○○○○○○○○○○] 40% • 4,000/10,000 docs<br>⏱️ estimating remaining time...",
                           "2026-11-22 12:00:00"));
  // The next poll sees the pushed shard (a new oid: its footer is read).
  s.hub->reset();
  const HubPoll p2 = progress.poll(noon + 3600);
  CHECK(p2.count.rows == 7096);
  CHECK(p2.count.footers_read == 1);
}

TEST_CASE("a refused port fails fast after the retry budget, each retry said; a URL that is none says so", "[hub]") {
  HubConfig config;
  const int port = refused_port();
  config.endpoint = "http://127.0.0.1:" + std::to_string(port);
  config.retry.base_seconds = 0.01;
  config.retry.max_tries = 3;
  HubProgressOptions options;
  options.repo = "org/out";
  options.total = 10;
  options.interval = 3600;  // not --once: a refused loopback must still end the loop
  double now = noon;
  HubProgressRuntime runtime = fixed_clock(now);
  runtime.sleep = [](double) { FAIL("polled on after a refused connection"); };
  {
    HubClient client(config);
    std::ostringstream out, err;
    CHECK_THROWS_WITH(run_hub_progress_command(options, client, Console{out, err}, runtime),
                      Contains("127.0.0.1:" + std::to_string(port) + ": no connection: ") &&
                          Contains("Couldn't connect to server"));
    const std::string prefix = "jobmon-hub-progress: GET /api/datasets/org/out/revision/main: 127.0.0.1:" +
                               std::to_string(port) + ": no connection: ";
    CHECK_THAT(err.str(), Contains(prefix));
    CHECK_THAT(err.str(), Contains(", retry 1/2 in 0.1 s (at ") && Contains(", retry 2/2 in 0.1 s (at "));
    CHECK(client.counters().requests == 3);
  }
  {
    config.endpoint = "notaurl";
    HubClient client(config);
    std::ostringstream out, err;
    CHECK_THROWS_WITH(run_hub_progress_command(options, client, Console{out, err}, runtime),
                      "invalid URL for the Hub endpoint (HF_ENDPOINT): 'notaurl' (expected http://HOST[:PORT] or "
                      "https://HOST[:PORT])");
    CHECK(err.str().empty());
    CHECK(client.counters().requests == 0);
  }
}

TEST_CASE("a --config with no shard and no card line is refused, listing the configs; --allow-empty starts it", "[hub]") {
  HubSetup s;
  s.add("page_index.parquet", "00000.parquet");
  s.put("signs.parquet", "org/out/math/part0/a.parquet");
  HubProgressOptions options;
  options.repo = "org/out";
  options.config = "mtah";
  options.total = 100;
  options.once = true;
  double now = noon;
  std::ostringstream out, err;
  CHECK_THROWS_AS(run_hub_progress_command(options, *s.client, Console{out, err}, fixed_clock(now)), UsageError);
  CHECK_THROWS_WITH(HubProgress(*s.client, options).poll(noon),
                    "no Parquet shard for --config mtah in org/out (under mtah/) and the card has no line for it; "
                    "configs with shards: default, math. Give --allow-empty to start its line anyway");
  CHECK(s.readme() == front_matter + card_body);
  CHECK(requests_naming(s, "/commit/").empty());

  options.allow_empty = true;
  s.hub->reset();
  REQUIRE(run_hub_progress_command(options, *s.client, Console{out, err}, fixed_clock(now)) == ExitCode::ok);
  const std::string started = card("**mtah**: [○○○○○○○○○○○○○○○○○○○○] 0% • 0/100 docs<br>⏱️ waiting for first shard upload...",
                                   "2026-11-22 12:00:00");
  CHECK(s.readme() == started);
  CHECK(requests_naming(s, "/commit/").size() == 1);
  // Its line is on the card now: a later start without --allow-empty goes on.
  options.allow_empty = false;
  now = noon + 60;
  CHECK(run_hub_progress_command(options, *s.client, Console{out, err}, fixed_clock(now)) == ExitCode::ok);
  CHECK(s.readme() == started);
}

TEST_CASE("more rows than the total: warned once, the true count on stderr and --json, the reference's card", "[hub]") {
  HubSetup s;
  s.add("delta_byte_array.parquet", "00000.parquet");  // 1,000 rows
  HubProgressOptions options;
  options.repo = "org/out";
  options.total = 100;
  options.json = true;
  options.interval = 60;
  double now = noon;
  HubProgressRuntime runtime = fixed_clock(now);
  int sleeps = 0;
  runtime.sleep = [&](double seconds) {
    now += seconds;
    if (++sleeps == 2) s.tree.write("stats.json", "{}");
  };
  options.stats_path = s.tree.path("stats.json");
  std::ostringstream out, err;
  REQUIRE(run_hub_progress_command(options, *s.client, Console{out, err}, runtime) == ExitCode::ok);
  std::istringstream lines(out.str());
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    const json::object o = json::parse(line).as_object();
    CHECK(o.at("rows").as_int64() == 1000);
    CHECK(o.at("total").as_int64() == 100);
    CHECK(o.at("total_exceeded").as_bool());
    CHECK(o.at("percent").to_number<double>() == 100.0);
  }
  CHECK(n == 3);
  const std::string warning =
      "jobmon-hub-progress: warning: 1,000 rows counted, more than the total of 100; the card shows 100/100 as the "
      "reference monitor does\n";
  const std::string e = err.str();
  REQUIRE(e.find(warning) != std::string::npos);
  CHECK(e.find(warning, e.find(warning) + 1) == std::string::npos);  // once
  CHECK_THAT(e, Contains("org/out [default]: 1,000/100 rows (100.00%) · 1 shards"));
  CHECK(s.readme() == card("**default**: [●●●●●●●●●●●●●●●●●●●●] 100% • 100/100 docs<br>✅ Complete", "2026-11-22 12:00:00"));
}

TEST_CASE("count progress: plain lines when stderr is not a terminal, a bar redrawn in place when it is", "[hub]") {
  TempTree tree;
  for (int i = 0; i < 1001; ++i) {
    const std::string path = tree.path(fmt::format("org/big/data/{:04}.parquet", i));
    if (i == 0) tree.mkdir("org/big/data");
    std::filesystem::copy_file(parquet_dir + "/uuid.parquet", path);
    // Each its own oid: a tag in the page bytes, footer untouched.
    std::string bytes = read_text(path);
    bytes.replace(4, 4, fmt::format("{:04}", i));
    tree.write(fmt::format("org/big/data/{:04}.parquet", i), bytes);
  }
  FakeHub hub(tree.root());
  HubConfig config;
  config.endpoint = hub.endpoint();
  HubProgressOptions options;
  options.repo = "org/big";
  options.total = 5000;
  options.once = true;
  options.dry_run = true;
  double now = noon;
  SECTION("not a terminal") {
    HubClient client(config);
    std::ostringstream out, err;
    REQUIRE(run_hub_progress_command(options, client, Console{out, err}, fixed_clock(now)) == ExitCode::ok);
    const std::string e = err.str();
    CHECK_THAT(e, Contains(": 1,001 Parquet files listed, reading their footers\n"));
    CHECK_THAT(e, Contains(": 1,000/1,001 footers read in "));
    CHECK_THAT(e, Contains(": 1,001/1,001 footers read in "));
    CHECK_THAT(e, Contains("/s), done\n"));
    CHECK(std::count(e.begin(), e.end(), '\n') == 4);  // listed, 1,000 read, done, the poll's line
    CHECK(e.find('\r') == std::string::npos);
    CHECK_THAT(e, Contains("org/big [default]: 3,003/5,000 rows (60.06%) · 1,001 shards · ETA unknown · dry run\n"));
  }
  SECTION("a terminal") {
    const int master = posix_openpt(O_RDWR | O_NOCTTY);
    REQUIRE(master >= 0);
    REQUIRE(grantpt(master) == 0);
    REQUIRE(unlockpt(master) == 0);
    const int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    REQUIRE(slave >= 0);
    HubClient client(config);
    std::ostringstream out, err;
    Console console{out, err};
    console.err_fd = slave;
    REQUIRE(run_hub_progress_command(options, client, console, fixed_clock(now)) == ExitCode::ok);
    close(slave);
    close(master);
    const std::string e = err.str();
    CHECK_THAT(e, Contains("\r\x1b[Korg/big @ "));
    CHECK_THAT(e, Contains(": 1,001 files listed, "));
    CHECK_THAT(e, Contains(" 1,000/1,001 footers read ("));
    CHECK_THAT(e, Contains(" 1,001/1,001 footers read ("));
  }
}
