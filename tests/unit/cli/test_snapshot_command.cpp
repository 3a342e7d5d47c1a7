// run_snapshot_command: the CLI behind jobmon-snapshot, driven in-process.
#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "jobmon/cli/snapshot_command.hpp"
#include "jobmon/error.hpp"

using namespace jobmon;
namespace json = boost::json;

namespace {
std::string dir(const std::string& name) { return std::string(JOBMON_TEST_DATA) + "/dj/" + name; }
}  // namespace

TEST_CASE("Snapshot: command prints one JSON document and warns on stderr", "[cli]") {
  SnapshotCommandOptions o;
  o.work_dir = dir("corrupt");
  std::ostringstream out, err;
  CHECK(run_snapshot_command(o, Console{out, err}) == ExitCode::ok);
  const auto doc = json::parse(out.str()).as_object();
  CHECK(doc.at("overall_status") == "completed");
  CHECK(err.str().find("skipped 7 unreadable line(s)") != std::string::npos);
}

TEST_CASE("Snapshot: command errors: missing work dir, no work dir, bad interval", "[cli]") {
  std::ostringstream out, err;
  SnapshotCommandOptions o;
  o.work_dir = dir("no-such-job");
  CHECK_THROWS_AS(run_snapshot_command(o, Console{out, err}), StorageError);
  CHECK(out.str().empty());
  o.work_dir.clear();
  CHECK_THROWS_AS(run_snapshot_command(o, Console{out, err}), UsageError);
  o.work_dir = dir("running");
  o.follow = true;
  o.interval_seconds = 0;
  CHECK_THROWS_AS(run_snapshot_command(o, Console{out, err}), UsageError);
}

TEST_CASE("Snapshot: command --follow prints one compact document per refresh", "[cli]") {
  SnapshotCommandOptions o;
  o.work_dir = dir("running");
  o.follow = true;
  o.interval_seconds = 0.01;
  o.max_refreshes = 3;
  std::ostringstream out, err;
  CHECK(run_snapshot_command(o, Console{out, err}) == ExitCode::ok);
  std::istringstream lines(out.str());
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    const auto doc = json::parse(line).as_object();
    CHECK(doc.at("progress_summary").at("completed_operations") == 3);
    ++count;
  }
  CHECK(count == 3);
  // A finished job ends the follow by itself.
  o.work_dir = dir("completed");
  o.max_refreshes = 0;
  std::ostringstream done;
  CHECK(run_snapshot_command(o, Console{done, err}) == ExitCode::ok);
  const std::string printed = done.str();
  CHECK(std::count(printed.begin(), printed.end(), '\n') == 1);
}

TEST_CASE("Snapshot: command --list as JSON and human-readable report", "[cli]") {
  SnapshotCommandOptions o;
  o.list_root = std::string(JOBMON_TEST_DATA) + "/dj";
  o.json_list = true;
  std::ostringstream out, err;
  CHECK(run_snapshot_command(o, Console{out, err}) == ExitCode::ok);
  CHECK(json::parse(out.str()).at("jobs").as_array().size() == 9);

  SnapshotCommandOptions h;
  h.work_dir = dir("failed");
  h.human_readable = true;
  h.color = ColorMode::never;
  std::ostringstream text;
  CHECK(run_snapshot_command(h, Console{text, err}) == ExitCode::ok);
  CHECK(text.str().find("DataJuicer Processing Snapshot - Job: failed_job") != std::string::npos);
  CHECK(text.str().find('\x1b') == std::string::npos);
}
