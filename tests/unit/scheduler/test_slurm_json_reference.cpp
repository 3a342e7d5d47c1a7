// The simdjson On-Demand reader of squeue/sacct --json against the Boost.JSON
// reader it replaced (slurm_json_boost_reference.hpp): the same rows for the
// captured answers, for the shapes other Slurm versions write (numbers as
// {"set", "number"} objects, state lists, nulls, escapes, duplicate keys),
// and for thousands of answers edited at random (keys dropped, values
// swapped for other types); unreadable or cut answers give a problem, no
// rows and no crash.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "scheduler/slurm/slurm_json.hpp"
#include "slurm_json_boost_reference.hpp"

using namespace jobmon;
using namespace jobmon::detail;
namespace json = boost::json;

namespace {

std::string read_capture(const std::string& name) {
  std::ifstream in(std::string(JOBMON_TEST_DATA) + "/slurm/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  REQUIRE(!s.str().empty());
  return s.str();
}

template <class T>
std::string opt(const std::optional<T>& v) {
  if (!v) return "-";
  std::ostringstream s;
  s.precision(17);
  s << *v;
  return s.str();
}

// Every field of a row, in words: a difference shows in the failure message.
std::string describe(const SlurmRow& r) {
  const SchedulerTask& t = r.task;
  std::ostringstream s;
  s << t.array_job_id << "_" << opt(t.array_task_index) << " id=" << t.job_id << " state=" << to_string(t.state)
    << " slurm=" << t.slurm_state << " reason=" << t.reason << " exit=" << opt(t.exit_code) << " sig=" << opt(t.signal)
    << " submit=" << opt(t.submit_time) << " start=" << opt(t.start_time) << " end=" << opt(t.end_time)
    << " elapsed=" << opt(t.elapsed_seconds) << " limit=" << opt(t.time_limit_seconds) << " node=" << t.node
    << " out=" << t.stdout_path << " name=" << t.name << " dep=" << t.dependency << " source=" << t.source
    << " range=" << r.is_range << ":" << r.range.size() << " workdir=" << r.workdir << " pattern=" << r.output_pattern
    << " user=" << r.user;
  return s.str();
}

std::vector<std::string> describe(const SlurmRows& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows.rows) out.push_back(describe(r));
  if (!rows.problem.empty()) out.push_back("problem");
  return out;
}

enum class Kind { squeue, sacct };

SlurmRows parse_new(Kind k, const std::string& text) {
  return k == Kind::squeue ? parse_squeue_json(text) : parse_sacct_json(text);
}
SlurmRows parse_old(Kind k, const std::string& text) {
  return k == Kind::squeue ? reference::parse_squeue_json(text) : reference::parse_sacct_json(text);
}

void check_same(Kind k, const std::string& text) {
  INFO(text.substr(0, 2000));
  CHECK(describe(parse_new(k, text)) == describe(parse_old(k, text)));
}

// A random edit of a document: a key dropped, or a value replaced by
// another type, by null, or by a number in the {"set","number"} form.
void mutate(json::value& v, std::mt19937& rng, int depth = 0) {
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  if (auto* o = v.if_object(); o != nullptr && !o->empty()) {
    auto it = std::next(o->begin(), static_cast<std::ptrdiff_t>(pick(o->size())));
    const std::size_t what = pick(depth < 2 ? 2 : 9);
    if (what == 0 || depth < 2) return mutate(it->value(), rng, depth + 1);
    switch (what) {
      case 1: o->erase(it); return;
      case 2: it->value() = nullptr; return;
      case 3: it->value() = "None"; return;
      case 4: it->value() = json::array{"FAILED", "REQUEUED"}; return;
      case 5:
        if (it->value().is_number()) it->value() = json::object{{"set", true}, {"infinite", false}, {"number", it->value()}};
        else it->value() = json::object{{"set", false}, {"number", 7}};
        return;
      case 6: it->value() = -3.5; return;
      case 7: it->value() = true; return;
      default: return mutate(it->value(), rng, depth + 1);
    }
  }
  if (auto* a = v.if_array(); a != nullptr && !a->empty()) mutate((*a)[pick(a->size())], rng, depth + 1);
}

}  // namespace

TEST_CASE("the captured answers read the same as with Boost.JSON", "[scheduler]") {
  for (const char* name : {"squeue_running.json", "squeue_ended.json"}) check_same(Kind::squeue, read_capture(name));
  for (const char* name : {"sacct_running.json", "sacct_ended.json"}) check_same(Kind::sacct, read_capture(name));
  CHECK(parse_new(Kind::sacct, read_capture("sacct_ended.json")).rows.size() > 3);
}

TEST_CASE("other Slurm versions' shapes read the same as with Boost.JSON", "[scheduler]") {
  const std::vector<std::string> squeue = {
      R"({"jobs": [{"job_id": {"set": true, "infinite": false, "number": 37}, "array_job_id": {"set": true, "number": 34},
          "array_task_id": {"set": true, "number": 3}, "job_state": ["RUNNING", "COMPLETING"], "nodes": "n1",
          "start_time": {"set": true, "number": 1796580000}, "time_limit": {"set": true, "infinite": true, "number": 0},
          "standard_output": "/w/%A_%a.out", "user_name": "u"}]})",
      R"({"jobs": [{"job_id": 34, "array_job_id": 34, "array_task_id": {"set": false, "number": 0},
          "array_task_string": "3-5,7%2", "job_state": "PENDING", "state_reason": "JobArrayTaskLimit",
          "standard_output": "rel/%x_%a.out", "name": "dt", "current_working_directory": "/w", "user_name": null}]})",
      R"({"jobs": [{"job_id": 5, "name": "a\"b\\c\u00e9\ud83d\ude00", "dependency": "afterok:4_*(unfulfilled),afterany:5",
          "job_state": "FAILED", "exit_code": 256, "nodes": "None assigned", "state_reason": "None"},
          null, 3, "x", [], {"job_id": null}, {"job_id": 0}, {"job_id": -4}, {}]})",
      R"({"jobs": [{"job_id": 5, "job_state": "CANCELLED", "job_id": 6, "exit_code": 15, "exit_code": "x",
          "start_time": 1796580000, "nodes": "n", "nodes": 3}]})",
      R"({"jobs": [{"job_id": 5, "job_state": "TIMEOUT"}], "jobs": [{"job_id": 9, "job_state": "COMPLETED"}]})",
      R"({"meta": {"plugin": {"type": "openapi/dbv0.0.38"}}, "errors": [], "jobs": []})",
      R"({"jobs": [{"job_id": 1.5e1, "array_job_id": 1234567890123, "array_task_id": -0.0,
          "submit_time": 1e3, "job_state": [], "user_name": "x\ty"}]})",
  };
  for (const auto& s : squeue) check_same(Kind::squeue, s);
  const std::vector<std::string> sacct = {
      R"({"jobs": [{"job_id": 4, "array": {"job_id": 1, "task_id": {"set": true, "number": 0}, "task": null},
          "state": {"current": ["OUT_OF_MEMORY"], "reason": "None"}, "nodes": "n",
          "time": {"start": {"set": true, "number": 10}, "end": 20, "elapsed": 10, "limit": {"set": true, "number": 60}},
          "exit_code": {"status": ["SIGNALED"], "return_code": {"set": true, "number": 0}, "signal": {"signal_id": {"set": true, "number": 9}}},
          "steps": [{"step": {"id": "batch"}, "state": "CANCELLED", "exit_code": {"return_code": 0, "signal": {"signal_id": 15}}},
                    {"step": {"id": "0"}, "state": ["OUT_OF_MEMORY"], "exit_code": {"return_code": 125}}, null, 7]}]})",
      R"({"jobs": [{"job_id": 34, "array": {"job_id": 34, "task_id": null, "task": "0x38"},
          "state": {"current": "CANCELLED by 0", "reason": "None"}, "time": {"start": 0}, "steps": {}}]})",
      R"({"jobs": [{"job_id": 7, "array": 3, "state": "FAILED", "time": [], "exit_code": {"return_code": 2},
          "steps": [{"step": "batch", "state": null}], "working_directory": "/w\/x"}]})",
      R"({"jobs": [{"job_id": 7, "array": {"job_id": 1, "task_id": 2}, "array": {"task": "1-3"},
          "state": {"current": "FAILED"}, "state": {"reason": "x"}, "time": {"start": 5}, "time": {"end": 9},
          "nodes": "n", "exit_code": {"return_code": 1, "signal": {"signal_id": 9}, "signal": null},
          "steps": [{"step": {"id": "batch", "id": "0"}, "state": "OUT_OF_MEMORY", "exit_code": {"return_code": 125}}]}]})",
      R"({"jobs": [{"job_id": 8, "array": {"job_id": 1, "task_id": 3}, "state": {"current": "TIMEOUT"},
          "time": {"start": 5, "end": 9, "elapsed": {"set": false}}, "nodes": "n",
          "exit_code": {"status": "SUCCESS", "return_code": 0},
          "steps": [{"step": {"id": "batch"}, "state": "CANCELLED", "exit_code": {"return_code": 0, "signal": {"signal_id": 15}}}]}]})",
  };
  for (const auto& s : sacct) check_same(Kind::sacct, s);
}

TEST_CASE("randomly edited answers read the same as with Boost.JSON", "[scheduler]") {
  std::mt19937 rng(15);
  const std::vector<std::pair<Kind, std::string>> captures = {
      {Kind::squeue, read_capture("squeue_running.json")}, {Kind::squeue, read_capture("squeue_ended.json")},
      {Kind::sacct, read_capture("sacct_running.json")}, {Kind::sacct, read_capture("sacct_ended.json")}};
  for (const auto& [kind, text] : captures) {
    const json::value original = json::parse(text);
    for (int round = 0; round < 400; ++round) {
      json::value doc = original;
      const int edits = 1 + static_cast<int>(rng() % 6);
      for (int e = 0; e < edits; ++e) mutate(doc, rng);
      check_same(kind, json::serialize(doc));
    }
  }
}

TEST_CASE("cut or broken answers give a problem, never rows or a crash", "[scheduler]") {
  const std::string text = read_capture("sacct_ended.json");
  for (std::size_t cut = 0; cut < text.size(); cut += 1 + cut / 50) {
    const SlurmRows rows = parse_sacct_json(text.substr(0, cut));
    INFO("cut at " << cut);
    CHECK(!rows.problem.empty());
    CHECK(rows.rows.empty());
  }
  for (const std::string& bad : std::vector<std::string>{"", "   ", "{", "}", "[]", "null", "{\"jobs\": {}}", "{\"jobs\": [}",
                                "{\"jobs\": []} {}", "{\"jobs\": [{\"job_id\": 1, \"name\": \"\\x\"}]}",
                                "{\"jobs\": [{\"job_id\": 12x}]}", "{\"jobs\": [{\"job_id\": 1, \"name\": \"\xff\"}]}",
                                "{\"jobs\": [{\"job_id\": 1, \"name\": \"\\ud800\"}]}", std::string("{\"jobs\": [\0]}", 14)}) {
    INFO(bad);
    const SlurmRows rows = parse_squeue_json(bad);
    CHECK(!rows.problem.empty());
    CHECK(rows.rows.empty());
  }
  // Nesting far past any real answer: refused or skipped, without recursion.
  const std::string deep_number = "{\"jobs\": [{\"job_id\": " + std::string(100000, '[') + std::string(100000, ']') + "}]}";
  CHECK(parse_squeue_json(deep_number).rows.empty());
  std::string nested = "{\"jobs\": [{\"job_id\": 1, \"time_limit\": ";
  for (int i = 0; i < 100000; ++i) nested += "{\"number\": ";
  nested += "1" + std::string(100000, '}') + "}]}";
  const SlurmRows deep = parse_squeue_json(nested);
  CHECK(deep.rows.empty());
  CHECK(!deep.problem.empty());
}

// Fed in pieces of every size (as a pipe hands them over): the same rows and
// problems as the whole text, for good, cut and broken answers alike.
TEST_CASE("an answer fed in pieces reads the same as whole", "[scheduler]") {
  const std::string good = read_capture("sacct_ended.json");
  const std::vector<std::string> texts = {good, good.substr(0, good.size() / 2), good + " {}",
                                          R"({"jobs": [{"job_id": 5, "name": "a\"b\\"}, 3, "x]", [{}]], "meta": {"a": "}"}})",
                                          R"({"jobs": [{"job_id": 5}], "jobs": [{"job_id": 9}]})",
                                          R"({"jobs": [{"job_id": 5, "name": "\x"}]})", R"({"jobs": [{]})",
                                          R"({"jobs": [{"job_id": 6, "name": ")" + std::string(100, '}') + "]{[" +
                                              R"(", "state": {"current": "FAILED"}, "steps": [{"step": {"id": "]"}}]}]})"};
  for (const auto& text : texts) {
    check_same(Kind::sacct, text);
    const auto whole = describe(parse_sacct_json(text));
    for (std::size_t size : {1, 2, 3, 7, 64, 1000}) {
      INFO(text.substr(0, 200) << " in pieces of " << size);
      SlurmJsonStream stream(SlurmJsonStream::Command::sacct);
      for (std::size_t at = 0; at < text.size(); at += size) {
        if (!stream.feed(std::string_view(text).substr(at, size))) break;
      }
      CHECK(describe(stream.finish()) == whole);
    }
  }
}

TEST_CASE("a huge answer reads every row", "[scheduler]") {
  std::string text = "{\"jobs\": [";
  for (int i = 1; i <= 200000; ++i) {
    if (i > 1) text += ',';
    text += "{\"job_id\": " + std::to_string(i) + ", \"array\": {\"job_id\": 1, \"task_id\": " + std::to_string(i) +
            "}, \"state\": {\"current\": \"COMPLETED\"}, \"steps\": []}";
  }
  text += "]}";
  const SlurmRows rows = parse_sacct_json(text);
  CHECK(rows.problem.empty());
  REQUIRE(rows.rows.size() == 200000);
  CHECK(rows.rows.back().task.array_task_index == 200000);
}

TEST_CASE("numbers past an integer's range say nothing (converting them would be undefined)", "[scheduler]") {
  CHECK(parse_sacct_json(R"({"jobs": [{"job_id": 3.7e116}]})").rows.empty());
  const SlurmRows q = parse_squeue_json(
      R"({"jobs": [{"job_id": 5, "array_job_id": 5, "array_task_id": 1e30, "job_state": "FAILED", "exit_code": 1e300}]})");
  REQUIRE(q.rows.size() == 1);
  CHECK_FALSE(q.rows[0].task.array_task_index);
  CHECK_FALSE(q.rows[0].task.exit_code);
  const SlurmRows a = parse_sacct_json(R"({"jobs": [{"job_id": 5, "state": {"current": "FAILED"},
      "exit_code": {"return_code": 1e20, "signal": {"signal_id": 1e20}}}]})");
  REQUIRE(a.rows.size() == 1);
  CHECK_FALSE(a.rows[0].task.exit_code);
  CHECK_FALSE(a.rows[0].task.signal);
}
