// /api/stream resume: a reconnecting EventSource sends Last-Event-ID (the
// version of the last frame it got); the stream sends what changed since,
// at once, or a "reset" when that id cannot be resumed from.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "jobmon/clock.hpp"
#include "jobmon/server/event_stream.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace json = boost::json;

namespace {

struct Fixture {
  test::TempTree tree;
  JobRegistry registry{std::make_shared<LocalStorage>(), {tree.path("logs")}};

  Fixture() {
    tree.make_job("logs/job_a", 8, {0});
    tree.make_job("logs/job_b", 8, {0});
    registry.refresh(wall_clock_now());
  }
  // One more rank of a job done, and a refresh: the version moves by one.
  void step(const std::string& job, std::int64_t rank) {
    tree.add_markers("logs/" + job, {rank});
    registry.refresh(wall_clock_now());
  }
  std::string id_of(const std::string& name) const {
    for (const auto& e : registry.entries()) {
      if (e.name == name) return e.id;
    }
    return {};
  }
};

json::value data_of(const std::string& frame) {
  const auto at = frame.find("\ndata: ");
  REQUIRE(at != std::string::npos);
  return json::parse(frame.substr(at + 7, frame.find('\n', at + 7) - at - 7));
}

}  // namespace

TEST_CASE("EventStream resume: the changes since Last-Event-ID, at once and once", "[server]") {
  Fixture f;
  const std::uint64_t seen = f.registry.version();
  f.step("job_a", 1);
  f.step("job_b", 1);
  f.step("job_a", 2);
  REQUIRE(f.registry.version() == seen + 3);

  EventStream resumed(f.registry, std::to_string(seen));
  const auto frame = resumed.resume_frame();
  REQUIRE(frame.has_value());
  CHECK(frame->starts_with("event: change\nid: " + std::to_string(seen + 3) + "\ndata: "));
  const auto data = data_of(*frame);
  CHECK(data.at("version") == seen + 3);
  const auto& changes = data.at("changes").as_array();
  REQUIRE(changes.size() == 2);  // the latest state of each job that moved
  for (const auto& c : changes) {
    const std::string id(c.at("id").as_string());
    const bool a = id == f.id_of("job_a");
    CHECK((a || id == f.id_of("job_b")));
    CHECK(c.at("completed") == (a ? 3 : 2));
  }
  CHECK_FALSE(resumed.poll(false).has_value());  // not sent twice

  // Resumed from one version back: only what changed in the last step.
  EventStream one_back(f.registry, std::to_string(seen + 2));
  const auto last = data_of(*one_back.resume_frame());
  REQUIRE(last.at("changes").as_array().size() == 1);
  CHECK(std::string(last.at("changes").at(0).at("id").as_string()) == f.id_of("job_a"));
}

TEST_CASE("EventStream resume: up to date, new, and unusable ids", "[server]") {
  Fixture f;
  f.step("job_a", 1);
  const std::uint64_t now = f.registry.version();
  CHECK_FALSE(EventStream(f.registry, std::to_string(now)).resume_frame().has_value());  // nothing missed
  CHECK_FALSE(EventStream(f.registry).resume_frame().has_value());                      // a new client

  // Not a number, from a newer version (another server process), or negative: reset, at the current version.
  std::int64_t rank = 1;
  for (const std::string& word : std::vector<std::string>{"abc", "ahead", "-1", "1e3", "99999999999999999999999"}) {
    const std::uint64_t current = f.registry.version();
    const std::string id = word == "ahead" ? std::to_string(current + 1) : word;
    INFO(id);
    EventStream events(f.registry, id);
    const auto frame = events.resume_frame();
    REQUIRE(frame.has_value());
    CHECK(*frame == reset_event(current));
    CHECK(*frame == "event: reset\nid: " + std::to_string(current) + "\ndata: {\"version\":" + std::to_string(current) + "}\n\n");
    CHECK_FALSE(events.resume_frame().has_value());  // once
    f.step("job_b", rank++);
    const auto next = events.poll(false);  // then it goes on from the current version
    REQUIRE(next.has_value());
    CHECK(next->starts_with("event: change\n"));
    CHECK(data_of(*next).at("changes").as_array().size() == 1);
  }
}

TEST_CASE("EventStream resume: an id older than the changes kept is a reset, not a partial list", "[server]") {
  Fixture f;
  const std::uint64_t seen = f.registry.version();
  for (std::uint64_t i = 0; i <= kStreamResumeWindow; ++i) {  // a new job each refresh: each is a change
    f.tree.make_job("logs/extra_" + std::to_string(i), 2, {0});
    f.registry.refresh(wall_clock_now());
  }
  REQUIRE(f.registry.version() == seen + kStreamResumeWindow + 1);
  CHECK(*EventStream(f.registry, std::to_string(seen)).resume_frame() == reset_event(f.registry.version()));
  const auto inside = EventStream(f.registry, std::to_string(seen + 1)).resume_frame();
  REQUIRE(inside.has_value());
  CHECK(inside->starts_with("event: change\n"));
}
