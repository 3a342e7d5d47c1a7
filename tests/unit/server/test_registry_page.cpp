// What the job page reads from the registry: jobs in attention order, a
// datatrove job's detail joined with the scheduler's word (grid cells by
// joined rank state, the scheduler section, rank_issues, the relaunch), and
// the page's own routes (warnings, resource history, log files and follow,
// per-step stats, a pending job's executor.json).
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "jobmon/clock.hpp"
#include "jobmon/server/server.hpp"
#include "server/registry_entries.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace json = boost::json;

namespace {

std::string name_of(const json::value& v) { return std::string(v.at("name").as_string()); }

struct Page {
  std::unique_ptr<JobRegistry> registry;
  HostResources resources;
  std::unique_ptr<WebApi> api;
  explicit Page(const std::string& root) {
    registry = std::make_unique<JobRegistry>(std::make_shared<LocalStorage>(), std::vector<std::string>{root});
    registry->refresh(wall_clock_now());
    api = std::make_unique<WebApi>(*registry, resources);
  }
  HttpResponse get(const std::string& path, std::multimap<std::string, std::string> query = {}) {
    HttpRequest r;
    r.path = path;
    r.query = std::move(query);
    return api->handle(r);
  }
  json::value json_of(const std::string& path, std::multimap<std::string, std::string> query = {}) {
    auto r = get(path, std::move(query));
    INFO(path << " -> " << r.status << " " << r.body.str());
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  }
  std::string id(const std::string& name) {
    for (const auto& e : registry->entries()) {
      if (e.name == name) return e.id;
    }
    FAIL("no job " << name);
    return {};
  }
};

}  // namespace

TEST_CASE("JobRegistry: jobs in attention order, complete ones newest first", "[server]") {
  test::TempTree tree;
  tree.mkdir("t");
  test::copy_tree(std::string(JOBMON_FIXTURES_DIR) + "/datatrove/tokenize_CC-MAIN-2023-50", tree.path("t/b_failed"));
  tree.make_job("t/a_pending", 4, {});
  tree.make_job("t/c_running", 4, {0});
  tree.make_job("t/d_old_complete", 1, {0});
  tree.make_job("t/e_new_complete", 1, {0});
  const double now = wall_clock_now();
  for (const char* job : {"t/d_old_complete", "t/e_new_complete"}) {
    const double t = std::string(job).find("old") != std::string::npos ? now - 7200 : now - 60;
    tree.set_mtime(std::string(job) + "/completions/00000", t);
    tree.set_mtime(std::string(job) + "/completions", t);
    tree.set_mtime(std::string(job) + "/executor.json", t - 60);
  }
  Page page(tree.path("t"));
  const auto jobs = page.json_of("/api/jobs").at("jobs").as_array();
  std::vector<std::string> names;
  for (const auto& j : jobs) names.push_back(name_of(j));
  CHECK(names == std::vector<std::string>{"b_failed", "c_running", "a_pending", "e_new_complete", "d_old_complete"});
  // The filtered pages keep the order.
  const auto past = page.json_of("/api/jobs/past").at("jobs").as_array();
  REQUIRE(past.size() == 3);
  CHECK(name_of(past[0]) == "b_failed");
  CHECK(name_of(past[1]) == "e_new_complete");
}

TEST_CASE("datatrove detail: grid cells, rank_issues and relaunch from the scheduler's joined states", "[server]") {
  auto job = std::make_shared<JobState>();
  job->path = "/jobs/tok";
  job->name = "tok";
  job->world_size = 9;
  job->done_ranks = {0, 1, 2, 3};
  job->completed = 4;
  job->rank_issues = {{4, RankState::running, "", 100.0, 10, false},
                      {5, RankState::failed, "RuntimeError: boom", 100.0, 10, false},
                      {8, RankState::running, "", 100.0, 10, false}};
  recount_ranks(*job);

  auto answer = std::make_shared<SchedulerAnswer>();
  answer->available = true;
  answer->kind = "slurm";
  SchedulerTask timeout_task;
  timeout_task.array_job_id = "98215";
  timeout_task.array_task_index = 4;
  timeout_task.job_id = "98231";
  timeout_task.state = TaskState::timeout;
  timeout_task.slurm_state = "TIMEOUT";
  timeout_task.node = "node17";
  SchedulerTask pending_task = timeout_task;
  pending_task.array_task_index = 6;
  pending_task.job_id = "98233";
  pending_task.state = TaskState::pending;
  pending_task.slurm_state = "PENDING";
  pending_task.reason = "Priority";
  pending_task.node = "";
  answer->tasks = {timeout_task, pending_task};

  auto scheduling = std::make_shared<JobScheduling>();
  scheduling->kind = "slurm";
  scheduling->answer = answer;
  scheduling->job_ids = {"98215"};
  auto rank = [](std::int64_t r, const char* state, bool started, const SchedulerTask* task) {
    RankScheduling s;
    s.rank = r;
    s.state = state;
    s.started = started;
    s.task = task;
    s.array_job_id = "98215";
    s.array_index = r;
    return s;
  };
  scheduling->ranks = {rank(4, "timeout", true, &answer->tasks[0]), rank(6, "pending", false, &answer->tasks[1]),
                       rank(7, "never_scheduled", false, nullptr)};
  scheduling->states = {{"timeout", 1}, {"pending", 1}, {"never_scheduled", 1}};
  scheduling->pending_reasons = {{"Priority", 1}};

  JobRow row;
  row.job = job;
  row.status = JobStatus::failed;
  row.scheduling = scheduling;
  const RegistryEntry entry = detail::datatrove_entry(row);
  const json::value d = detail::datatrove_detail(entry, RegistryOptions{});

  // d done, t timeout, f failed, p pending, v never scheduled, r running (rank 8: no word from Slurm).
  CHECK(d.at("grid").at("cells") == "ddddtfpvr");
  const auto& s = d.at("scheduler");
  CHECK(s.at("kind") == "slurm");
  CHECK(s.at("job_ids").at(0) == "98215");
  CHECK(s.at("states").at("timeout") == 1);
  CHECK(s.at("pending_reasons").at("Priority") == 1);
  const auto& issues = d.at("rank_issues").as_array();
  REQUIRE(issues.size() == 5);  // 4, 5, 6, 7, 8: the ranks without a log the scheduler has a word on included
  CHECK(issues[0].at("rank") == 4);
  CHECK(issues[0].at("state") == "timeout");
  CHECK(issues[0].at("scheduler").at("node") == "node17");
  CHECK(issues[0].at("scheduler").at("slurm_state") == "TIMEOUT");
  CHECK(issues[1].at("state") == "failed");
  CHECK(issues[1].at("message") == "RuntimeError: boom");
  CHECK(issues[2].at("scheduler").at("reason") == "Priority");
  CHECK(issues[3].at("state") == "never_scheduled");
  CHECK(issues[4].at("scheduler").is_null());
  // The relaunch names the ranks that will not finish alone: timed out, failed, never scheduled.
  CHECK(d.at("relaunch").at("ranks") == "4-5,7");
  CHECK(s.at("relaunch").at("ranks") == "4-5,7");
  // Each failure names its log for the page's link.
  CHECK(d.at("errors").at(0).at("log") == "logs/task_00005.log");
  // Steps no longer all take the job's failed state.
  for (const auto& st : d.at("stages").as_array()) CHECK(st.at("status").is_null());

  // Without a scheduler: null, the files' word, the relaunch from the logs alone.
  row.scheduling = nullptr;
  const json::value plain = detail::datatrove_detail(detail::datatrove_entry(row), RegistryOptions{});
  CHECK(plain.at("scheduler").is_null());
  CHECK(plain.at("grid").at("cells") == "ddddrfppr");
  CHECK(plain.at("rank_issues").as_array().size() == 3);
  CHECK(plain.at("relaunch").at("ranks") == "5");
}

TEST_CASE("page routes: warnings listed, log files and follow, steps, executor preview", "[server]") {
  test::TempTree tree;
  tree.mkdir("t");
  test::copy_tree(std::string(JOBMON_FIXTURES_DIR) + "/datatrove/tokenize_CC-MAIN-2023-50", tree.path("t/failed"));
  tree.mkdir("t/not_a_job");
  tree.write("t/broken/executor.json", "{\"world_size\": ");
  tree.write("t/pending/executor.json",
             R"({"pipeline": [{"data_folder": "s3://b/cc"}, {"name": "Filter"}], "tasks": 400, "workers": 64,
                 "depends": null, "skip_completed": true, "world_size": 400})");
  tree.make_job("t/running", 4, {0});
  tree.write("t/running/logs/task_00001.log", "2026-01-01 00:00:00.000 | INFO | start rank=1\n");
  tree.write("t/running/logs/task_00002.log", "2026-01-01 00:00:00.000 | INFO | start rank=2\n");
  const double now = wall_clock_now();
  tree.set_mtime("t/running/logs/task_00001.log", now - 30);
  tree.set_mtime("t/running/logs/task_00002.log", now - 5);
  Page page(tree.path("t"));

  const auto w = page.json_of("/api/warnings");
  CHECK(w.at("count") == 2);
  std::set<std::string> warned;
  for (const auto& x : w.at("warnings").as_array()) warned.insert(std::string(x.at("path").as_string()));
  CHECK(warned == std::set<std::string>{tree.path("t/broken"), tree.path("t/not_a_job")});

  // A running job opens on the running rank that wrote last.
  const std::string running = page.id("running");
  const auto files = page.json_of("/api/jobs/" + running + "/log-files");
  CHECK(files.at("default") == "logs/task_00002.log");
  CHECK(files.at("total") == 2);
  CHECK(files.at("files").at(0).at("state") == "running");
  // Follow: a tail, then what was appended.
  const auto tail = page.json_of("/api/jobs/" + running + "/log", {{"file", "logs/task_00002.log"}});
  REQUIRE(tail.at("lines").as_array().size() == 1);
  std::ofstream(tree.path("t/running/logs/task_00002.log"), std::ios::app) << "second line\n";
  const auto more = page.json_of("/api/jobs/" + running + "/log",
                                 {{"file", "logs/task_00002.log"}, {"offset", std::to_string(tail.at("next_offset").to_number<std::uint64_t>())}});
  CHECK(more.at("lines") == json::array{"second line"});
  CHECK(page.get("/api/jobs/" + running + "/log", {{"file", "../executor.json"}}).status == 400);
  CHECK(page.get("/api/jobs/" + running + "/log", {{"file", "logs/task_00002.log"}, {"offset", "-1"}}).status == 400);
  CHECK(page.get("/api/jobs/0000000000000000/log-files").status == 404);

  // A failed job opens on its first failed rank; its steps are named by stats.json.
  const std::string failed = page.id("failed");
  CHECK(page.json_of("/api/jobs/" + failed + "/log-files").at("default") == "logs/task_00003.log");
  const auto steps = page.json_of("/api/jobs/" + failed + "/steps");
  CHECK(steps.at("source") == "stats.json");
  REQUIRE(steps.at("steps").as_array().size() == 4);
  CHECK(std::string(steps.at("steps").at(1).at("name").as_string()).find("TOKENIZER") != std::string::npos);
  CHECK(steps.at("steps").at(1).at("stats").at("tokens") == 215.0);
  CHECK(steps.at("steps").at(0).at("documents") == 13);

  // Without stats.json: the per-rank files, counted.
  tree.remove("t/failed/stats.json");
  const auto per_rank = page.json_of("/api/jobs/" + failed + "/steps");
  CHECK(per_rank.at("source") == "stats/");
  CHECK(per_rank.at("ranks_read") == per_rank.at("rank_files"));
  CHECK(per_rank.at("rank_files").as_int64() > 0);
  CHECK(per_rank.at("steps").at(1).at("stats").at("tokens").as_double() > 0);

  // A pending job: its configuration.
  const auto config = page.json_of("/api/jobs/" + page.id("pending") + "/steps").at("config");
  CHECK(config.at("tasks") == 400);
  CHECK(config.at("workers") == 64);
  CHECK(config.at("depends").is_null());
  CHECK(config.at("pipeline").at(0).at("summary") == "data_folder=s3://b/cc");
  CHECK(config.at("pipeline").at(1).at("summary") == "Filter");

  // The host's history grows by at most one point per spacing.
  page.resources.set_history_options({0, 3});
  for (int i = 0; i < 5; ++i) page.json_of("/api/resources");
  const auto history = page.json_of("/api/resources/history").at("points").as_array();
  CHECK(history.size() == 3);  // the ring buffer's capacity
  CHECK(history.back().at("memory_total_bytes").to_number<std::uint64_t>() > 0);
}
