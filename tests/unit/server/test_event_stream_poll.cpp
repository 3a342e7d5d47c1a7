// EventStream::poll: the non-blocking form the event-driven server calls on a
// timer; it must never wait, and must say what next() would have said.
#include <catch2/catch.hpp>
#include <chrono>

#include "jobmon/clock.hpp"
#include "jobmon/server/event_stream.hpp"
#include "temp_tree.hpp"

using namespace jobmon;

TEST_CASE("EventStream::poll: nothing, a keep-alive when due, then the change after a refresh", "[server]") {
  test::TempTree tree;
  tree.make_job("logs/job_a", 4, {0, 1});
  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("logs")});
  registry.refresh(wall_clock_now());
  EventStream events(registry);

  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(events.poll(false).has_value());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(500));  // it does not wait
  CHECK(events.poll(true) == std::optional<std::string>(": keep-alive\n\n"));

  tree.add_markers("logs/job_a", {2, 3});
  registry.refresh(wall_clock_now());
  const auto frame = events.poll(false);
  REQUIRE(frame.has_value());
  CHECK(frame->starts_with("event: change\nid: "));
  CHECK(frame->find("\"status\":\"complete\"") != std::string::npos);
  CHECK_FALSE(events.poll(false).has_value());  // that change is sent once
}
