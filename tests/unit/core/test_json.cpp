#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "jobmon/datatrove/json.hpp"
#include "jobmon/json.hpp"

using namespace jobmon;
namespace json = boost::json;

TEST_CASE("Json: status document has the fixed keys", "[core]") {
  auto j = std::make_shared<JobState>();
  j->path = "/logs/a";
  j->name = "a";
  j->world_size = 5;
  j->done_ranks = {0, 2};
  j->completed = 2;
  j->launched_at = 1700000000;
  j->last_change_at = 1700000100;
  j->marker_mtimes = {1700000050, 1700000100};
  const Aggregate agg = aggregate({j}, 1700000200);
  const json::value doc = json::parse(to_pretty_json(status_document(agg, {Warning{"/logs/x", "not a job"}})));
  const auto& job = doc.at("jobs").at(0).as_object();
  CHECK(job.at("path") == "/logs/a");
  CHECK(job.at("name") == "a");
  CHECK(job.at("world_size") == 5);
  CHECK(job.at("completed") == 2);
  CHECK(job.at("complete") == false);
  CHECK(job.at("incomplete_ranks") == json::array{1, 3, 4});
  CHECK(job.at("incomplete_ranges") == "1,3-4");
  CHECK(job.at("eta_seconds").is_double());
  CHECK(job.at("launched_at") == "2023-11-14T22:13:20Z");
  const auto& summary = doc.at("summary").as_object();
  CHECK(summary.at("jobs_total") == 1);
  CHECK(summary.at("jobs_completed") == 0);
  CHECK(summary.at("tasks_total") == 5);
  CHECK(summary.at("tasks_completed") == 2);
  CHECK(doc.at("warnings").at(0).at("message") == "not a job");
}

TEST_CASE("Json: pretty printer keeps order and writes plain numbers", "[core]") {
  json::object o;
  o["z"] = 1;
  o["a"] = 100.0;
  o["m"] = 0.25;
  o["list"] = json::array{1, 2};
  o["nested"] = json::object{{"k", nullptr}};
  const std::string text = to_pretty_json(o);
  CHECK(text == "{\n  \"z\": 1,\n  \"a\": 100,\n  \"m\": 0.25,\n  \"list\": [1,2],\n  \"nested\": {\n    \"k\": null\n  }\n}\n");
  const json::value back = json::parse(text);
  CHECK(back.at("a").to_number<double>() == 100.0);
  CHECK(back.at("m").to_number<double>() == 0.25);
  CHECK(back.at("nested").at("k").is_null());
}

TEST_CASE("Json: hostile strings are escaped", "[core]") {
  auto j = std::make_shared<JobState>();
  j->path = "/logs/\"quoted\"\n\x01";
  j->name = "\"quoted\"\n\x01";
  j->world_size = 1;
  const Aggregate agg = aggregate({j}, 0);
  const json::value doc = json::parse(to_pretty_json(status_document(agg, {})));
  CHECK(doc.at("jobs").at(0).at("name") == "\"quoted\"\n\x01");
}
