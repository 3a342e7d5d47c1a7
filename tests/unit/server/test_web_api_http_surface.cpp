// WebApi's HTTP surface (issue 16): filters that take several values and
// refuse unknown words, limit=0 refused, Cache-Control/no-framing headers on
// every answer, ETag and 304 on the JSON and the page, /job/<malformed> a
// 404 page, and a /healthz that says nothing without the token.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <set>

#include "jobmon/clock.hpp"
#include "jobmon/server/web_api.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace json = boost::json;

namespace {

struct Fixture {
  test::TempTree tree;
  std::unique_ptr<JobRegistry> registry;
  HostResources resources;
  std::unique_ptr<WebApi> api;

  explicit Fixture(const std::string& token = "") {
    test::copy_tree(std::string(JOBMON_FIXTURES_DIR) + "/datatrove", tree.path("logs"));  // one failed, one complete
    tree.make_job("logs/running_job", 10, {0, 1, 2});
    registry = std::make_unique<JobRegistry>(std::make_shared<LocalStorage>(), std::vector<std::string>{tree.path("logs")});
    registry->refresh(wall_clock_now());
    WebApiOptions o;
    o.token = token;
    api = std::make_unique<WebApi>(*registry, resources, o);
  }

  HttpResponse get(const std::string& path, std::multimap<std::string, std::string> query = {},
                   const std::string& if_none_match = "", const std::string& auth = "", const std::string& method = "GET") {
    HttpRequest r;
    r.method = method;
    r.path = path;
    r.query = std::move(query);
    r.if_none_match = if_none_match;
    r.authorization = auth;
    return api->handle(r);
  }

  std::string id_of(const std::string& name) const {
    for (const auto& e : registry->entries()) {
      if (e.name == name) return e.id;
    }
    return {};
  }
};

std::string header(const HttpResponse& r, const std::string& name) {
  for (const auto& [key, value] : r.headers) {
    if (key == name) return value;
  }
  return "<none>";
}

std::set<std::string> statuses_of(const HttpResponse& r) {
  std::set<std::string> out;
  const json::value doc = json::parse(r.body);
  for (const auto& job : doc.at("jobs").as_array()) out.insert(std::string(job.at("status").as_string()));
  return out;
}

}  // namespace

TEST_CASE("WebApi: status= and kind= take lists and repeats, and refuse unknown words", "[server]") {
  Fixture f;
  CHECK(statuses_of(f.get("/api/jobs", {{"status", "failed"}})) == std::set<std::string>{"failed"});
  const std::set<std::string> both{"failed", "running"};
  CHECK(statuses_of(f.get("/api/jobs", {{"status", "failed,running"}})) == both);
  CHECK(statuses_of(f.get("/api/jobs", {{"status", "failed"}, {"status", "running"}})) == both);
  CHECK(statuses_of(f.get("/api/jobs", {{"status", "failed, running,"}})) == both);  // blanks, a trailing comma
  CHECK(json::parse(f.get("/api/jobs", {{"status", "failed,running"}}).body).at("count") == 2);
  CHECK(json::parse(f.get("/api/jobs", {{"kind", "datatrove,data_juicer"}}).body).at("count") == 3);
  CHECK(json::parse(f.get("/api/jobs", {{"kind", "data_juicer"}}).body).at("count") == 0);

  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"status", "bogus"}, {"status", "failed,bogus"}, {"status", "FAILED"}, {"kind", "x"}, {"kind", "datatrove,x"}}) {
    INFO(key << "=" << value);
    const auto r = f.get("/api/jobs", {{key, value}});
    CHECK(r.status == 400);
    CHECK(std::string(json::parse(r.body).at("error").as_string()).find("unknown " + key) == 0);
    CHECK(header(r, "Cache-Control") == "no-store");
  }
  CHECK(f.get("/api/jobs", {{"status", "failed"}, {"status", "nope"}}).status == 400);  // a repeat is checked too
}

TEST_CASE("WebApi: limit=0 is refused, so a pager cannot loop", "[server]") {
  Fixture f;
  const auto zero = f.get("/api/jobs", {{"limit", "0"}});
  CHECK(zero.status == 400);
  CHECK(json::parse(zero.body).at("error") == "limit must be a positive integer");
  CHECK(f.get("/api/jobs/past", {{"limit", "000"}}).status == 400);
  const auto one = json::parse(f.get("/api/jobs", {{"limit", "1"}}).body);
  CHECK(one.at("returned") == 1);
  CHECK(one.at("next_offset") == 1);
}

TEST_CASE("WebApi: every answer says how to cache it and refuses framing", "[server]") {
  Fixture f;
  const std::string id = f.id_of("tokenize_CC-MAIN-2023-50");
  REQUIRE(!id.empty());
  struct Want {
    HttpResponse r;
    int status;
    std::string cache;
  };
  const std::vector<Want> answers{
      {f.get("/"), 200, "private, no-cache"},
      {f.get("/job/" + id), 200, "private, no-cache"},
      {f.get("/job/notanid"), 404, "no-store"},
      {f.get("/api/jobs"), 200, "private, no-cache"},
      {f.get("/api/jobs", {{"status", "failed"}}), 200, "private, no-cache"},
      {f.get("/api/jobs/" + id), 200, "private, no-cache"},
      {f.get("/api/jobs/" + id + "/logs", {{"rank", "3"}}), 200, "private, no-cache"},
      {f.get("/api/jobs/statistics"), 200, "private, no-cache"},
      {f.get("/api/resources"), 200, "private, no-cache"},
      {f.get("/metrics"), 200, "no-store"},
      {f.get("/healthz"), 200, "no-store"},
      {f.get("/favicon.ico"), 204, "max-age=86400"},
      {f.get("/api/stream", {}, "", "", "HEAD"), 200, "no-store"},
      {f.get("/api/nope"), 404, "no-store"},
      {f.get("/api/jobs/0000000000000000"), 404, "no-store"},
      {f.get("/api/jobs", {{"limit", "x"}}), 400, "no-store"},
      {f.get("/api/jobs", {}, "", "", "POST"), 405, "no-store"},
      {f.get("/api/jobs", {}, "", "", "OPTIONS"), 405, "no-store"},
  };
  for (const auto& [r, status, cache] : answers) {
    INFO(r.status << " " << r.body.str().substr(0, 80));
    CHECK(r.status == status);
    CHECK(header(r, "Cache-Control") == cache);
    CHECK(header(r, "X-Frame-Options") == "DENY");
    CHECK(header(r, "X-Content-Type-Options") == "nosniff");
    CHECK(header(r, "Content-Security-Policy").find("frame-ancestors 'none'") != std::string::npos);
    // Exactly one of each: a duplicate header is ambiguous to a client.
    CHECK(std::count_if(r.headers.begin(), r.headers.end(), [](const auto& h) { return h.first == "Cache-Control"; }) == 1);
    // Validators only where caching is allowed at all.
    CHECK((header(r, "ETag") != "<none>") == (cache == "private, no-cache"));
  }
  CHECK(header(f.get("/api/jobs", {}, "", "", "OPTIONS"), "Allow") == "GET, HEAD");
  // The page keeps its own policy (scripts inline), with framing refused in it.
  CHECK(header(f.get("/"), "Content-Security-Policy").find("script-src 'unsafe-inline'") != std::string::npos);

  Fixture t("s3cret");
  const auto refused = t.get("/api/jobs");
  CHECK(refused.status == 401);
  CHECK(header(refused, "Cache-Control") == "no-store");
  CHECK(header(refused, "X-Frame-Options") == "DENY");
}

TEST_CASE("WebApi: ETag and If-None-Match give a bodiless 304 while nothing changed", "[server]") {
  Fixture f;
  for (const std::string path : {"/api/jobs", "/api/jobs/statistics", "/"}) {
    INFO(path);
    const auto first = f.get(path);
    const std::string etag = header(first, "ETag");
    REQUIRE(etag.size() > 4);
    // JSON tags are weak (they leave out generated_at); the page's is strong.
    CHECK(etag.starts_with(path == "/" ? "\"" : "W/\""));
    CHECK(etag.back() == '"');
    CHECK(header(f.get(path), "ETag") == etag);  // the same answer, the same tag
    const auto again = f.get(path, {}, etag);
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    CHECK(header(again, "ETag") == etag);
    CHECK(header(again, "Cache-Control") == "private, no-cache");
    // Lists, weak tags and "*" match; another tag does not.
    CHECK(f.get(path, {}, "\"other\", W/" + etag.substr(etag.starts_with("W/") ? 2 : 0)).status == 304);
    CHECK(f.get(path, {}, etag.substr(etag.starts_with("W/") ? 2 : 0)).status == 304);  // weak comparison
    CHECK(f.get(path, {}, "*").status == 304);
    CHECK(f.get(path, {}, "\"other\"").status == 200);
    CHECK(f.get(path, {}, etag, "", "HEAD").status == 304);
  }
  // Different answers have different tags: a filter, another job.
  CHECK(header(f.get("/api/jobs"), "ETag") != header(f.get("/api/jobs", {{"status", "failed"}}), "ETag"));
  const std::string failed = f.id_of("tokenize_CC-MAIN-2023-50"), done = f.id_of("tokenize_CC-MAIN-2023-40");
  CHECK(header(f.get("/api/jobs/" + failed), "ETag") != header(f.get("/api/jobs/" + done), "ETag"));

  // A refresh where no job moved changes only generated_at: the tags stay, polls stay 304s.
  // (Finished jobs: a running job's state_reason says "last marker Ns ago", which does move.)
  const std::string jobs_tag = header(f.get("/api/jobs/past"), "ETag"), stats_tag = header(f.get("/api/jobs/statistics"), "ETag");
  const std::string filtered_tag = header(f.get("/api/jobs", {{"status", "failed"}}), "ETag");
  const std::string generated = std::string(json::parse(f.get("/api/jobs/past").body).at("generated_at").as_string());
  f.registry->refresh(wall_clock_now() + 2);
  REQUIRE(std::string(json::parse(f.get("/api/jobs/past").body).at("generated_at").as_string()) != generated);
  CHECK(f.get("/api/jobs/past", {}, jobs_tag).status == 304);
  CHECK(f.get("/api/jobs/statistics", {}, stats_tag).status == 304);
  CHECK(f.get("/api/jobs", {{"status", "failed"}}, filtered_tag).status == 304);

  // A job moves: the first page (cached by the registry) gets a new tag, and the old one no longer matches.
  const std::string before = header(f.get("/api/jobs"), "ETag");
  f.tree.add_markers("logs/running_job", {3, 4});
  f.registry->refresh(wall_clock_now());
  const auto after = f.get("/api/jobs", {}, before);
  CHECK(after.status == 200);
  CHECK(header(after, "ETag") != before);
  CHECK(json::parse(after.body).at("jobs").is_array());
  // A filtered page (answered from a cache within one refresh) follows the job too.
  const auto filtered = f.get("/api/jobs", {{"status", "running,complete"}});
  CHECK(f.get("/api/jobs", {{"status", "running,complete"}}).body == filtered.body.str());
  CHECK(header(f.get("/api/jobs", {{"status", "running,complete"}}), "ETag") == header(filtered, "ETag"));
  f.tree.add_markers("logs/running_job", {5});
  f.registry->refresh(wall_clock_now());
  const auto moved = f.get("/api/jobs", {{"status", "running,complete"}}, header(filtered, "ETag"));
  CHECK(moved.status == 200);
  CHECK(moved.body.find("\"done\":6") != std::string::npos);
  CHECK(filtered.body.find("\"done\":5") != std::string::npos);
  // An error is never a 304, whatever the client holds.
  CHECK(f.get("/api/nope", {}, "*").status == 404);
}

TEST_CASE("WebApi: /job/<malformed id> is the page with a 404; a well-formed unknown id is left to the page", "[server]") {
  Fixture f;
  const auto page = f.get("/");
  for (const std::string path : {"/job/notanid", "/job/", "/job/0123456789ABCDEF", "/job/0123456789abcdef0",
                                 "/job/0123456789abcdef/x", "/job/../etc/passwd"}) {
    INFO(path);
    const auto r = f.get(path);
    CHECK(r.status == 404);
    CHECK(r.content_type == "text/html; charset=utf-8");
    CHECK(r.body == page.body.str());  // the page, which shows its not-found state
  }
  const auto unknown = f.get("/job/0123456789abcdef");
  CHECK(unknown.status == 200);
  CHECK(unknown.body == page.body.str());
}

TEST_CASE("WebApi: /healthz tells the job count only to who holds the token", "[server]") {
  Fixture t("s3cret");
  const auto anonymous = t.get("/healthz");
  CHECK(anonymous.status == 200);
  CHECK(json::parse(anonymous.body) == json::parse(R"({"ok":true})"));
  const auto bearer = json::parse(t.get("/healthz", {}, "", "Bearer s3cret").body);
  CHECK(bearer.at("ok") == true);
  CHECK(bearer.at("jobs") == 3);
  CHECK(bearer.as_object().contains("version"));
  CHECK(json::parse(t.get("/healthz", {}, "", "Bearer wrong").body).as_object().size() == 1);

  Fixture open;  // no token configured (loopback only): everything is for the local user
  CHECK(json::parse(open.get("/healthz").body).at("jobs") == 3);
}
