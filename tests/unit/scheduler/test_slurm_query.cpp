// SlurmQuery as a caller sees it: one squeue and one sacct per refresh for
// every job, the cached answer within the refresh interval, a hung squeue
// cut off at the timeout, nothing at all without Slurm. The commands are
// small scripts that serve the real answers captured from the test cluster
// (tests/data/slurm/) and log their arguments; the real cluster is
// tests/e2e/test_slurm_query.sh.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "jobmon/scheduler/slurm_query.hpp"
#include "scheduler/background_query.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace fs = std::filesystem;

namespace {

struct FakeSlurm {
  test::TempTree tree;
  SlurmCommands commands;
  // SQUEUE_BODY / SACCT_BODY: what each script does after logging its arguments.
  FakeSlurm(const std::string& squeue_body, const std::string& sacct_body) {
    const std::string data = std::string(JOBMON_TEST_DATA) + "/slurm/";
    write("squeue", "#!/bin/sh\necho \"squeue $*\" >> " + tree.path("calls") + "\nDATA=" + data + "\n" + squeue_body + "\n");
    write("sacct", "#!/bin/sh\necho \"sacct $*\" >> " + tree.path("calls") + "\nDATA=" + data + "\n" + sacct_body + "\n");
    commands.squeue = tree.path("squeue");
    commands.sacct = tree.path("sacct");
  }
  void write(const std::string& name, const std::string& script) {
    tree.write(name, script);
    fs::permissions(tree.path(name), fs::perms::owner_all);
  }
  std::string calls() const { return fs::exists(tree.path("calls")) ? test::read_text(tree.path("calls")) : ""; }
};

const char* const sacct_fields =
    "JobID,JobIDRaw,State,ExitCode,Start,End,Elapsed,Submit,Timelimit,NodeList,Reason,WorkDir,JobName";
const std::string serve_json_squeue = R"(cat "$DATA/squeue_ended.json")";
const std::string serve_json_sacct = R"(cat "$DATA/sacct_ended.json")";

}  // namespace

TEST_CASE("SlurmQuery: one squeue --json and one sacct --json -j <all ids> per refresh, cached", "[scheduler]") {
  FakeSlurm slurm(serve_json_squeue, serve_json_sacct);
  SchedulerOptions options;
  options.refresh_seconds = 10;
  SlurmQuery query(options, slurm.commands);
  const auto a = query.query({"2", "1"}, 1000);
  CHECK(a.available);
  CHECK(a.kind == "slurm");
  CHECK(a.problems.empty());
  REQUIRE(a.find("1", 2) != nullptr);
  CHECK(a.find("1", 2)->state == TaskState::timeout);
  // The merge job (3) waits on array 1: found through squeue, asked of sacct too.
  CHECK(slurm.calls() == "squeue --json\nsacct --json -j 1,2,3\n");
  CHECK(query.squeue_calls() == 1);
  CHECK(query.sacct_calls() == 1);

  // Within the interval, the same ids (or fewer): the cached answer.
  CHECK(query.query({"1"}, 1005).tasks.size() == a.tasks.size());
  CHECK(query.squeue_calls() == 1);
  // A new id asks again, once for all of them.
  query.query({"1", "2", "77"}, 1006);
  CHECK(query.squeue_calls() == 2);
  CHECK(query.sacct_calls() == 2);
  // Past the interval: asks again; a clock that went back does too.
  query.query({"1"}, 1020);
  CHECK(query.squeue_calls() == 3);
  query.query({"1"}, 900);
  CHECK(query.squeue_calls() == 4);
  CHECK(query.parsable_mode() == false);
}

TEST_CASE("SlurmQuery: --json refused -> the parsable forms, from then on", "[scheduler]") {
  const std::string refuse = R"(for a; do [ "$a" = --json ] && { echo "unrecognized option '--json'" >&2; exit 1; }; done
)";
  FakeSlurm slurm(refuse + R"(cat "$DATA/squeue_ended.txt")", refuse + R"(cat "$DATA/sacct_ended.txt")");
  SchedulerOptions options;
  options.refresh_seconds = 0;
  SlurmQuery query(options, slurm.commands);
  setenv("TZ", "UTC", 1);
  const auto a = query.query({"1", "2"}, 1796582300);
  CHECK(query.parsable_mode());
  CHECK(a.problems.empty());
  REQUIRE(a.find("1", 2) != nullptr);
  CHECK(a.find("1", 2)->state == TaskState::timeout);
  CHECK(a.find("1", 1)->exit_code == 1);
  query.query({"1", "2"}, 1796582400);
  const std::string calls = slurm.calls();
  // --json tried once (squeue's refusal settles it for sacct too); from then on -o / -P.
  CHECK(calls == "squeue --json\n"
                 "squeue -h -a -t all -o %A|%F|%K|%T|%r|%N|%S|%e|%V|%l|%Z|%u|%E|%j\n"
                 "sacct -n -P -j 1,2,3 -o " + std::string(sacct_fields) + "\n"
                 "squeue -h -a -t all -o %A|%F|%K|%T|%r|%N|%S|%e|%V|%l|%Z|%u|%E|%j\n"
                 "sacct -n -P -j 1,2,3 -o " + std::string(sacct_fields) + "\n");
}

TEST_CASE("SlurmQuery: a hung squeue is cut off at the timeout; sacct still answers", "[scheduler]") {
  FakeSlurm slurm("exec sleep 60", serve_json_sacct);
  SchedulerOptions options;
  options.timeout_seconds = 1;
  SlurmQuery query(options, slurm.commands);
  const auto start = std::chrono::steady_clock::now();
  const auto a = query.query({"1", "2"}, 1796582300);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(took < 5);
  CHECK(a.available);
  REQUIRE(a.problems.size() == 1);
  CHECK(a.problems[0] == slurm.commands.squeue + ": no answer within 1 s (killed)");
  // sacct alone: its word stands (squeue did not answer).
  REQUIRE(a.find("1", 2) != nullptr);
  CHECK(a.find("1", 2)->state == TaskState::timeout);
  CHECK(a.find("1", 2)->source == "sacct");
}

TEST_CASE("SlurmQuery: failing, lying and absent commands", "[scheduler]") {
  SECTION("squeue fails, sacct prints garbage") {
    FakeSlurm slurm("echo 'slurm_load_jobs error: Unable to contact slurm controller' >&2; exit 1", "echo '{not json'");
    SlurmQuery query({}, slurm.commands);
    const auto a = query.query({"1"}, 10);
    CHECK(a.available);
    REQUIRE(a.problems.size() == 2);
    CHECK(a.problems[0] == "squeue: exit 1 (slurm_load_jobs error: Unable to contact slurm controller)");
    CHECK(a.problems[1].rfind("sacct --json: unreadable JSON", 0) == 0);
    CHECK(a.tasks.empty());
  }
  SECTION("no squeue: not available, nothing run; an error only when Slurm was asked for by name") {
    FakeSlurm slurm(serve_json_squeue, serve_json_sacct);
    SlurmCommands commands = slurm.commands;
    commands.squeue = slurm.tree.path("no-such-squeue");
    SlurmQuery asked_for({}, commands);
    const auto a = asked_for.query({"1"}, 10);
    CHECK_FALSE(a.available);
    REQUIRE(a.problems.size() == 1);
    CHECK(a.problems[0] == commands.squeue + " not found on PATH: showing what the files say");
    CHECK(a.tasks.empty());
    SchedulerOptions automatic;
    automatic.unconfigured_is_absent = true;
    SlurmQuery quiet(automatic, commands);
    CHECK(quiet.query({"1"}, 10).problems.empty());
    CHECK(slurm.calls().empty());
  }
  SECTION("commands installed on a machine outside any cluster: absent for auto, a problem for slurm") {
    FakeSlurm slurm("echo 'squeue: error: _establish_config_source: failed to fetch config' >&2; exit 1", serve_json_sacct);
    SchedulerOptions automatic;
    automatic.unconfigured_is_absent = true;
    const auto quiet = SlurmQuery(automatic, slurm.commands).query({"1"}, 10);
    CHECK_FALSE(quiet.available);
    CHECK(quiet.problems.empty());
    const auto loud = SlurmQuery({}, slurm.commands).query({"1"}, 10);
    CHECK(loud.available);
    REQUIRE_FALSE(loud.problems.empty());
    CHECK(loud.problems[0].find("_establish_config_source") != std::string::npos);
  }
  SECTION("a job name finds the queued arrays no id names yet, asked of sacct with the ids") {
    FakeSlurm slurm(R"(cat "$DATA/squeue_running.json")", R"(cat "$DATA/sacct_running.json")");
    SlurmQuery query({}, slurm.commands);
    const auto a = query.query(SchedulerRequest{{"1"}, {"jm-held"}}, 10);
    REQUIRE(a.find("2", 3) != nullptr);  // the held array, found by its name
    CHECK(a.find("2", 3)->state == TaskState::pending);
    CHECK(a.find("2", 3)->reason == "JobHeldUser");
    CHECK(slurm.calls() == "squeue --json\nsacct --json -j 1,2,3\n");
    // A name not asked before asks again within the refresh interval.
    query.query(SchedulerRequest{{"1"}, {"jm-held"}}, 11);
    CHECK(query.squeue_calls() == 1);
    query.query(SchedulerRequest{{"1"}, {"other"}}, 12);
    CHECK(query.squeue_calls() == 2);
  }
  SECTION("no ids: squeue only, no sacct") {
    FakeSlurm slurm(serve_json_squeue, serve_json_sacct);
    SlurmQuery query({}, slurm.commands);
    CHECK(query.query(std::vector<std::string>{}, 10).tasks.empty());
    CHECK(slurm.calls() == "squeue --json\n");
  }
  SECTION("an endless squeue is cut off by the output cap") {
    // A list of jobs that never ends: read as it comes, stopped at the cap.
    FakeSlurm slurm("printf '{\"jobs\": ['; yes '{\"job_id\": 1},'", serve_json_sacct);
    SchedulerOptions options;
    options.max_output_bytes = 1 << 20;
    SlurmQuery query(options, slurm.commands);
    const auto a = query.query({"1"}, 10);
    REQUIRE_FALSE(a.problems.empty());
    CHECK(a.problems[0] == slurm.commands.squeue + ": output over 1048576 bytes (killed)");
  }
  SECTION("an answer that is no JSON stops the command at once") {
    FakeSlurm slurm("exec yes", serve_json_sacct);
    SlurmQuery query({}, slurm.commands);
    const auto a = query.query({"1"}, 10);
    REQUIRE_FALSE(a.problems.empty());
    CHECK(a.problems[0] == "squeue --json: unreadable JSON (not a JSON object)");
  }
}

TEST_CASE("make_scheduler_query: auto is Slurm only where squeue is on PATH", "[scheduler]") {
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  test::TempTree empty;
  setenv("PATH", empty.root().c_str(), 1);
  CHECK(make_scheduler_query(SchedulerChoice::automatic)->kind() == "none");
  // Chosen explicitly but absent: a Slurm query that answers "not available".
  auto slurm = make_scheduler_query(SchedulerChoice::slurm);
  CHECK(slurm->kind() == "slurm");
  CHECK_FALSE(slurm->query({"1"}, 10).available);
  empty.write("squeue", "#!/bin/sh\nexit 0\n");
  fs::permissions(empty.path("squeue"), fs::perms::owner_all);
  CHECK(make_scheduler_query(SchedulerChoice::automatic)->kind() == "slurm");
  setenv("PATH", saved.c_str(), 1);
}

TEST_CASE("asked in the background: the answer at hand at once, the fresh one on the next refresh", "[scheduler]") {
  // squeue takes a second from its second call on: a refresh must not wait for it.
  FakeSlurm slurm(R"sh([ "$(grep -c squeue "$(dirname "$0")/calls")" -ge 2 ] && sleep 1; )sh" + serve_json_squeue,
                  serve_json_sacct);
  SchedulerOptions options;
  options.refresh_seconds = 10;
  options.ask_in_background = true;
  auto query = detail::ask_in_background(std::make_unique<SlurmQuery>(options, slurm.commands), options.refresh_seconds);
  CHECK(query->kind() == "slurm");
  // The first question is answered before the refresh goes on.
  const auto first = query->shared_query({{"1"}, {}}, 1000);
  REQUIRE(first->available);
  REQUIRE(first->find("1", 2) != nullptr);
  CHECK(first->taken_at == 1000);
  // Within the interval: the same answer, nothing asked.
  CHECK(query->shared_query({{"1"}, {}}, 1005) == first);
  // Past it: still the answer at hand, at once, while a fresh one is asked.
  const auto start = std::chrono::steady_clock::now();
  CHECK(query->shared_query({{"1"}, {}}, 1011) == first);
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 0.5);
  std::shared_ptr<const SchedulerAnswer> fresh = first;
  for (int i = 0; i < 100 && fresh == first; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    fresh = query->shared_query({{"1"}, {}}, 1012);
  }
  REQUIRE(fresh != first);
  CHECK(fresh->taken_at == 1011);
  CHECK(fresh->find("1", 2) != nullptr);
  // An id the answer at hand has not been asked about: answered before the refresh goes on.
  const auto wider = query->shared_query({{"1", "2"}, {}}, 1013);
  CHECK(wider->taken_at == 1013);
  CHECK(slurm.calls() == "squeue --json\nsacct --json -j 1,3\nsqueue --json\nsacct --json -j 1,3\n"
                         "squeue --json\nsacct --json -j 1,2,3\n");
}

TEST_CASE("SlurmQuery: a job whose tasks all ended, out of the queue, is not asked of sacct again", "[scheduler]") {
  // The queue has forgotten arrays 1 and 2 (past MinJobAge) until `requeued` exists.
  FakeSlurm slurm(R"sh(if [ -f "$(dirname "$0")/requeued" ]; then cat "$DATA/squeue_running.json"; else echo '{"jobs": []}'; fi)sh",
                  serve_json_sacct);
  SchedulerOptions options;
  options.refresh_seconds = 10;
  SlurmQuery query(options, slurm.commands);
  const auto first = query.query({"1", "2"}, 1000);
  REQUIRE(first.find("1", 2) != nullptr);
  CHECK(first.find("1", 2)->state == TaskState::timeout);
  CHECK(first.find("1", 1)->state == TaskState::failed);
  // Every task of 1 and 2 ended: the next questions ask squeue only, and
  // the answer says the same.
  const auto second = query.query({"1", "2"}, 1020);
  CHECK(slurm.calls() == "squeue --json\nsacct --json -j 1,2\nsqueue --json\n");
  CHECK(second.problems.empty());
  REQUIRE(second.tasks.size() == first.tasks.size());
  for (std::size_t i = 0; i < first.tasks.size(); ++i) {
    CHECK(second.tasks[i].job_id == first.tasks[i].job_id);
    CHECK(second.tasks[i].state == first.tasks[i].state);
    CHECK(second.tasks[i].exit_code == first.tasks[i].exit_code);
  }
  // A new id is asked, the settled ones are not.
  query.query({"1", "2", "77"}, 1040);
  CHECK(query.sacct_calls() == 2);
  CHECK(slurm.calls().substr(slurm.calls().rfind("sacct")) == "sacct --json -j 77\n");
  // Back in the queue (a requeue): asked again, with the job that waits on it.
  slurm.tree.write("requeued", "");
  query.query({"1", "2"}, 1060);
  CHECK(query.sacct_calls() == 3);
  CHECK(slurm.calls().substr(slurm.calls().rfind("sacct")) == "sacct --json -j 1,2,3\n");
  // Out of the queue once more: its rows from before the requeue are not
  // served again; sacct is asked what the new run did.
  fs::remove(slurm.tree.path("requeued"));
  query.query({"1", "2"}, 1080);
  CHECK(query.sacct_calls() == 4);
  CHECK(slurm.calls().substr(slurm.calls().rfind("sacct")) == "sacct --json -j 1,2\n");
}

TEST_CASE("SlurmQuery: a job sacct still calls running is asked again, out of the queue or not", "[scheduler]") {
  FakeSlurm slurm(R"(echo '{"jobs": []}')", R"(cat "$DATA/sacct_running.json")");
  SchedulerOptions options;
  options.refresh_seconds = 10;
  SlurmQuery query(options, slurm.commands);
  const auto first = query.query({"1"}, 1000);
  // squeue no longer lists it, sacct has not caught up: not trusted, asked again.
  REQUIRE(first.find("1", 2) != nullptr);
  CHECK(first.find("1", 2)->state == TaskState::unknown);
  query.query({"1"}, 1020);
  query.query({"1"}, 1040);
  CHECK(query.sacct_calls() == 3);
}

TEST_CASE("asked in the background: a stepped clock asks again; quitting never waits on Slurm", "[scheduler]") {
  // From its second call on, squeue hangs (a controller that stopped answering).
  FakeSlurm slurm(R"sh([ "$(grep -c squeue "$(dirname "$0")/calls")" -ge 2 ] && exec sleep 60; )sh" + serve_json_squeue,
                  serve_json_sacct);
  SchedulerOptions options;
  options.refresh_seconds = 10;
  options.timeout_seconds = 60;
  auto query = detail::ask_in_background(std::make_unique<SlurmQuery>(options, slurm.commands), options.refresh_seconds);
  const auto first = query->shared_query({{"1"}, {}}, 1000);
  REQUIRE(first->available);
  // The clock stepped back past the answer: a fresh question starts (and hangs).
  CHECK(query->shared_query({{"1"}, {}}, 900) == first);
  for (int i = 0; i < 100 && slurm.calls().find("squeue --json\nsacct --json -j 1,3\nsqueue") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(slurm.calls() == "squeue --json\nsacct --json -j 1,3\nsqueue --json\n");
  // Dropping the query stops the hung squeue instead of waiting out its 60 s.
  const auto start = std::chrono::steady_clock::now();
  query.reset();
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 3);
}

TEST_CASE("SlurmQuery: stopped, it asks nothing more", "[scheduler]") {
  FakeSlurm slurm(serve_json_squeue, serve_json_sacct);
  SlurmQuery query({}, slurm.commands);
  query.stop();
  const auto a = query.query({"1"}, 1000);
  CHECK_FALSE(a.available);
  CHECK(a.problems == std::vector<std::string>{"slurm: not asked (stopped)"});
  CHECK(slurm.calls().empty());
}
