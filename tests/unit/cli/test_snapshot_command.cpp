// run_snapshot_command: the CLI behind jobmon-snapshot, driven in-process.
#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "jobmon/cli/snapshot_command.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/error.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace json = boost::json;

namespace {
std::string dir(const std::string& name) { return std::string(JOBMON_TEST_DATA) + "/dj/" + name; }
std::size_t count_lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }
std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}
// A console that is not a terminal (a pipe, a file): out_fd -1.
Console piped(std::ostream& out, std::ostream& err) { return Console{out, err, -1, -1, -1}; }
}  // namespace

TEST_CASE("Snapshot command: one JSON document, diagnostics on stderr", "[cli]") {
  SnapshotCommandOptions o;
  o.work_dir = dir("corrupt");
  std::ostringstream out, err;
  CHECK(run_snapshot_command(o, piped(out, err)) == ExitCode::ok);
  const auto doc = json::parse(out.str()).as_object();
  CHECK(doc.at("overall_status") == "completed");
  const auto skipped = doc.at("skipped_lines").at("total").to_number<std::int64_t>();
  CHECK(skipped > 0);
  // Blank lines count too: "not events", and each kind with its count, adding up to the total.
  CHECK(err.str().find("jobmon-snapshot: " + std::to_string(skipped) + " line(s) in " + dir("corrupt") +
                       " were not events: 2 blank, 5 corrupt, 1 without event_type, 1 out of range (first: ") !=
        std::string::npos);
  CHECK(skipped == 9);
  CHECK(err.str().find("unreadable") == std::string::npos);
  // A clean job: nothing on stderr.
  o.work_dir = dir("completed");
  std::ostringstream out2, err2;
  CHECK(run_snapshot_command(o, piped(out2, err2)) == ExitCode::ok);
  CHECK(err2.str().empty());
}

TEST_CASE("Snapshot command: errors: missing work dir, no work dir, bad interval", "[cli]") {
  std::ostringstream out, err;
  SnapshotCommandOptions o;
  o.work_dir = dir("no-such-job");
  CHECK_THROWS_AS(run_snapshot_command(o, piped(out, err)), StorageError);
  CHECK(out.str().empty());
  o.work_dir.clear();
  CHECK_THROWS_AS(run_snapshot_command(o, piped(out, err)), UsageError);
  o.work_dir = dir("running");
  o.follow = true;
  o.interval_seconds = 0;
  CHECK_THROWS_AS(run_snapshot_command(o, piped(out, err)), UsageError);
  SnapshotCommandOptions l;  // --follow --list with a bad interval: a usage error too
  l.list_root = dir("");
  l.follow = true;
  l.interval_seconds = -1;
  CHECK_THROWS_AS(run_snapshot_command(l, piped(out, err)), UsageError);
  CHECK(out.str().empty());
}

TEST_CASE("Snapshot command: --follow to a pipe prints a frame only when something changed", "[cli]") {
  SnapshotCommandOptions o;
  o.work_dir = dir("running");
  o.follow = true;
  o.interval_seconds = 0.01;
  o.max_refreshes = 5;
  std::ostringstream out, err;
  CHECK(run_snapshot_command(o, piped(out, err)) == ExitCode::ok);
  REQUIRE(count_lines(out.str()) == 1);  // 5 refreshes, nothing new: one document
  CHECK(json::parse(out.str()).at("progress_summary").at("completed_operations") == 3);

  // The same for the human view: one report, not five.
  o.human_readable = true;
  std::ostringstream human;
  CHECK(run_snapshot_command(o, piped(human, err)) == ExitCode::ok);
  CHECK(count_of(human.str(), "DataJuicer Processing Snapshot") == 1);
  CHECK(human.str().find("\x1b[2J") == std::string::npos);  // no screen clearing in a pipe

  // A finished job ends the follow by itself.
  o.human_readable = false;
  o.work_dir = dir("completed");
  o.max_refreshes = 0;
  std::ostringstream done;
  CHECK(run_snapshot_command(o, piped(done, err)) == ExitCode::ok);
  CHECK(count_lines(done.str()) == 1);
}

TEST_CASE("Snapshot command: --follow prints a new frame when events are appended", "[cli]") {
  test::TempTree tree;
  test::copy_tree(dir("running"), tree.path("live"));
  const std::string events = tree.path("live/events_20250917_120000.jsonl");
  SnapshotCommandOptions o;
  o.work_dir = tree.path("live");
  o.follow = true;
  o.interval_seconds = 0.05;
  o.max_refreshes = 200;  // 10 s at most; the job_complete ends it long before
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::ofstream(events, std::ios::app)
        << "me\":\"words_num_filter\",\"operation_idx\":1,\"duration\":2}\n"
        << "{\"event_type\":\"job_complete\",\"timestamp\":1758104420}\n";
  });
  std::ostringstream out, err;
  const ExitCode rc = run_snapshot_command(o, piped(out, err));
  writer.join();
  CHECK(rc == ExitCode::ok);
  std::istringstream lines(out.str());
  std::vector<json::object> docs;
  for (std::string line; std::getline(lines, line);) docs.push_back(json::parse(line).as_object());
  REQUIRE(docs.size() == 2);  // the first read and the appended events: nothing in between
  CHECK(docs[0].at("progress_summary").at("completed_operations") == 3);
  CHECK(docs[1].at("progress_summary").at("completed_operations") == 4);
  CHECK(docs[1].at("overall_status") == "completed");
}

TEST_CASE("Snapshot command: --list as JSON and as a table, and --follow --list", "[cli]") {
  SnapshotCommandOptions o;
  o.list_root = std::string(JOBMON_TEST_DATA) + "/dj";
  o.json_list = true;
  std::ostringstream out, err;
  CHECK(run_snapshot_command(o, piped(out, err)) == ExitCode::ok);
  const auto jobs = json::parse(out.str()).at("jobs").as_array();
  const std::size_t expected = list_jobs(o.list_root, 0).size();  // every corpus dir with events files
  CHECK(expected >= 9);
  CHECK(jobs.size() == expected);

  // --follow --list: the list again each interval; in a pipe only when it changed.
  o.follow = true;
  o.interval_seconds = 0.01;
  o.max_refreshes = 3;
  std::ostringstream followed;
  CHECK(run_snapshot_command(o, piped(followed, err)) == ExitCode::ok);
  REQUIRE(count_lines(followed.str()) == 1);  // one compact document per frame
  CHECK(json::parse(followed.str()).at("jobs").as_array().size() == expected);

  o.json_list = false;
  std::ostringstream table;
  CHECK(run_snapshot_command(o, piped(table, err)) == ExitCode::ok);
  CHECK(count_of(table.str(), "JOB ") == 1);
  CHECK(count_lines(table.str()) == expected + 1);  // the header and each job, once

  // A job that appears under the root while following: a second frame.
  test::TempTree tree;
  tree.mkdir("root");
  test::copy_tree(dir("completed"), tree.path("root/one"));
  SnapshotCommandOptions live;
  live.list_root = tree.path("root");
  live.follow = true;
  live.interval_seconds = 0.05;
  live.max_refreshes = 20;
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    test::copy_tree(dir("failed"), tree.path("staging"));
    std::filesystem::rename(tree.path("staging"), tree.path("root/two"));  // whole, at once
  });
  std::ostringstream grown;
  CHECK(run_snapshot_command(live, piped(grown, err)) == ExitCode::ok);
  writer.join();
  CHECK(count_of(grown.str(), "JOB ") == 2);
  CHECK(count_of(grown.str(), "failed_job") == 1);
}

TEST_CASE("Snapshot command: human-readable report", "[cli]") {
  SnapshotCommandOptions h;
  h.work_dir = dir("failed");
  h.human_readable = true;
  h.color = ColorMode::never;
  std::ostringstream text, err;
  CHECK(run_snapshot_command(h, piped(text, err)) == ExitCode::ok);
  CHECK(text.str().find("DataJuicer Processing Snapshot - Job: failed_job") != std::string::npos);
  CHECK(text.str().find("📊 Overall Status: ❌ FAILED") != std::string::npos);
  CHECK(text.str().find('\x1b') == std::string::npos);
}
