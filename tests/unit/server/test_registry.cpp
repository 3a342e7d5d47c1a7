#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "jobmon/clock.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/error.hpp"
#include "jobmon/server/server.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace json = boost::json;

TEST_CASE("JobRegistry: entries are typed by kind, status and source", "[server]") {
  test::TempTree tree;
  tree.make_job("outputs/done", 2, {0, 1});
  tree.make_job("outputs/going", 4, {0});
  test::copy_tree(std::string(JOBMON_TEST_DATA) + "/dj/failed", tree.path("outputs/dj_failed"));
  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("outputs")});
  registry.refresh(wall_clock_now());
  const auto view = registry.entries_view();
  REQUIRE(view->size() == 3);
  for (const auto& e : *view) {
    INFO(e.path);
    if (e.name == "done") {
      CHECK(e.kind() == JobKind::datatrove);
      CHECK(e.status == JobStatus::complete);
      CHECK(std::get<JobRow>(e.source).job->completed == 2);
      CHECK(e.in(Lifecycle::past));
      CHECK_FALSE(e.in(Lifecycle::current));
    } else if (e.kind() == JobKind::data_juicer) {
      CHECK(e.status == JobStatus::failed);
      CHECK(std::get<std::shared_ptr<const Snapshot>>(e.source) != nullptr);
    } else {
      CHECK(e.status != JobStatus::complete);
      CHECK(e.in(Lifecycle::current));
    }
    CHECK(e.in(Lifecycle::any));
    // The wire keeps its strings: one to_string at the edge.
    CHECK(json::parse(*e.summary_text).at("kind") == to_string(e.kind()));
    CHECK(json::parse(*e.summary_text).at("status") == to_string(e.status));
  }
  CHECK(std::string(to_string(JobKind::data_juicer)) == "data_juicer");
}

TEST_CASE("JobRegistry: a null storage is resolved from the targets", "[server]") {
  test::TempTree tree;
  tree.make_job("outputs/going", 4, {0});
  test::copy_tree(std::string(JOBMON_TEST_DATA) + "/dj/failed", tree.path("outputs/dj_failed"));
  JobRegistry registry(nullptr, {tree.path("outputs")});
  registry.refresh(wall_clock_now());
  CHECK(registry.entries_view()->size() == 2);
  CHECK(registry.storage().join("a", "b") == "a/b");
  // The same rule as storage_for_targets: mixing s3:// and local paths is a usage error.
  CHECK_THROWS_AS(JobRegistry(nullptr, {"s3://bucket/logs", tree.path("outputs")}), UsageError);
}

TEST_CASE("JobRegistry: find shares the entry and keeps it alive across refreshes", "[server]") {
  test::TempTree tree;
  tree.make_job("logs/job", 4, {0});
  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("logs")});
  registry.refresh(wall_clock_now());
  const std::string id = registry.entries_view()->at(0).id;
  const auto found = registry.find(id);
  REQUIRE(found);
  CHECK(found.get() == &registry.entries_view()->at(0));  // no copy
  CHECK_FALSE(registry.find("0000000000000000"));

  tree.add_markers("logs/job", {1, 2, 3});
  registry.refresh(wall_clock_now());
  CHECK(found->done == 1);  // the old list lives as long as someone holds an entry of it
  CHECK(registry.find(id)->done == 4);
}

TEST_CASE("EventStream: change frames, keep-alives, and the end", "[server]") {
  test::TempTree tree;
  tree.make_job("logs/job", 4, {0});
  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("logs")});
  registry.refresh(wall_clock_now());
  EventStream events(registry);
  CHECK(events.next(0.01) == ": keep-alive\n\n");

  tree.add_markers("logs/job", {1});
  registry.refresh(wall_clock_now());
  const auto frame = events.next(5);
  REQUIRE(frame);
  CHECK(frame->starts_with("event: change\nid: " + std::to_string(registry.version()) + "\ndata: "));
  const auto data = json::parse(frame->substr(frame->find("data: ") + 6));
  CHECK(data.at("version") == registry.version());
  CHECK(data.at("changes").at(0).at("status") == "running");
  CHECK(data.at("changes").at(0).at("completed") == 2);
  CHECK(events.next(0.01) == ": keep-alive\n\n");  // nothing new since that frame

  registry.close();
  CHECK_FALSE(events.next(5));
}

TEST_CASE("EventStream: a job that is gone is reported as removed", "[server]") {
  const std::string frame = change_event(7, {{"00000000000000ab", std::nullopt, 0}});
  CHECK(frame ==
        "event: change\nid: 7\ndata: {\"version\":7,\"changes\":[{\"id\":\"00000000000000ab\",\"status\":\"removed\","
        "\"completed\":0}]}\n\n");
}

TEST_CASE("HostResources: disks of the watched targets", "[server]") {
  CHECK(disk_paths_for({"/data/run/*/logs", "s3://bucket/x"}) == std::vector<std::string>{"/data/run"});
  CHECK(disk_paths_for({"s3://bucket/x"}) == std::vector<std::string>{"/"});
}

// Issue 13: a refresh held two full lists of 10,000 entries, each with its
// parsed summary and its text (104 MB peak with no client at all). An
// unchanged job's entry is now carried over sharing its serialised summary,
// and no parsed JSON is kept per job.
TEST_CASE("JobRegistry: a refresh shares an unchanged job's summary text instead of copying it", "[server]") {
  test::TempTree tree;
  tree.make_job("logs/done", 2, {0, 1});
  tree.make_job("logs/going", 4, {0});
  // Settled listings (mtimes an hour old), as a real tree's: the scanner then reuses its cached states.
  const double old = wall_clock_now() - 3600;
  for (const char* dir : {"logs/done/completions", "logs/going/completions", "logs/done", "logs/going", "logs"})
    tree.set_mtime(dir, old);
  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("logs")});
  registry.refresh(wall_clock_now());
  const auto before = registry.entries_view();
  registry.refresh(wall_clock_now());
  const auto after = registry.entries_view();
  REQUIRE(before->size() == 2);
  REQUIRE(after->size() == 2);
  for (std::size_t i = 0; i < after->size(); ++i) {
    const RegistryEntry& a = (*before)[i];
    const RegistryEntry& b = (*after)[i];
    INFO(b.name);
    REQUIRE(b.summary_text);
    CHECK(*a.summary_text == *b.summary_text);
    if (b.status == JobStatus::complete) CHECK(a.summary_text.get() == b.summary_text.get());  // the same bytes
  }
  // A job's detail still starts from its summary's keys.
  const auto detail = registry.detail(after->front().id);
  REQUIRE(detail);
  CHECK(detail->at("name").as_string() == after->front().name.c_str());
  CHECK(detail->at("status") == to_string(after->front().status));
}
