// /api/compare: two real datatrove jobs (the fixtures, written by datatrove)
// side by side, steps matched by position with their ratios.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "jobmon/clock.hpp"
#include "jobmon/server/web_api.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace json = boost::json;

TEST_CASE("/api/compare: two runs of one pipeline, step by step", "[server]") {
  test::TempTree t;
  test::copy_tree(std::string(JOBMON_FIXTURES_DIR) + "/datatrove", t.path("logs"));
  JobRegistry registry(std::make_shared<LocalStorage>(), {t.path("logs")});
  registry.refresh(wall_clock_now());
  HostResources resources;
  WebApi api(registry, resources);
  std::string a, b;
  for (const auto& e : registry.entries()) (e.name.ends_with("-40") ? a : b) = e.id;
  HttpRequest r;
  r.path = "/api/compare";
  r.query = {{"a", a}, {"b", b}};
  const HttpResponse answer = api.handle(r);
  REQUIRE(answer.status == 200);
  const json::object o = json::parse(std::string(answer.body)).as_object();
  CHECK(o.at("a").at("name") == "tokenize_CC-MAIN-2023-40");
  CHECK(o.at("a").at("status") == "complete");
  CHECK(o.at("b").at("status") == "failed");
  CHECK(o.at("b").at("failed") == 2);
  CHECK(o.at("same_kind") == true);
  const auto& steps = o.at("steps").as_array();
  REQUIRE(steps.size() == 4);  // the fixtures' pipelines have four steps
  CHECK(steps[0].at("a").at("name") == steps[0].at("b").at("name"));
  CHECK(steps[0].at("time_ratio").is_double());
  CHECK(o.at("steps_source").at("a") == "stats.json");

  r.query = {{"a", a}, {"b", "0000000000000000"}};
  CHECK(api.handle(r).status == 404);
  r.query = {{"a", a}};
  CHECK(api.handle(r).status == 404);
}
