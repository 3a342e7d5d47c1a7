// HubClient against a server that misbehaves on purpose
// (tests/support/hostile_http.py on 127.0.0.1): listings that never end,
// redirects to gopher:// and file://, bodies trickled at 2 B/s, Retry-After:
// 300, a NUL header byte, tree entries with sizes that are not sizes. Each
// must end, within generous bounds, with a message that says what happened.
#include <catch2/catch.hpp>

#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "fake_hub.hpp"
#include "hub/hub_http.hpp"
#include "jobmon/cli/hub_progress_command.hpp"
#include "jobmon/hub/hub_client.hpp"
#include "jobmon/hub/hub_progress.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
using Catch::Matchers::Contains;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string url_escape(const std::string& text) {
  char* out = curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size()));
  std::string result = out;
  curl_free(out);
  return result;
}

HubConfig config_for(const std::string& endpoint) {
  HubConfig config;
  config.endpoint = endpoint;
  config.datasets_server = endpoint;
  config.retry.base_seconds = 0.01;
  config.retry.max_seconds = 0.02;
  return config;
}

// What a call threw, and how long it took to throw it.
template <typename F>
std::pair<std::string, double> error_of(F&& call) {
  const auto start = Clock::now();
  try {
    call();
  } catch (const std::exception& e) {
    return {e.what(), seconds_since(start)};
  }
  return {"(no error)", seconds_since(start)};
}

const std::string parquet_fixture = std::string(JOBMON_FIXTURES_DIR) + "/parquet/bloom_filter.parquet";  // 4096 rows

}  // namespace

TEST_CASE("Hub listing that never ends is refused after max_list_pages, naming the repo and the limit", "[hub]") {
  test::HostileServer server;
  HubConfig config = config_for(server.endpoint("tree-endless"));
  config.max_list_pages = 40;
  HubClient client(config);
  const auto [message, seconds] = error_of([&] { client.list_files("org/ds", "main", "data"); });
  CHECK_THAT(message, Contains("listing org/ds data/: refused after 40 pages (40 files)"));
  CHECK_THAT(message, Contains("max_list_pages is 40"));
  CHECK(client.counters().list_pages == 40);
  CHECK(seconds < 30);

  config.max_list_pages = 10'000;
  config.max_list_files = 25;
  HubClient by_files(config);
  CHECK_THROWS_WITH(by_files.list_files("org/ds", "main", "data"),
                    Contains("refused after 25 files on 26 pages (max_list_files is 25)"));
}

TEST_CASE("Hub redirects to gopher:// and file:// are refused: nothing reaches the port, no file is read", "[hub]") {
  test::HostileServer server;
  SECTION("gopher") {
    const std::string target = "gopher://127.0.0.1:" + std::to_string(server.sink_port()) + "/_SET%20key%20x%0D%0A";
    HubClient client(config_for(server.endpoint("redirect/" + url_escape(target))));
    const auto [message, seconds] = error_of([&] { client.read_raw("org/ds", "main", "README.md"); });
    CHECK_THAT(message, Contains("refused to follow a redirect to gopher://127.0.0.1:" +
                                 std::to_string(server.sink_port()) + ": only http and https URLs are followed"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the sink counts asynchronously
    CHECK(server.sink().at("connections").as_int64() == 0);
    CHECK(server.sink().at("bytes").as_int64() == 0);
  }
  SECTION("file") {
    test::TempTree tree;
    tree.write("secret.txt", "LOCAL-FILE-CONTENT-4711");
    const std::string target = "file://" + tree.path("secret.txt");
    HubConfig config = config_for(server.endpoint("redirect/" + url_escape(target)));
    HubCounters counters;
    detail::HubHttpSession session(config, counters);
    detail::HubHttpRequest request;
    request.url = config.endpoint + "/api/datasets/org/ds/revision/main";
    const detail::HubHttpResponse response = session.run_one(request);
    CHECK(response.body.find("LOCAL-FILE-CONTENT") == std::string::npos);
    CHECK(response.status == 302);
    CHECK_THAT(response.error, Contains("refused to follow a redirect to file:"));
    HubClient client(config);
    const auto [message, seconds] = error_of([&] { client.revision_sha("org/ds", "main"); });
    CHECK_THAT(message, Contains("refused to follow a redirect to file:"));
    CHECK(message.find("LOCAL-FILE-CONTENT") == std::string::npos);
  }
}

TEST_CASE("Hub body trickled at 2 B/s ends at the deadline, saying the server answered", "[hub]") {
  test::HostileServer server;
  SECTION("the poll's deadline") {
    HubClient client(config_for(server.endpoint("trickle")));
    client.set_deadline(2);
    const auto [message, seconds] = error_of([&] { client.list_files("org/ds", "main", "data"); });
    CHECK_THAT(message, Contains("the deadline of 2 s passed during the transfer"));
    CHECK_THAT(message, Contains("timed out after the server answered HTTP 200"));
    CHECK(seconds < 10);
    CHECK(seconds > 1.5);
  }
  SECTION("each request's timeout, then retries said through the progress hook") {
    HubConfig config = config_for(server.endpoint("trickle"));
    config.request_timeout = 1;
    config.retry.max_tries = 2;
    std::vector<std::string> progress;
    config.on_progress = [&](const std::string& m) { progress.push_back(m); };
    HubClient client(config);
    const auto [message, seconds] = error_of([&] { client.list_files("org/ds", "main", "data"); });
    CHECK_THAT(message, Contains("failed: 127.0.0.1:"));
    CHECK_THAT(message, Contains("timed out after the server answered HTTP 200"));
    CHECK(seconds < 10);
    REQUIRE(progress.size() == 1);
    CHECK_THAT(progress[0], Contains("timed out after the server answered HTTP 200"));
    CHECK_THAT(progress[0], Contains("retry 1/1 in"));
  }
}

TEST_CASE("Hub Retry-After: 300 is capped, never waited past the deadline, and said while waiting", "[hub]") {
  test::HostileServer server;
  SECTION("a 2 s deadline gives up at once instead of sleeping 300 s") {
    HubClient client(config_for(server.endpoint("retry-after")));
    client.set_deadline(2);
    const auto [message, seconds] = error_of([&] { client.list_files("org/ds", "main", "data"); });
    CHECK_THAT(message, Contains("HTTP 429 from 127.0.0.1:"));
    CHECK_THAT(message, Contains("(asked to wait 300 s, capped to 60 s); gave up after try 1: the next, in 60 s, "
                                 "would pass the deadline of 2 s"));
    CHECK(seconds < 10);
  }
  SECTION("waits that fit are reported") {
    HubConfig config = config_for(server.endpoint("retry-after"));
    config.retry.max_tries = 3;
    config.retry.max_retry_after = 0.2;
    std::vector<std::string> progress;
    config.on_progress = [&](const std::string& m) { progress.push_back(m); };
    HubClient client(config);
    const auto [message, seconds] = error_of([&] { client.list_files("org/ds", "main", "data"); });
    CHECK_THAT(message, Contains("HTTP 429"));
    CHECK(seconds < 10);
    REQUIRE(progress.size() == 2);
    CHECK_THAT(progress[0], Contains("HTTP 429 from 127.0.0.1:"));
    CHECK_THAT(progress[0], Contains("(asked to wait 300 s, capped to 0.2 s), retry 1/2 in 0.2 s"));
    CHECK_THAT(progress[1], Contains("retry 2/2 in 0.2 s"));
  }
  SECTION("jobmon-hub-progress prints them on stderr") {
    HubConfig config = config_for(server.endpoint("retry-after"));
    config.retry.max_tries = 2;
    config.retry.max_retry_after = 0.1;
    HubClient client(config);
    HubProgressOptions options;
    options.repo = "org/ds";
    options.total = 10;
    options.once = true;
    options.dry_run = true;
    std::ostringstream out, err;
    CHECK_THROWS_AS(run_hub_progress_command(options, client, Console{out, err}), HubError);
    // What is retried, why, and when the next try goes out.
    CHECK_THAT(err.str(), Contains("jobmon-hub-progress: GET /m/retry-after/api/datasets/org/ds/revision/main: HTTP 429 from 127.0.0.1:"));
    CHECK_THAT(err.str(), Contains("retry 1/1 in 0.1 s (at "));
    CHECK_THAT(err.str(), Contains(" UTC)\n"));
  }
}

TEST_CASE("Hub header line that starts with a NUL byte ends at the deadline", "[hub]") {
  test::HostileServer server;
  HubClient client(config_for(server.endpoint("nul-header")));
  client.set_deadline(2);
  const auto [message, seconds] = error_of([&] { client.read_raw("org/ds", "main", "README.md"); });
  CHECK(seconds < 10);
  // libcurl either rejects the line at once or waits on it: either way the
  // request ends, with what it got.
  CHECK_THAT(message, Contains("reading README.md of org/ds"));
  CHECK_THAT(message, Contains("failed"));
}

TEST_CASE("Hub connection refused says there was no connection", "[hub]") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  HubConfig config = config_for("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  config.retry.max_tries = 1;
  HubClient client(config);
  CHECK_THROWS_WITH(client.list_files("org/ds", "main", "data"), Contains("no connection: "));
}

TEST_CASE("Hub tree entries with sizes that are not sizes skip that shard, not the poll", "[hub]") {
  test::HostileServer server(parquet_fixture);
  HubClient client(config_for(server.endpoint("bad-sizes")));
  const std::vector<HubFile> files = client.list_files("org/ds", "main", "data");
  REQUIRE(files.size() == 6);
  std::map<std::string, std::string> problems;
  for (const HubFile& f : files) problems[f.path] = f.problem;
  CHECK(problems["data/negative.parquet"] == "the listing gives no usable size (-5)");
  CHECK_THAT(problems["data/huge.parquet"], Contains("the listing gives no usable size (1"));
  CHECK(problems["data/string.parquet"] == "the listing gives no usable size (\"12\")");
  CHECK(problems["data/none.parquet"] == "the listing gives no usable size (none)");
  CHECK_THAT(problems["data/lfs.parquet"], Contains("the listing gives no usable size (1.5"));
  CHECK(problems["data/good.parquet"].empty());

  HubProgressOptions options;
  options.repo = "org/ds";
  options.total = 10'000;
  options.dry_run = true;
  HubProgress progress(client, options);
  const HubCount count = progress.count();
  CHECK(count.rows == 4096);
  CHECK(count.files == 6);
  REQUIRE(count.skipped.size() == 5);
  CHECK(count.skipped[0].path == "data/huge.parquet");
  CHECK_THAT(count.skipped[0].reason, Contains("no usable size"));
}
