// The Notifier with a real command as its target: which transitions are
// news, the silent baseline of a fresh start, the state file that survives
// restarts (sent events not repeated, unsent ones delivered after), retries
// with backoff, corrupt state files, and the documented bodies.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <filesystem>

#include "jobmon/notify/notifier.hpp"
#include "temp_tree.hpp"

using namespace jobmon;

namespace {

JobObservation job(const std::string& name, JobStatus status) {
  JobObservation o;
  o.key = "/logs/" + name;
  o.name = name;
  o.kind = "datatrove";
  o.status = status;
  o.reason = "because";
  o.done = 3;
  o.total = 4;
  return o;
}

// Each delivered event, as the command saw it: one JSON object per line.
std::vector<boost::json::object> delivered(const test::TempTree& t) {
  std::vector<boost::json::object> out;
  const std::string text = std::filesystem::exists(t.path("events")) ? test::read_text(t.path("events")) : "";
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    out.push_back(boost::json::parse(text.substr(start, end - start)).as_object());
    start = end + 1;
  }
  return out;
}

NotifyOptions options(const test::TempTree& t) {
  NotifyOptions o;
  o.command = "printf '%s\\n' \"$JOBMON_EVENT_JSON\" >> '" + t.path("events") + "'";
  o.state_file = t.path("state/notify.json");
  o.source = "test";
  o.first_retry_seconds = 0.05;
  o.max_retry_seconds = 0.2;
  return o;
}

}  // namespace

TEST_CASE("Notifier: one event per transition that is news, none on a fresh start's baseline", "[notify]") {
  test::TempTree t;
  {
    Notifier n(options(t));
    n.observe({job("a", JobStatus::running), job("old", JobStatus::complete), job("bad", JobStatus::failed)}, 100);
    REQUIRE(n.flush(10));
    CHECK(delivered(t).empty());  // the baseline: 500 finished jobs on the first start send nothing
    n.observe({job("a", JobStatus::running), job("old", JobStatus::complete), job("bad", JobStatus::failed)}, 101);
    n.observe({job("a", JobStatus::stalled), job("old", JobStatus::complete), job("bad", JobStatus::failed)}, 102);
    n.observe({job("a", JobStatus::running), job("bad", JobStatus::pending), job("new", JobStatus::failed)}, 103);
    n.observe({job("a", JobStatus::complete), job("bad", JobStatus::running), job("new", JobStatus::failed)}, 104);
    REQUIRE(n.flush(10));
    const auto events = delivered(t);
    REQUIRE(events.size() == 5);
    auto word = [&](std::size_t i) { return std::string(events[i].at("event").as_string()) + " " + std::string(events[i].at("job").at("name").as_string()); };
    CHECK(word(0) == "stalled a");
    CHECK(word(1) == "recovered a");
    CHECK(word(2) == "recovered bad");  // failed -> pending: a relaunch
    CHECK(word(3) == "failed new");     // first seen after the baseline: pending before
    CHECK(word(4) == "complete a");
    CHECK(events[0].at("previous_status") == "running");
    CHECK(events[0].at("job").at("status") == "stalled");
    CHECK(events[0].at("job").at("done") == 3);
    CHECK(events[0].at("source") == "test");
    CHECK(events[0].at("at") == "1970-01-01T00:01:42Z");
    CHECK(events[0].at("id") != events[1].at("id"));
    CHECK(n.stats().delivered == 5);
  }
  // A restart: the state file remembers; the same states send nothing again,
  // a change made while it was down is news.
  Notifier again(options(t));
  again.observe({job("a", JobStatus::complete), job("bad", JobStatus::failed), job("new", JobStatus::failed)}, 200);
  REQUIRE(again.flush(10));
  const auto events = delivered(t);
  REQUIRE(events.size() == 6);
  CHECK(events[5].at("event") == "failed");
  CHECK(events[5].at("job").at("name") == "bad");
}

TEST_CASE("Notifier: retries with backoff, gives up after max_attempts, keeps undelivered events across a restart",
          "[notify]") {
  test::TempTree t;
  NotifyOptions o = options(t);
  // Fails twice, then delivers: a target that is down for a moment.
  o.command = "n=$(cat '" + t.path("tries") + "' 2>/dev/null || echo 0); echo $((n+1)) > '" + t.path("tries") +
              "'; [ $n -ge 2 ] && printf '%s\\n' \"$JOBMON_EVENT_JSON\" >> '" + t.path("events") + "'";
  {
    Notifier n(o);
    n.observe({job("a", JobStatus::running)}, 1);
    n.observe({job("a", JobStatus::failed)}, 2);
    REQUIRE(n.flush(10));
    CHECK(delivered(t).size() == 1);
    CHECK(n.stats().retries == 2);
    CHECK(n.stats().delivered == 1);
  }
  // A target that is down for good: given up after max_attempts, said in stats.
  test::TempTree t2;
  NotifyOptions down = options(t2);
  down.command = "exit 3";
  down.max_attempts = 3;
  {
    Notifier n(down);
    n.observe({job("a", JobStatus::running)}, 1);
    n.observe({job("a", JobStatus::failed)}, 2);
    REQUIRE(n.flush(10));
    CHECK(n.stats().given_up == 1);
    CHECK(n.stats().last_error == "exit 3");
  }
  // Stopped while the target is down (long backoff): the event is kept and
  // delivered by the next start once the target is back.
  test::TempTree t3;
  NotifyOptions slow = options(t3);
  slow.command = "exit 1";
  slow.first_retry_seconds = 60;
  {
    Notifier n(slow);
    n.observe({job("a", JobStatus::running)}, 1);
    n.observe({job("a", JobStatus::failed)}, 2);
    n.flush(0.5);
  }
  CHECK(test::read_text(slow.state_file).find("\"pending\":[{") != std::string::npos);
  Notifier back(options(t3));
  REQUIRE(back.flush(10));
  const auto events = delivered(t3);
  REQUIRE(events.size() == 1);
  CHECK(events[0].at("event") == "failed");
}

TEST_CASE("Notifier: a corrupt state file is set aside, bodies are valid JSON whatever the names", "[notify]") {
  test::TempTree t;
  t.mkdir("state");
  t.write("state/notify.json", "{not json");
  Notifier n(options(t));
  CHECK(n.stats().last_error.find("set aside") != std::string::npos);
  CHECK(std::filesystem::exists(t.path("state/notify.json.corrupt")));
  NotifyEvent e;
  e.id = "1-1";
  e.kind = NotifyEventKind::failed;
  e.previous = JobStatus::running;
  e.at = 0;
  e.job = job("bad\xff\"name\n", JobStatus::failed);
  // A byte that is not UTF-8 is written as \udcff (Python's surrogateescape), the rest escaped.
  const std::string raw = notification_json(e, "src");
  CHECK(raw.find("\"name\":\"bad\\udcff\\\"name\\n\"") != std::string::npos);
  e.job = job("bad\"name\n", JobStatus::failed);
  const auto body = boost::json::parse(notification_json(e, "src")).as_object();
  CHECK(body.at("job").at("name") == "bad\"name\n");
  CHECK(body.at("event") == "failed");
  CHECK(body.at("job").at("status") == "failed");
  const auto slack = boost::json::parse(slack_json(e, "src")).as_object();
  CHECK(std::string(slack.at("text").as_string()).find("failed (running → failed): 3/4 done") != std::string::npos);
}
