#include <sys/stat.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "jobmon/clock.hpp"
#include "jobmon/error.hpp"
#include "jobmon/server/web_api.hpp"
#include "server/host/proc_parsers.hpp"
#include "server/job_logs.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace json = boost::json;

namespace {

struct Fixture {
  test::TempTree tree;
  std::shared_ptr<LocalStorage> storage = std::make_shared<LocalStorage>();
  std::unique_ptr<JobRegistry> registry;
  HostResources resources;
  std::unique_ptr<WebApi> api;

  explicit Fixture(const std::string& token = "") {
    test::copy_tree(std::string(JOBMON_FIXTURES_DIR) + "/datatrove", tree.path("logs"));
    tree.make_job("logs/running <b>&\"job\"", 10, {0, 1, 2});
    tree.mkdir("logs/not_a_job");
    registry = std::make_unique<JobRegistry>(storage, std::vector<std::string>{tree.path("logs")});
    registry->refresh(wall_clock_now());
    WebApiOptions o;
    o.token = token;
    api = std::make_unique<WebApi>(*registry, resources, o);
  }

  HttpResponse get(const std::string& path, std::multimap<std::string, std::string> query = {}, std::string auth = "") {
    HttpRequest r;
    r.path = path;
    r.query = std::move(query);
    r.authorization = std::move(auth);
    return api->handle(r);
  }

  std::string id_of(const std::string& name) {
    for (const auto& e : registry->entries()) {
      if (e.name == name) return e.id;
    }
    return {};
  }
};

}  // namespace

TEST_CASE("WebApi: /api/jobs lists every job with filters", "[server]") {
  Fixture f;
  auto r = f.get("/api/jobs");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/json");
  auto doc = json::parse(r.body);
  CHECK(doc.at("count") == 3);
  const auto& first = doc.at("jobs").at(0).as_object();
  for (const char* key : {"id", "kind", "name", "path", "status", "done", "total", "percent", "eta_seconds", "current"})
    CHECK(first.contains(key));

  doc = json::parse(f.get("/api/jobs", {{"status", "failed"}}).body);
  REQUIRE(doc.at("count") == 1);
  CHECK(doc.at("jobs").at(0).at("name") == "tokenize_CC-MAIN-2023-50");
  CHECK(doc.at("jobs").at(0).at("needs_relaunch") == true);  // 2 failed, every other rank done
  CHECK(doc.at("jobs").at(0).at("failed_exact") == true);
  CHECK(json::parse(f.get("/api/jobs", {{"q", "2023-40"}}).body).at("count") == 1);
  CHECK(json::parse(f.get("/api/jobs", {{"q", "RUNNING"}}).body).at("count") == 1);  // case-insensitive
  CHECK(json::parse(f.get("/api/jobs", {{"kind", "data_juicer"}}).body).at("count") == 0);
  CHECK(json::parse(f.get("/api/jobs", {{"kind", "datatrove"}}).body).at("count") == 3);
  // A word that names no status or kind is a 400 (a typo must not read as "no such jobs").
  CHECK(f.get("/api/jobs", {{"status", "bogus"}}).status == 400);
  CHECK(f.get("/api/jobs", {{"kind", "Datatrove"}}).status == 400);
  CHECK(json::parse(f.get("/api/jobs/current").body).at("count") == 1);
  CHECK(json::parse(f.get("/api/jobs/past").body).at("count") == 2);
}

TEST_CASE("WebApi: /api/jobs pages", "[server]") {
  test::TempTree tree;
  for (int i = 0; i < 7; ++i) tree.make_job("logs/job_" + std::to_string(i), 2, {0});
  RegistryOptions ro;
  ro.jobs_page_size = 3;
  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("logs")}, ro);
  registry.refresh(wall_clock_now());
  HostResources resources;
  WebApiOptions wo;
  wo.default_page_size = 3;
  WebApi api(registry, resources, wo);
  auto get = [&](std::multimap<std::string, std::string> q) {
    HttpRequest r;
    r.path = "/api/jobs";
    r.query = std::move(q);
    return api.handle(r);
  };
  auto first = json::parse(get({}).body);  // the pre-serialised page
  CHECK(first.at("count") == 7);
  CHECK(first.at("returned") == 3);
  CHECK(first.at("next_offset") == 3);
  CHECK(first.at("jobs").at(0).at("name") == "job_0");
  auto same = json::parse(get({{"limit", "3"}, {"offset", "0"}, {"q", "job"}}).body);  // built per request
  CHECK(same.at("jobs") == first.at("jobs"));
  auto last = json::parse(get({{"offset", "6"}}).body);
  CHECK(last.at("returned") == 1);
  CHECK(last.at("jobs").at(0).at("name") == "job_6");
  CHECK(last.at("next_offset").is_null());
  CHECK(json::parse(get({{"limit", "100"}}).body).at("returned") == 7);
  CHECK(json::parse(get({{"offset", "50"}}).body).at("returned") == 0);
  CHECK(get({{"limit", "-1"}}).status == 400);
  CHECK(get({{"offset", "x"}}).status == 400);
}

TEST_CASE("WebApi: statistics, detail, logs", "[server]") {
  Fixture f;
  auto stats = json::parse(f.get("/api/jobs/statistics").body);
  CHECK(stats.at("jobs_total") == 3);
  CHECK(stats.at("tasks_completed") == 23);
  CHECK(stats.at("by_status").at("failed") == 1);
  CHECK(stats.at("warnings") == 1);

  const std::string id = f.id_of("tokenize_CC-MAIN-2023-50");
  REQUIRE(id.size() == 16);
  auto detail = json::parse(f.get("/api/jobs/" + id).body);
  CHECK(detail.at("grid").at("cells") == "dddfdddddddfdddd");
  CHECK(detail.at("grid").at("unit") == "rank");
  CHECK(detail.at("errors").as_array().size() == 2);
  CHECK(detail.at("stages").as_array().size() == 4);
  CHECK(detail.at("completion_curve").as_array().size() >= 1);
  CHECK(detail.at("incomplete_ranges") == "3,11");

  auto logs = json::parse(f.get("/api/jobs/" + id + "/logs", {{"tail", "5"}}).body);
  REQUIRE(logs.at("files").as_array().size() == 2);  // the failed ranks' logs
  const auto& lines = logs.at("files").at(0).at("lines").as_array();
  CHECK(lines.size() == 5);
  CHECK(std::string(lines.back().as_string()).find("RuntimeError: simulated tokenizer crash") != std::string::npos);
  auto one = json::parse(f.get("/api/jobs/" + id + "/logs", {{"rank", "4"}, {"tail", "100000"}}).body);
  REQUIRE(one.at("files").as_array().size() == 1);
  CHECK(one.at("files").at(0).at("lines").as_array().size() <= 2000);  // bounded
  CHECK(f.get("/api/jobs/" + id + "/logs", {{"rank", "16"}}).status == 400);
  CHECK(f.get("/api/jobs/" + id + "/logs", {{"tail", "-1"}}).status == 400);
  CHECK(f.get("/api/jobs/" + id + "/logs", {{"rank", "abc"}}).status == 400);
}

TEST_CASE("WebApi: unknown ids and traversal attempts are 404", "[server]") {
  Fixture f;
  CHECK(f.get("/api/jobs/0000000000000000").status == 404);
  CHECK(f.get("/api/jobs/../../etc/passwd").status == 404);
  CHECK(f.get("/api/jobs/..%2F..%2Fetc").status == 404);
  CHECK(f.get("/api/jobs/" + f.id_of("tokenize_CC-MAIN-2023-40") + "/../../x").status == 404);
  CHECK(f.get("/api/nothing").status == 404);
  CHECK(f.get(std::string(5000, 'a')).status == 414);
  HttpRequest post;
  post.method = "POST";
  post.path = "/api/jobs";
  CHECK(f.api->handle(post).status == 405);
}

TEST_CASE("WebApi: the token is enforced everywhere but /healthz", "[server]") {
  Fixture f("s3cret");
  CHECK(f.get("/api/jobs").status == 401);
  CHECK(f.get("/").status == 401);
  CHECK(f.get("/metrics").status == 401);
  CHECK(f.get("/api/jobs", {}, "Bearer wrong").status == 401);
  CHECK(f.get("/api/jobs", {}, "Bearer s3cret").status == 200);
  CHECK(f.get("/", {{"token", "s3cret"}}).status == 200);
  CHECK(f.get("/healthz").status == 200);
  CHECK(f.get("/api/jobs").body.find("s3cret") == std::string::npos);
}

TEST_CASE("WebApi: DNS rebinding, symlinked logs, token in URLs", "[server]") {
  Fixture f;
  HttpRequest r;
  r.path = "/api/jobs";
  r.host = "evil.example.com:8787";  // a page whose name now resolves to 127.0.0.1
  CHECK(f.api->handle(r).status == 403);
  for (const char* host : {"localhost:8787", "127.0.0.1:8787", "[::1]:8787", "127.0.0.1", ""}) {
    r.host = host;
    CHECK(f.api->handle(r).status == 200);
  }

  f.tree.write("secret.txt", "AWS_SECRET=do-not-leak\n");
  const std::string id = f.id_of("tokenize_CC-MAIN-2023-50");
  f.tree.remove("logs/tokenize_CC-MAIN-2023-50/logs/task_00003.log");
  f.tree.symlink(f.tree.path("secret.txt"), "logs/tokenize_CC-MAIN-2023-50/logs/task_00003.log");
  auto logs = f.get("/api/jobs/" + id + "/logs", {{"rank", "3"}});
  CHECK(logs.status == 200);
  CHECK(logs.body.find("do-not-leak") == std::string::npos);
  CHECK(logs.body.find("symlink") != std::string::npos);
  f.tree.remove("logs/tokenize_CC-MAIN-2023-50/logs");
  f.tree.symlink(f.tree.path(""), "logs/tokenize_CC-MAIN-2023-50/logs");
  logs = f.get("/api/jobs/" + id + "/logs", {{"rank", "4"}});
  CHECK(logs.body.find("not followed") != std::string::npos);

  CHECK(loopback_address("::1"));
  CHECK(loopback_address("127.0.0.5"));
  CHECK_FALSE(loopback_address("0.0.0.0"));
  CHECK_FALSE(loopback_address("localhost.example.com"));

  Fixture t("s3cret");
  CHECK(t.get("/", {{"token", "s3cret"}}).status == 200);             // the page may carry it
  CHECK(t.get("/api/jobs", {{"token", "s3cret"}}).status == 401);     // API calls use the header
  CHECK(t.get("/api/jobs", {}, "Bearer s3cret").status == 200);
  r.host = "jobs.example.com";  // with a token, any name is fine (the token is the guard)
  r.authorization = "Bearer s3cret";
  CHECK(t.api->handle(r).status == 200);
}

TEST_CASE("WebApi: page, metrics, resources, health", "[server]") {
  Fixture f;
  auto page = f.get("/");
  CHECK(page.content_type.find("text/html") == 0);
  CHECK(page.body.find("<title>jobmon</title>") != std::string::npos);
  CHECK(f.get("/job/0123456789abcdef").body == page.body);  // client-side route

  auto metrics = f.get("/metrics");
  CHECK(metrics.content_type.find("text/plain") == 0);
  CHECK(metrics.body.find("jobmon_jobs{status=\"failed\"} 1\n") != std::string::npos);
  CHECK(metrics.body.find("jobmon_tasks{state=\"done\"} 23\n") != std::string::npos);
  // Label values are escaped: the hostile job name cannot break the format.
  CHECK(metrics.body.find("name=\"running <b>&\\\"job\\\"\"") != std::string::npos);

  auto res = json::parse(f.get("/api/resources").body);
  CHECK(res.at("cpu_count").as_int64() >= 1);
  CHECK(res.at("memory_total_bytes").as_int64() > 0);
  CHECK(res.at("gpus").is_array());

  auto health = json::parse(f.get("/healthz").body);
  CHECK(health.at("ok") == true);
  CHECK(health.at("jobs") == 3);
}

TEST_CASE("WebApi: registry versions move only on change, and wake waiters", "[server]") {
  test::TempTree tree;
  tree.make_job("logs/job", 4, {0});
  const double past = wall_clock_now() - 100;
  tree.set_mtime("logs/job/completions", past);
  tree.set_mtime("logs", past);
  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("logs")});
  CHECK(registry.refresh(wall_clock_now()).size() == 1);  // the job appears
  const auto v1 = registry.version();
  CHECK(registry.refresh(wall_clock_now()).empty());
  CHECK(registry.version() == v1);
  CHECK(registry.wait_for_change(v1, 0.05) == v1);  // times out: nothing changed

  tree.add_markers("logs/job", {1});
  const auto changes = registry.refresh(wall_clock_now());
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].completed == 2);
  CHECK(registry.version() == v1 + 1);
  CHECK(registry.wait_for_change(v1, 5) == v1 + 1);  // returns at once
  CHECK(registry.last_changes().size() == 1);

  // A client that slept through two refreshes still gets the job's latest change.
  tree.add_markers("logs/job", {2});
  registry.refresh(wall_clock_now());
  tree.make_job("logs/other", 1, {0});
  registry.refresh(wall_clock_now());
  const auto [version, missed] = registry.wait_for_changes(v1, 0);
  CHECK(version >= v1 + 2);
  bool saw_job = false;
  for (const auto& c : missed) {
    if (c.completed == 3) saw_job = true;
  }
  CHECK(saw_job);
}

TEST_CASE("WebApi: Data-Juicer work dirs sit beside datatrove jobs", "[server]") {
  test::TempTree tree;
  test::copy_tree(std::string(JOBMON_FIXTURES_DIR) + "/datatrove", tree.path("outputs"));
  test::copy_tree(std::string(JOBMON_TEST_DATA) + "/dj/failed", tree.path("outputs/dj_failed"));
  test::copy_tree(std::string(JOBMON_TEST_DATA) + "/dj/dag_plan", tree.path("outputs/dj_planned"));
  tree.write("outputs/dj_failed/logs/worker.log", "line one\nValueError: bad sample\n");
  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("outputs")});
  registry.refresh(wall_clock_now());
  HostResources resources;
  WebApi api(registry, resources);
  auto get = [&](const std::string& path, std::multimap<std::string, std::string> q = {}) {
    HttpRequest r;
    r.path = path;
    r.query = std::move(q);
    return api.handle(r);
  };
  auto all = json::parse(get("/api/jobs").body);
  CHECK(all.at("count") == 4);
  auto dj = json::parse(get("/api/jobs", {{"kind", "data_juicer"}}).body);
  REQUIRE(dj.at("count") == 2);
  CHECK(registry.warnings().empty());  // a work dir is not reported as "not a job"
  std::string failed_id;
  for (const auto& j : dj.at("jobs").as_array()) {
    if (j.at("status") == "failed") failed_id = std::string(j.at("id").as_string());
  }
  REQUIRE_FALSE(failed_id.empty());
  auto detail = json::parse(get("/api/jobs/" + failed_id).body);
  CHECK(detail.at("kind") == "data_juicer");
  CHECK(detail.at("grid").at("unit") == "partition");
  CHECK(detail.at("grid").at("cells") == "dff");
  REQUIRE(detail.at("stages").as_array().size() == 1);
  CHECK(detail.at("stages").at(0).at("name") == "clean_email_mapper");
  CHECK(detail.at("operations").at(0).at("rows_in") == 10);
  CHECK(std::string(json::serialize(detail.at("errors"))).find("ValueError: bad sample") != std::string::npos);
  auto logs = json::parse(get("/api/jobs/" + failed_id + "/logs").body);
  REQUIRE(logs.at("files").as_array().size() == 1);
  CHECK(logs.at("files").at(0).at("lines").at(1) == "ValueError: bad sample");
  CHECK(get("/api/jobs/" + failed_id + "/logs", {{"rank", "0"}}).status == 400);
  auto stats = json::parse(get("/api/jobs/statistics").body);
  CHECK(stats.at("jobs_total") == 4);
  CHECK(stats.at("by_status").at("failed") == 2);
  CHECK(get("/metrics").body.find("kind=\"data_juicer\"") != std::string::npos);

  // A planned-but-unstarted job shows its planned totals.
  for (const auto& j : dj.at("jobs").as_array()) {
    if (j.at("id").as_string() != failed_id.c_str()) CHECK(j.at("total").as_int64() > 0);
  }
}

TEST_CASE("WebApi: /proc parsers", "[server]") {
  using namespace jobmon::detail;
  auto cpu = parse_proc_stat("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n");
  REQUIRE(cpu);
  CHECK(cpu->total == 1000);
  CHECK(cpu->busy == 150);
  CHECK_FALSE(parse_proc_stat("garbage"));
  std::uint64_t total = 0, available = 0;
  CHECK(parse_meminfo("MemTotal:       1000 kB\nMemFree: 10 kB\nMemAvailable:    500 kB\n", total, available));
  CHECK(total == 1024000);
  CHECK(available == 512000);
  std::uint64_t rx = 0, tx = 0;
  CHECK(parse_net_dev("Inter-|   Receive\n face |bytes\n    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0\n  eth0: 100 1 0 0 0 0 0 0 200 1 0 0 0 0 0 0\n",
                      rx, tx));
  CHECK(rx == 100);
  CHECK(tx == 200);
  CHECK(tail_lines("a\nb\nc\n", 2) == std::vector<std::string>{"b", "c"});
  CHECK(tail_lines("", 2).empty());
  CHECK(tail_lines("only", 5) == std::vector<std::string>{"only"});
}

TEST_CASE("WebApi: a token file gives its first line without surrounding blanks", "[server]") {
  test::TempTree tree;
  tree.write("plain", "s3cret\n");
  tree.write("crlf", " \ts3cret \r\nsecond line\n");
  tree.write("blank", " \t\r\nnot the first line\n");
  tree.write("empty", "");
  CHECK(read_token_file(tree.path("plain")) == "s3cret");
  CHECK(read_token_file(tree.path("crlf")) == "s3cret");
  CHECK_THROWS_WITH(read_token_file(tree.path("blank")), Catch::Contains("the token file is empty"));
  CHECK_THROWS_WITH(read_token_file(tree.path("empty")), Catch::Contains("the token file is empty"));
  CHECK_THROWS_AS(read_token_file(tree.path("missing")), StorageError);
  REQUIRE(::mkfifo(tree.path("fifo").c_str(), 0600) == 0);
  CHECK_THROWS_AS(read_token_file(tree.path("fifo")), StorageError);  // refused, never a hang
}

TEST_CASE("WebApi: /metrics stays valid UTF-8, one sample per line, for names that are not", "[server]") {
  Fixture f;
  f.tree.make_job("logs/bad\xff\xfe\x01name", 4, {0});
  f.registry->refresh(wall_clock_now());
  const std::string body = f.get("/metrics").body;
  CHECK(body.find("name=\"bad\xEF\xBF\xBD\xEF\xBF\xBD name\"") != std::string::npos);
  CHECK(body.find('\x01') == std::string::npos);
  CHECK(body.find('\xff') == std::string::npos);
}

// Issue 13: 500 clients that never read each held a copy of the 274 KB first
// /api/jobs page until the write deadline (235 MB). The answer now shares the
// registry's page, as the dashboard's page is shared.
TEST_CASE("WebApi: the cached first /api/jobs page and the dashboard are shared by every answer, not copied", "[server]") {
  Fixture f;
  const auto page = f.registry->first_jobs_page();
  const HttpResponse a = f.get("/api/jobs");
  const HttpResponse b = f.get("/api/jobs");
  REQUIRE(a.body.shared());
  CHECK(a.body.shared().get() == page.get());
  CHECK(b.body.shared().get() == page.get());
  CHECK(a.body.str() == *page);
  CHECK(json::parse(a.body).at("count").as_int64() > 0);
  const HttpResponse d1 = f.get("/");
  const HttpResponse d2 = f.get("/");
  REQUIRE(d1.status == 200);
  CHECK(d1.body.shared().get() == d2.body.shared().get());
  CHECK(d1.body.str() == dashboard_html());
  // A filtered page is built per request: its own text.
  const HttpResponse filtered = f.get("/api/jobs", {{"q", "job"}});
  CHECK(filtered.body.shared().get() != page.get());
}
