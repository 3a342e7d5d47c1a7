// HubClient against a real HTTP server on 127.0.0.1 (tests/support/fake_hub.py)
// serving the real fixture Parquet files: pagination, redirects to a second
// port, retries, commits with parentCommit, and where the token goes.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "fake_hub.hpp"
#include "hub/hub_http.hpp"
#include "jobmon/hub/hub_client.hpp"
#include "jobmon/hub/parquet_footer.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const std::string parquet_dir = std::string(JOBMON_FIXTURES_DIR) + "/parquet";
const std::string token = "hf_testtoken_SECRET_1234567890";

std::vector<std::string> fixture_files() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(parquet_dir)) {
    if (e.path().extension() == ".parquet") names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::map<std::string, std::int64_t> manifest_rows() {
  std::ifstream in(parquet_dir + "/MANIFEST.tsv");
  std::map<std::string, std::int64_t> rows;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    rows[line.substr(0, tab)] = std::stoll(line.substr(tab + 1));
  }
  return rows;
}

// root/org/ds with the fixtures spread over data/a and data/b.
struct Repo {
  test::TempTree tree;
  std::vector<std::string> paths;  // repo-relative
  Repo() {
    tree.mkdir("org/ds/data/a");
    tree.mkdir("org/ds/data/b");
    int i = 0;
    for (const auto& name : fixture_files()) {
      const std::string rel = std::string("data/") + (i++ % 2 ? "a/" : "b/") + name;
      fs::copy_file(parquet_dir + "/" + name, tree.path("org/ds/" + rel));
      paths.push_back(rel);
    }
    std::sort(paths.begin(), paths.end());
  }
  std::string repo_path(const std::string& rel) const { return tree.path("org/ds/" + rel); }
};

HubConfig config_for(const test::FakeHub& hub, std::optional<std::string> with_token = token) {
  HubConfig config;
  config.endpoint = hub.endpoint();
  config.datasets_server = hub.endpoint();
  config.token = with_token;
  config.retry.base_seconds = 0.01;  // fast tests; the doubling is still exercised
  config.retry.max_seconds = 0.05;
  return config;
}

std::size_t count_log(const json::array& log, const std::string& port, const std::string& contains) {
  std::size_t n = 0;
  for (const auto& e : log) {
    if (e.at("port").as_string() == port && std::string(e.at("path").as_string()).find(contains) != std::string::npos) ++n;
  }
  return n;
}

void require_token_safe(const json::array& log) {
  for (const auto& e : log) {
    INFO(json::serialize(e));
    CHECK_FALSE(e.as_object().contains("token_leak"));
    if (e.at("port").as_string() == "cdn") CHECK_FALSE(e.at("auth").as_bool());
  }
}

}  // namespace

TEST_CASE("HubClient: tree listing follows Link pagination over every page", "[hub]") {
  Repo repo;
  test::FakeHub hub(repo.tree.root(), token, 5);
  HubClient client(config_for(hub));
  const auto files = client.list_files("org/ds", "main", "data");
  std::vector<std::string> paths;
  for (const auto& f : files) {
    paths.push_back(f.path);
    CHECK(f.size == fs::file_size(repo.repo_path(f.path)));
    CHECK(f.oid.size() == 40);
    CHECK(f.is_lfs);
  }
  std::sort(paths.begin(), paths.end());
  CHECK(paths == repo.paths);
  // Entries = files + the two sub-directories; 5 a page.
  const std::size_t pages = (repo.paths.size() + 2 + 4) / 5;
  CHECK(client.counters().list_pages == pages);
  const auto log = hub.log();
  CHECK(count_log(log, "hub", "/tree/main/data") == pages);
  for (const auto& e : log) CHECK(e.at("auth").as_bool());
  require_token_safe(log);
}

TEST_CASE("HubClient: a missing folder is empty, a missing repo is a clear 404", "[hub]") {
  Repo repo;
  test::FakeHub hub(repo.tree.root(), token);
  HubClient client(config_for(hub));
  CHECK(client.list_files("org/ds", "main", "math").empty());
  try {
    client.list_files("org/nope", "main", "data");
    FAIL("no error for a missing repo");
  } catch (const HubError& e) {
    CHECK(e.status() == 404);
    CHECK(e.error_code() == "RepoNotFound");
    CHECK_THAT(e.what(), Catch::Matchers::Contains("not found: check the repository name"));
  }
}

TEST_CASE("HubClient: a wrong token gives a clear 401 that never shows the token", "[hub]") {
  Repo repo;
  test::FakeHub hub(repo.tree.root(), token);
  HubClient client(config_for(hub, std::string("hf_wrong_WRONGTOKEN")));
  try {
    client.list_files("org/ds", "main", "data");
    FAIL("no error for a wrong token");
  } catch (const HubError& e) {
    CHECK(e.status() == 401);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("authentication failed"));
    CHECK(std::string(e.what()).find("WRONGTOKEN") == std::string::npos);
  }
  HubClient anonymous(config_for(hub, std::nullopt));
  CHECK_THROWS_AS(anonymous.revision_sha("org/ds", "main"), HubError);
}

TEST_CASE("HubClient: range reads follow the 302 to the other port without the token", "[hub]") {
  Repo repo;
  test::FakeHub hub(repo.tree.root(), token, 7);
  HubClient client(config_for(hub));
  const auto files = client.list_files("org/ds", "main", "data");
  std::vector<HubRange> ranges;
  for (const auto& f : files) ranges.push_back({f.path, f.size - 8, 8});
  const auto trailers = client.read_ranges("org/ds", "main", ranges);
  std::vector<HubRange> footers;
  for (std::size_t i = 0; i < files.size(); ++i) {
    REQUIRE_FALSE(trailers[i].error);
    const auto needed = parquet_tail_needed(trailers[i].data, files[i].size);
    footers.push_back({files[i].path, files[i].size - needed, needed});
  }
  const auto tails = client.read_ranges("org/ds", "main", footers);
  const auto expected = manifest_rows();
  for (std::size_t i = 0; i < files.size(); ++i) {
    INFO(files[i].path);
    REQUIRE_FALSE(tails[i].error);
    const auto footer = parse_parquet_tail(tails[i].data, files[i].size);
    REQUIRE(footer);
    CHECK(footer->num_rows == expected.at(fs::path(files[i].path).filename().string()));
  }
  const auto log = hub.log();
  CHECK(count_log(log, "hub", "/resolve/main/") == 2 * files.size());
  CHECK(count_log(log, "cdn", "/blob/org/ds/") == 2 * files.size());
  CHECK(client.counters().redirects == 2 * files.size());
  require_token_safe(log);
  // Explicit ranges only.
  for (const auto& e : log) {
    if (e.at("port").as_string() == "cdn") CHECK(std::string(e.at("range").as_string()).rfind("bytes=", 0) == 0);
  }
}

TEST_CASE("HubClient: many range reads in flight, never more than the cap", "[hub]") {
  Repo repo;
  test::FakeHub hub(repo.tree.root(), token);
  hub.set_cdn_delay(0.05);
  HubConfig config = config_for(hub);
  config.max_in_flight = 4;
  HubClient client(config);
  const auto files = client.list_files("org/ds", "main", "data");
  std::vector<HubRange> ranges;
  for (const auto& f : files) ranges.push_back({f.path, 0, 4});
  const auto start = std::chrono::steady_clock::now();
  const auto results = client.read_ranges("org/ds", "main", ranges);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& r : results) CHECK(r.data == "PAR1");
  const auto max_active = hub.stats().at("cdn_max_active").as_int64();
  CHECK(max_active <= 4);
  CHECK(max_active >= 2);
  // Serial would take files x 50 ms.
  CHECK(seconds < 0.05 * static_cast<double>(files.size()) * 0.75);
}

TEST_CASE("HubClient: 429 with Retry-After, RateLimit and 500s are retried", "[hub]") {
  Repo repo;
  test::FakeHub hub(repo.tree.root(), token);
  HubClient client(config_for(hub));
  using clock = std::chrono::steady_clock;

  SECTION("Retry-After is honoured") {
    hub.fault("/tree/", 429, 1, "GET", {{"Retry-After", "1"}});
    const auto start = clock::now();
    CHECK(client.list_files("org/ds", "main", "data").size() == repo.paths.size());
    CHECK(std::chrono::duration<double>(clock::now() - start).count() >= 1.0);
    CHECK(client.counters().retries == 1);
  }
  SECTION("RateLimit t=N is honoured") {
    hub.fault("/revision/", 429, 1, "GET", {{"RateLimit", "\"api\";r=0;t=1"}});
    const auto start = clock::now();
    CHECK(client.revision_sha("org/ds", "main").size() == 40);
    CHECK(std::chrono::duration<double>(clock::now() - start).count() >= 1.0);
  }
  SECTION("500s on the Hub and on the CDN are retried") {
    hub.fault("/resolve/", 500, 2, "GET");
    hub.fault("/blob/", 503, 2, "GET", {}, "cdn");
    const auto results = client.read_ranges("org/ds", "main", {{repo.paths[0], 0, 4}});
    CHECK(results[0].data == "PAR1");
    CHECK(client.counters().retries == 4);
  }
  SECTION("retries stop after max_tries and the range reports why") {
    hub.fault("/resolve/", 502, 100, "GET");
    const auto results = client.read_ranges("org/ds", "main", {{repo.paths[0], 0, 4}, {repo.paths[1], 0, 4}});
    CHECK(results[0].error == std::optional<std::string>("HTTP 502"));
    CHECK(results[1].error == std::optional<std::string>("HTTP 502"));
    CHECK(client.counters().requests == 10);  // 5 tries each
  }
  SECTION("a 404 is not retried") {
    const auto results = client.read_ranges("org/ds", "main", {{"data/missing.parquet", 0, 4}});
    CHECK(results[0].error == std::optional<std::string>("HTTP 404 EntryNotFound"));
    CHECK(client.counters().requests == 1);
  }
}

TEST_CASE("HubClient: README read and commit with parentCommit, retried when the branch moved", "[hub]") {
  Repo repo;
  test::FakeHub hub(repo.tree.root(), token);
  HubClient client(config_for(hub));
  CHECK_FALSE(client.read_raw("org/ds", "main", "README.md"));

  SECTION("a missing README is created") {
    const auto r = client.update_file("org/ds", "main", "README.md",
                                      [](const std::optional<std::string>& old) {
                                        CHECK_FALSE(old);
                                        return std::optional<std::string>("# hello ✅\n");
                                      },
                                      "Update progress");
    CHECK(r.committed);
    CHECK(r.attempts == 1);
    CHECK(r.commit_oid == client.revision_sha("org/ds", "main"));
    CHECK(test::read_text(repo.repo_path("README.md")) == "# hello ✅\n");
    CHECK(client.read_raw("org/ds", "main", "README.md") == std::optional<std::string>("# hello ✅\n"));
  }
  SECTION("a 412 on the first commit: re-read, re-apply, retry") {
    repo.tree.write("org/ds/README.md", "v1\n");
    hub.fault("/commit/", 412, 1, "POST");
    int edits = 0;
    const auto r = client.update_file("org/ds", "main", "README.md",
                                      [&](const std::optional<std::string>& old) {
                                        ++edits;
                                        return std::optional<std::string>(old.value_or("") + "more\n");
                                      },
                                      "Update progress");
    CHECK(r.committed);
    CHECK(r.attempts == 2);
    CHECK(edits == 2);
    CHECK(test::read_text(repo.repo_path("README.md")) == "v1\nmore\n");
  }
  SECTION("the branch really moves between read and commit") {
    repo.tree.write("org/ds/README.md", "v1\n");
    int edits = 0;
    const auto r = client.update_file("org/ds", "main", "README.md",
                                      [&](const std::optional<std::string>& old) {
                                        if (++edits == 1) {
                                          // Someone else commits meanwhile.
                                          repo.tree.write("org/ds/README.md", "v2\n");
                                          hub.move_branch("org/ds");
                                        }
                                        return std::optional<std::string>(*old + "mine\n");
                                      },
                                      "Update progress");
    CHECK(r.attempts == 2);
    CHECK(test::read_text(repo.repo_path("README.md")) == "v2\nmine\n");
  }
  SECTION("no change, no commit") {
    repo.tree.write("org/ds/README.md", "same\n");
    const auto r = client.update_file("org/ds", "main", "README.md",
                                      [](const std::optional<std::string>& old) { return old; }, "noop");
    CHECK_FALSE(r.committed);
    CHECK(r.attempts == 0);
    CHECK(hub.stats().at("commits").as_int64() == 0);
  }
  require_token_safe(hub.log());
}

TEST_CASE("HubClient: datasets-server size, partial answers ignored", "[hub]") {
  Repo repo;
  test::FakeHub hub(repo.tree.root(), token);
  HubClient client(config_for(hub));
  repo.tree.mkdir("_size");
  repo.tree.write("_size/src__input.json",
                  R"({"size":{"dataset":{"num_rows":1500},"configs":[],"splits":[)"
                  R"({"dataset":"src/input","config":"default","split":"train","num_rows":1000},)"
                  R"({"dataset":"src/input","config":"default","split":"test","num_rows":500},)"
                  R"({"dataset":"src/input","config":"other","split":"train","num_rows":7}]},"pending":[],"failed":[],"partial":false})");
  CHECK(client.dataset_size("src/input", "default", "train") == std::optional<std::int64_t>(1000));
  CHECK(client.dataset_size("src/input", "default", "") == std::optional<std::int64_t>(1500));
  CHECK_FALSE(client.dataset_size("src/input", "default", "validation"));
  repo.tree.write("_size/src__partial.json",
                  R"({"size":{"splits":[{"dataset":"src/partial","config":"default","split":"train","num_rows":10}]},"partial":true})");
  CHECK_FALSE(client.dataset_size("src/partial", "default", "train"));
  CHECK_THROWS_AS(client.dataset_size("src/none", "default", "train"), HubError);
}

TEST_CASE("HubClient: HF_HUB_OFFLINE makes no request at all", "[hub]") {
  Repo repo;
  test::FakeHub hub(repo.tree.root(), token);
  HubConfig config = config_for(hub);
  config.offline = true;
  HubClient client(config);
  CHECK_THROWS_WITH(client.list_files("org/ds", "main", "data"), Catch::Matchers::Contains("HF_HUB_OFFLINE"));
  CHECK(client.counters().requests == 0);
  CHECK(hub.log().empty());
}

TEST_CASE("HubClient: configuration from the environment", "[hub]") {
  test::TempTree home;
  home.write("hf/token", "  hf_from_file\n");
  const auto with_env = [](std::map<std::string, std::string> vars) {
    for (const char* name : {"HF_ENDPOINT", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HOME",
                             "HF_HUB_OFFLINE", "JOBMON_DATASETS_SERVER"}) {
      unsetenv(name);
    }
    for (const auto& [k, v] : vars) setenv(k.c_str(), v.c_str(), 1);
    return HubConfig::from_environment();
  };
  auto c = with_env({{"HF_ENDPOINT", "http://example.test:8080///"}, {"HF_TOKEN", " hf_env \n"}});
  CHECK(c.endpoint == "http://example.test:8080");
  CHECK(c.token == std::optional<std::string>("hf_env"));
  CHECK_FALSE(c.offline);
  c = with_env({{"HUGGING_FACE_HUB_TOKEN", "hf_old"}, {"HF_HUB_OFFLINE", "1"}});
  CHECK(c.token == std::optional<std::string>("hf_old"));
  CHECK(c.offline);
  CHECK(c.endpoint == "https://huggingface.co");
  c = with_env({{"HF_HOME", home.path("hf")}});
  CHECK(c.token == std::optional<std::string>("hf_from_file"));
  c = with_env({{"HF_TOKEN_PATH", home.path("hf/token")}, {"HF_HOME", "/nonexistent"}, {"HF_HUB_OFFLINE", "yes"}});
  CHECK(c.token == std::optional<std::string>("hf_from_file"));
  CHECK(c.offline);
  c = with_env({{"HF_HOME", "/nonexistent"}});
  CHECK_FALSE(c.token);
  with_env({});
}

TEST_CASE("HubClient: header helpers", "[hub]") {
  CHECK(parse_link_next("<https://h/api?cursor=2>; rel=\"next\"") == std::optional<std::string>("https://h/api?cursor=2"));
  CHECK(parse_link_next("<https://h/a>; rel=\"prev\", <https://h/b>; rel=\"next\"") ==
        std::optional<std::string>("https://h/b"));
  CHECK_FALSE(parse_link_next("<https://h/a>; rel=\"last\""));
  CHECK_FALSE(parse_link_next(""));
  CHECK_FALSE(parse_link_next("<unterminated"));
  CHECK(parse_retry_wait("7", "") == std::optional<double>(7));
  CHECK(parse_retry_wait("", "\"api\";r=0;t=42") == std::optional<double>(42));
  CHECK_FALSE(parse_retry_wait("", "\"api\";r=10;t=42"));
  CHECK_FALSE(parse_retry_wait("soon", ""));
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode("\xff\xfe") == "//4=");
}

TEST_CASE("HubClient: a server that ignores Range (200, whole body) still gives the asked bytes", "[hub]") {
  Repo repo;
  test::FakeHub hub(repo.tree.root(), token);
  hub.set_ignore_range(true);
  HubClient client(config_for(hub));
  const std::string file = test::read_text(repo.repo_path(repo.paths[0]));
  const auto results = client.read_ranges("org/ds", "main", {{repo.paths[0], file.size() - 8, 8}, {repo.paths[0], 4, 10}});
  CHECK(results[0].data == file.substr(file.size() - 8));
  CHECK(results[1].data == file.substr(4, 10));
  // A range past the end of what came back is an error, not garbage.
  const auto past = client.read_ranges("org/ds", "main", {{repo.paths[0], file.size() - 4, 8}});
  CHECK(past[0].error);
}

TEST_CASE("HubClient: a 409 on commit is retried like a 412", "[hub]") {
  Repo repo;
  test::FakeHub hub(repo.tree.root(), token);
  HubClient client(config_for(hub));
  hub.fault("/commit/", 409, 2, "POST");
  const auto r = client.update_file("org/ds", "main", "README.md",
                                    [](const std::optional<std::string>&) { return std::optional<std::string>("x\n"); },
                                    "s");
  CHECK(r.committed);
  CHECK(r.attempts == 3);
  hub.fault("/commit/", 412, 100, "POST");
  CHECK_THROWS_AS(client.update_file("org/ds", "main", "README.md",
                                     [](const std::optional<std::string>&) { return std::optional<std::string>("y\n"); },
                                     "s"),
                  HubError);
}

// The two ways a try ends without an HTTP status, on the engine under HubClient.
TEST_CASE("HubHttpSession: transport errors are retried, a body over the cap is not", "[hub]") {
  SECTION("connection refused: max_tries tries, then status 0 and curl's reason") {
    // A bound socket that never listens: connections to its port are refused
    // and no other process can take the port meanwhile.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    HubConfig config;
    config.retry.base_seconds = 0.01;
    config.retry.max_seconds = 0.05;
    HubCounters counters;
    detail::HubHttpSession session(config, counters);
    detail::HubHttpRequest request;
    request.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/x";
    const auto response = session.run_one(request);
    ::close(fd);
    CHECK(response.status == 0);
    CHECK_FALSE(response.error.empty());
    CHECK(response.url == request.url);
    CHECK(counters.requests == static_cast<std::uint64_t>(config.retry.max_tries));
    CHECK(counters.retries == static_cast<std::uint64_t>(config.retry.max_tries - 1));
  }
  SECTION("a response over max_body fails once, with the cap in the error") {
    Repo repo;
    test::FakeHub hub(repo.tree.root(), token);
    HubConfig config = config_for(hub);
    config.max_body = 10;
    HubCounters counters;
    detail::HubHttpSession session(config, counters);
    detail::HubHttpRequest request;
    request.url = hub.endpoint() + "/api/datasets/org/ds/tree/main/data?recursive=true";
    const auto response = session.run_one(request);
    CHECK(response.status == 0);
    CHECK(response.error == "response larger than 10 bytes");
    CHECK(counters.requests == 1);
    CHECK(counters.retries == 0);
  }
}
