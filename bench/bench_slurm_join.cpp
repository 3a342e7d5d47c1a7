// Cost of the Slurm join on a refresh: JOBS datatrove Slurm jobs of RANKS
// ranks each, mid-run, with one `squeue --json` and one `sacct --json`
// answer for all of them, shaped like the real Slurm 22.05 answers in
// tests/data/slurm (every object is a real captured one with its ids, states
// and times changed), served by fake squeue/sacct scripts on PATH that cat
// the files. Prints the median refresh (cached scan + aggregate) without the
// scheduler and with the join, and their ratios: the join asking Slurm
// afresh on every refresh (the library's defaults; answers are read as they
// arrive, one job object held at a time), and the join of an answer reused
// between refreshes (what a refresh within the query's refresh interval
// costs: no command runs, the per-job join and slurm-log tails do).
//
// usage: bench_slurm_join [jobs=500] [ranks=500] [refreshes=5] [active=jobs] [dir] [joins=all]
//   active: how many of the jobs are mid-run (spread evenly); the others
//   completed long ago (past MinJobAge: squeue has none of them, and jobmon
//   asks sacct about none of them), their merge jobs ran.
//   dir: where the tree and the answers go (kept, and reused when it holds
//   them already); default a fresh /tmp/jobmon-bench-slurm-XXXXXX, removed.
//   joins: all, or `reused` (files only and the reused answer: to profile
//   the join alone) or `afresh` (files only and the answer asked afresh).
//
// Each job ran its ranks as one array (ranks_to_run = every rank, one rank
// per task): RUNNING ranks run, FAILED raised (an exception in the task
// log), one TIMEOUT and one CANCELLED (no exception), PENDING wait behind
// the array's %W limit, the rest completed. squeue lists the running tasks,
// the ended ones still within MinJobAge (the last RECENT completions and
// every failure), the pending range and the merge job; sacct has a row with
// its batch and srun steps for every task that started, the pending range
// row and the merge job.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "jobmon/clock.hpp"
#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/datatrove/scheduler_join.hpp"
#include "jobmon/scheduler/slurm_query.hpp"
#include "jobmon/storage/storage.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr int kRunning = 40, kFailed = 3, kTimeout = 1, kCancelled = 1, kPending = 30, kRecent = 20;

using steady = std::chrono::steady_clock;
double ms_since(steady::time_point start) { return std::chrono::duration<double, std::milli>(steady::now() - start).count(); }

// CPU time of this process (all threads), in ms: unlike wall time it does not
// grow when other processes take the cores (the fake commands' `cat` is not in it).
double cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", p.c_str());
    std::exit(1);
  }
}

void set_mtime(const fs::path& p, long epoch) {
  const timespec times[2] = {{epoch, 0}, {epoch, 0}};
  if (::utimensat(AT_FDCWD, p.c_str(), times, 0) != 0) {
    std::perror(p.c_str());
    std::exit(1);
  }
}

enum class Rank { completed, running, failed, timeout, cancelled, pending };

// The state of rank r of a job of n ranks: the tail of the array waits, just
// before it some run, and a few ended badly.
Rank rank_state(int r, int n) {
  int from_end = n - 1 - r;
  if (from_end < kPending) return Rank::pending;
  from_end -= kPending;
  if (from_end < kCancelled) return Rank::cancelled;
  from_end -= kCancelled;
  if (from_end < kTimeout) return Rank::timeout;
  from_end -= kTimeout;
  if (from_end < kFailed) return Rank::failed;
  from_end -= kFailed;
  if (from_end < kRunning) return Rank::running;
  return Rank::completed;
}

struct JobIds {
  long array = 0;  // the array's base id
  long merge = 0;
  long raw(int index) const { return array + 1 + index; }
};

JobIds ids_of(int job, int ranks) { return {100000 + static_cast<long>(job) * (ranks + 2), 100000 + static_cast<long>(job) * (ranks + 2) + ranks + 1}; }

std::string job_name(int job) { return fmt::format("tok_CC-MAIN-{:04d}", job); }

const json::object& find_job(const json::value& doc, std::int64_t job_id) {
  for (const auto& j : doc.at("jobs").as_array())
    if (j.at("job_id").to_number<std::int64_t>() == job_id) return j.as_object();
  std::fprintf(stderr, "no job %lld in the sample\n", static_cast<long long>(job_id));
  std::exit(1);
}

// The real objects the answers are made of (tests/data/slurm: job 4 is array
// task 1_0, COMPLETED, with its batch step; job 3 a pending merge job).
struct Samples {
  json::value squeue_doc, sacct_doc;
  json::object squeue_task, squeue_merge, sacct_task, sacct_merge;
};

Samples load_samples() {
  Samples s;
  s.squeue_doc = json::parse(read_file(fs::path(JOBMON_SLURM_SAMPLES) / "squeue_running.json"));
  s.sacct_doc = json::parse(read_file(fs::path(JOBMON_SLURM_SAMPLES) / "sacct_running.json"));
  s.squeue_task = find_job(s.squeue_doc, 4);
  s.squeue_merge = find_job(s.squeue_doc, 3);
  s.sacct_task = find_job(s.sacct_doc, 4);
  s.sacct_merge = find_job(s.sacct_doc, 3);
  // datatrove runs its tasks under srun: a step "0" beside the batch step.
  json::array& steps = s.sacct_task["steps"].as_array();
  json::value srun = steps.at(0);
  srun.at("step").as_object()["id"] = "0";
  srun.at("step").as_object()["name"] = "launch_pickled_pipeline";
  steps.push_back(srun);
  return s;
}

struct TaskFacts {
  const char* squeue_state;
  const char* sacct_state;
  int wait_status;      // squeue's exit_code: the wait status (256 = exit 1, 15 = SIGTERM)
  int return_code;      // sacct's
  int signal;           // 0: none
};

TaskFacts facts(Rank r) {
  switch (r) {
    case Rank::running: return {"RUNNING", "RUNNING", 0, 0, 0};
    case Rank::failed: return {"FAILED", "FAILED", 256, 1, 0};
    case Rank::timeout: return {"TIMEOUT", "TIMEOUT", 15, 0, 15};
    case Rank::cancelled: return {"CANCELLED", "CANCELLED", 15, 0, 15};
    default: return {"COMPLETED", "COMPLETED", 0, 0, 0};
  }
}

json::object squeue_task(const Samples& s, const std::string& name, const fs::path& logs, JobIds ids, int index, Rank r, long now) {
  json::object o = s.squeue_task;
  const TaskFacts f = facts(r);
  o["job_id"] = ids.raw(index);
  o["array_job_id"] = ids.array;
  o["array_task_id"] = index;
  o["name"] = name;
  o["job_state"] = f.squeue_state;
  o["state_reason"] = r == Rank::failed ? "NonZeroExitCode" : "None";
  o["exit_code"] = f.wait_status;
  o["submit_time"] = now - 7200;
  o["start_time"] = now - 3600 + index;
  o["end_time"] = r == Rank::running ? now - 3600 + index + 86400 : now - 60;
  o["time_limit"] = 1440;
  o["standard_output"] = (logs / "%A_%a.out").string();
  o["standard_error"] = (logs / "%A_%a.out").string();
  return o;
}

json::object squeue_pending(const Samples& s, const std::string& name, const fs::path& logs, JobIds ids, int first, int last, long now) {
  json::object o = s.squeue_task;
  o["job_id"] = ids.array;
  o["array_job_id"] = ids.array;
  o["array_task_id"] = nullptr;
  o["array_task_string"] = fmt::format("{}-{}%{}", first, last, kRunning);
  o["array_max_tasks"] = kRunning;
  o["name"] = name;
  o["job_state"] = "PENDING";
  o["state_reason"] = "JobArrayTaskLimit";
  o["nodes"] = "";
  o["batch_host"] = "";
  o["submit_time"] = now - 7200;
  o["start_time"] = 0;
  o["end_time"] = 0;
  o["time_limit"] = 1440;
  o["standard_output"] = (logs / "%A_%a.out").string();
  o["standard_error"] = (logs / "%A_%a.out").string();
  return o;
}

json::object squeue_merge(const Samples& s, const std::string& name, const fs::path& logs, JobIds ids, long now) {
  json::object o = s.squeue_merge;
  o["job_id"] = ids.merge;
  o["name"] = name;
  o["dependency"] = fmt::format("afterok:{}_*(unfulfilled)", ids.array);
  o["state_reason"] = "Dependency";
  o["submit_time"] = now - 7200;
  o["standard_output"] = (logs / "%A_%a.out").string();
  return o;
}

void set_exit(json::object& exit_code, const TaskFacts& f) {
  exit_code = f.signal ? json::object{{"status", "SIGNALED"}, {"return_code", nullptr},
                                      {"signal", {{"signal_id", f.signal}, {"name", "Terminated"}}}}
                       : json::object{{"status", f.return_code ? "FAILED" : "SUCCESS"}, {"return_code", f.return_code}};
}

json::object sacct_task(const Samples& s, const std::string& name, const fs::path& dir, JobIds ids, int index, Rank r, long now) {
  json::object o = s.sacct_task;
  const TaskFacts f = facts(r);
  o["job_id"] = ids.raw(index);
  o["name"] = name;
  o["working_directory"] = dir.string();
  json::object& array = o["array"].as_object();
  array["job_id"] = ids.array;
  array["task_id"] = index;
  array["task"] = nullptr;
  o["state"] = json::object{{"current", f.sacct_state}, {"reason", "None"}};
  const long start = now - 3600 + index, end = r == Rank::running ? 0 : now - 60;
  json::object& t = o["time"].as_object();
  t["submission"] = now - 7200;
  t["eligible"] = now - 7200;
  t["start"] = start;
  t["end"] = end;
  t["elapsed"] = (r == Rank::running ? now : end) - start;
  t["limit"] = 1440;
  set_exit(o["exit_code"].as_object(), f);
  for (auto& step : o["steps"].as_array()) {
    json::object& st = step.as_object();
    st["step"].as_object()["job_id"] = ids.raw(index);
    // A time limit or scancel ends the steps CANCELLED by SIGTERM; the job row says why.
    const bool killed = r == Rank::timeout || r == Rank::cancelled;
    st["state"] = killed ? "CANCELLED" : f.sacct_state;
    set_exit(st["exit_code"].as_object(), killed ? TaskFacts{"", "", 15, 0, 15} : f);
    st["time"].as_object()["start"] = start;
    st["time"].as_object()["end"] = end;
  }
  return o;
}

// sacct's row for the pending tail: the indices as a hex bitmap ("0xF" = 0-3).
std::string hex_bitmap(int first, int last) {
  std::string bits(static_cast<std::size_t>(last / 4 + 1), '0');
  for (int i = first; i <= last; ++i) {
    char& c = bits[bits.size() - 1 - static_cast<std::size_t>(i / 4)];
    const int v = (c >= 'A' ? c - 'A' + 10 : c - '0') | (1 << (i % 4));
    c = static_cast<char>(v < 10 ? '0' + v : 'A' + v - 10);
  }
  return "0x" + bits;
}

json::object sacct_pending(const Samples& s, const std::string& name, const fs::path& dir, JobIds ids, int first, int last, long now) {
  json::object o = s.sacct_merge;
  o["job_id"] = ids.array;
  o["name"] = name;
  o["working_directory"] = dir.string();
  json::object& array = o["array"].as_object();
  array["job_id"] = ids.array;
  array["task_id"] = nullptr;
  array["task"] = hex_bitmap(first, last);
  o["state"] = json::object{{"current", "PENDING"}, {"reason", "JobArrayTaskLimit"}};
  o["time"].as_object()["submission"] = now - 7200;
  return o;
}

json::object sacct_merge(const Samples& s, const std::string& name, const fs::path& dir, JobIds ids, long now) {
  json::object o = s.sacct_merge;
  o["job_id"] = ids.merge;
  o["name"] = name;
  o["working_directory"] = dir.string();
  o["time"].as_object()["submission"] = now - 7200;
  return o;
}

std::string executor_json(const std::string& name, int ranks, const fs::path& dir) {
  return fmt::format(
      "{{\n    \"pipeline\": [\n        {{\n            \"name\": \"JsonlReader\"\n        }}\n    ],\n"
      "    \"logging_dir\": \"DataFolder(path='{0}', fs=<fsspec.implementations.local.LocalFileSystem object at 0x7f3228b47110>)\",\n"
      "    \"skip_completed\": true,\n    \"tasks\": {1},\n    \"workers\": {2},\n    \"partition\": \"debug\",\n"
      "    \"tasks_per_job\": 1,\n    \"time\": \"24:00:00\",\n    \"job_name\": \"{3}\",\n    \"job_id\": null,\n"
      "    \"max_array_size\": 1001,\n    \"slurm_logs_folder\": \"{0}/slurm_logs\",\n    \"world_size\": {1}\n}}",
      dir.string(), ranks, kRunning, name);
}

std::string launch_script(const std::string& name, int ranks, const fs::path& dir) {
  return fmt::format("#!/bin/bash\n#SBATCH --cpus-per-task=1\n#SBATCH --mem-per-cpu=2G\n#SBATCH --partition=debug\n"
                     "#SBATCH --job-name={0}\n#SBATCH --time=24:00:00\n#SBATCH --output={1}/slurm_logs/%A_%a.out\n"
                     "#SBATCH --error={1}/slurm_logs/%A_%a.out\n#SBATCH --array=0-{2}%{3}\n#SBATCH --requeue\n"
                     "#SBATCH --qos=normal\necho \"Starting data processing job {0}\"\n\nset -xe\n"
                     "export PYTHONUNBUFFERED=TRUE\nsrun  -l launch_pickled_pipeline {1}/executor.pik\n",
                     name, dir.string(), ranks - 1, kRunning);
}

std::string task_log(int rank, Rank r) {
  std::string out = fmt::format("2026-12-06 10:00:00.000 | INFO     | datatrove.utils.logging:add_task_logger:58 - "
                                "Launching pipeline for rank={}\n", rank);
  out += fmt::format("2026-12-06 10:00:01.000 | INFO     | datatrove.pipeline.readers.base:read_files_shard:193 - "
                     "Reading input file shard-{:05d}.jsonl.gz, 1/1\n", rank);
  if (r == Rank::failed)
    out += fmt::format("2026-12-06 10:30:00.000 | ERROR    | datatrove.executor.base:_run_for_rank:150 - corrupt shard {0:05d}\n"
                       "Traceback (most recent call last):\n\n  File \"/home/user/pipelines/tokenize.py\", line 42, in run\n"
                       "    raise ValueError(\"corrupt shard {0:05d}\")\n\nValueError: corrupt shard {0:05d}\n", rank);
  return out;
}

std::string slurm_log(const std::string& name, long raw, Rank r) {
  std::string out = fmt::format("Starting data processing job {}\n+ export PYTHONUNBUFFERED=TRUE\n", name);
  if (r == Rank::timeout)
    out += fmt::format("slurmstepd: error: *** JOB {} ON node17 CANCELLED AT 2026-12-06T11:00:00 DUE TO TIME LIMIT ***\n", raw);
  if (r == Rank::cancelled) out += fmt::format("slurmstepd: error: *** JOB {} ON node17 CANCELLED AT 2026-12-06T11:00:00 ***\n", raw);
  return out;
}

// The tree and the two answers, written once into dir.
bool is_active(int job, int jobs, int active) { return active >= jobs || (job % (jobs / active) == 0 && job / (jobs / active) < active); }

void generate(const fs::path& dir, int jobs, int ranks, int active, long now) {
  const Samples s = load_samples();
  json::object squeue_doc = s.squeue_doc.as_object(), sacct_doc = s.sacct_doc.as_object();
  json::array squeue_jobs, sacct_jobs;
  for (int j = 0; j < jobs; ++j) {
    const std::string name = job_name(j);
    const fs::path job = dir / "tree" / name, logs = job / "slurm_logs";
    fs::create_directories(job / "completions");
    fs::create_directories(job / "logs");
    fs::create_directories(logs);
    write_file(job / "executor.json", executor_json(name, ranks, job));
    write_file(job / "launch_script.slurm", launch_script(name, ranks, job));
    std::string ranks_to_run = "[";
    for (int r = 0; r < ranks; ++r) ranks_to_run += fmt::format("{}{}", r ? ", " : "", r);
    write_file(job / "ranks_to_run.json", ranks_to_run + "]");
    // datatrove writes its launch files just before sbatch: before the
    // answers' submit time, or jobmon takes the arrays for earlier launches.
    for (const char* launch_file : {"executor.json", "launch_script.slurm", "ranks_to_run.json"}) {
      set_mtime(job / launch_file, now - 7260);
    }
    const JobIds ids = ids_of(j, ranks);
    if (!is_active(j, jobs, active)) {
      for (int r = 0; r < ranks; ++r) {
        write_file(logs / fmt::format("{}_{}.out", ids.array, r), slurm_log(name, ids.raw(r), Rank::completed));
        write_file(job / "completions" / fmt::format("{:05d}", r), "");
      }
      // datatrove's merge job is an array of one, logging beside the tasks.
      write_file(logs / fmt::format("{}_0.out", ids.merge), slurm_log(name, ids.merge, Rank::completed));
      write_file(job / "stats.json", "[]");
      continue;
    }
    int first_pending = ranks, completed = 0;
    for (int r = 0; r < ranks; ++r) {
      const Rank state = rank_state(r, ranks);
      if (state == Rank::pending) {
        first_pending = std::min(first_pending, r);
        continue;
      }
      write_file(logs / fmt::format("{}_{}.out", ids.array, r), slurm_log(name, ids.raw(r), state));
      sacct_jobs.push_back(sacct_task(s, name, job, ids, r, state, now));
      if (state == Rank::completed) {
        write_file(job / "completions" / fmt::format("{:05d}", r), "");
        ++completed;
      } else {
        write_file(job / "logs" / fmt::format("task_{:05d}.log", r), task_log(r, state));
      }
    }
    // squeue: the live tasks and those that ended within MinJobAge.
    const int recent_from = completed - kRecent;
    for (int r = std::max(0, recent_from); r < first_pending; ++r)
      squeue_jobs.push_back(squeue_task(s, name, logs, ids, r, rank_state(r, ranks), now));
    if (first_pending < ranks) {
      squeue_jobs.push_back(squeue_pending(s, name, logs, ids, first_pending, ranks - 1, now));
      sacct_jobs.push_back(sacct_pending(s, name, job, ids, first_pending, ranks - 1, now));
    }
    squeue_jobs.push_back(squeue_merge(s, name, logs, ids, now));
    sacct_jobs.push_back(sacct_merge(s, name, job, ids, now));
  }
  squeue_doc["jobs"] = std::move(squeue_jobs);
  sacct_doc["jobs"] = std::move(sacct_jobs);
  write_file(dir / "squeue.json", json::serialize(squeue_doc));
  write_file(dir / "sacct.json", json::serialize(sacct_doc));
  // The fake commands: whatever they are asked, the one answer.
  fs::create_directories(dir / "bin");
  for (const char* cmd : {"squeue", "sacct"}) {
    const fs::path p = dir / "bin" / cmd;
    write_file(p, fmt::format("#!/bin/sh\nexec cat '{}'\n", (dir / fmt::format("{}.json", cmd)).string()));
    fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);
  }
  write_file(dir / "generated", fmt::format("v2 {} {} {} {}\n", jobs, ranks, active, now));
}

struct Refresh {
  double ms = 0, cpu_ms = 0, join_ms = 0;
  std::size_t rows = 0, joined_jobs = 0;
  std::map<std::string, std::int64_t> states;  // incomplete ranks by joined state, over every job
  std::vector<std::string> problems;
};

// One refresh the way jobmon-status --watch does it: the cached scan, then
// (with a join) one scheduler question joined to every job, then the judgement.
Refresh refresh(jobmon::Scanner& scanner, jobmon::SchedulerJoin* join, const fs::path& tree) {
  Refresh r;
  const double cpu0 = cpu_ms();
  const auto t0 = steady::now();
  const jobmon::ScanResult scan = scanner.scan({tree.string()});
  const double now = jobmon::wall_clock_now();
  jobmon::SchedulerView view;
  if (join != nullptr) {
    const auto tj = steady::now();
    view = join->refresh(scan.jobs, now);
    r.join_ms = ms_since(tj);
  }
  const jobmon::Aggregate agg = jobmon::aggregate(scan.jobs, now, {}, join ? &view : nullptr);
  r.ms = ms_since(t0);
  r.cpu_ms = cpu_ms() - cpu0;
  r.rows = agg.rows.size();
  r.joined_jobs = view.by_path.size();
  for (const auto& [path, scheduling] : view.by_path) {
    for (const auto& [state, n] : scheduling->states) r.states[state] += n;
  }
  r.problems = view.problems;
  return r;
}

struct Series {
  std::vector<double> ms, cpu_ms, join_ms;
  Refresh last;
};

// Refreshes files-only and with each join in turn (so a slow spell of the
// machine hits them alike); the first of each warms its caches and is not counted.
std::vector<Series> measure(const fs::path& tree, std::vector<jobmon::SchedulerJoin*> joins, int refreshes) {
  const auto storage = std::make_shared<jobmon::LocalStorage>();
  std::vector<std::unique_ptr<jobmon::Scanner>> scanners;
  std::vector<Series> out(joins.size());
  for (std::size_t i = 0; i < joins.size(); ++i) scanners.push_back(std::make_unique<jobmon::Scanner>(storage));
  for (int k = 0; k <= refreshes; ++k) {
    for (std::size_t i = 0; i < joins.size(); ++i) {
      out[i].last = refresh(*scanners[i], joins[i], tree);
      if (k == 0) continue;
      out[i].ms.push_back(out[i].last.ms);
      out[i].cpu_ms.push_back(out[i].last.cpu_ms);
      out[i].join_ms.push_back(out[i].last.join_ms);
    }
  }
  return out;
}

// Hands out, in turn, two copies of one answer read beforehand: each refresh
// gets an answer object other than the last one's, so the join works as on
// the refresh where a question asked in the background has come back.
class AlternatingAnswers final : public jobmon::SchedulerQuery {
 public:
  explicit AlternatingAnswers(std::shared_ptr<const jobmon::SchedulerAnswer> answer)
      : answers_{answer, std::make_shared<const jobmon::SchedulerAnswer>(*answer)} {}
  std::string_view kind() const override { return "slurm"; }
  using SchedulerQuery::query;
  jobmon::SchedulerAnswer query(const jobmon::SchedulerRequest& request, double now) override {
    return *shared_query(request, now);
  }
  std::shared_ptr<const jobmon::SchedulerAnswer> shared_query(const jobmon::SchedulerRequest&, double) override {
    return answers_[next_++ % 2];
  }

 private:
  std::shared_ptr<const jobmon::SchedulerAnswer> answers_[2];
  std::size_t next_ = 0;
};

// Prints the median refresh with `join` against files only, from one run.
void compare(const fs::path& tree, jobmon::SchedulerJoin* join, const char* label, int refreshes, int jobs, int ranks) {
  const auto series = measure(tree, {nullptr, join}, refreshes);
  const double base = median(series[0].ms), base_cpu = median(series[0].cpu_ms);
  const double med = median(series[1].ms), cpu = median(series[1].cpu_ms);
  std::printf("\nmedian of %d refreshes (after a first one that fills the caches), %d jobs x %d ranks:\n", refreshes,
              jobs, ranks);
  std::printf("  files only (--scheduler none):                 %9.1f ms, CPU %.1f ms  (%zu jobs)\n", base, base_cpu,
              series[0].last.rows);
  std::printf("  %-46s %9.1f ms, CPU %.1f ms  (join %.1f ms; %zu jobs joined) = %.2fx files only (CPU %.2fx)\n", label,
              med, cpu, median(series[1].join_ms), series[1].last.joined_jobs, med / base, cpu / base_cpu);
  for (const auto& p : series[1].last.problems) std::printf("      problem: %s\n", p.c_str());
  // What the join found, so a tree the join cannot read (no states) shows.
  std::string found;
  for (const auto& [state, n] : series[1].last.states) found += fmt::format("{}{} {}", found.empty() ? "" : ", ", n, state);
  std::printf("      ranks by joined state: %s\n", found.empty() ? "none" : found.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const int jobs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 500;
  const int ranks = argc > 2 ? std::max(kPending + kRunning + kFailed + kTimeout + kCancelled + 1, std::atoi(argv[2])) : 500;
  const int refreshes = argc > 3 ? std::max(1, std::atoi(argv[3])) : 5;
  const int active = argc > 4 ? std::clamp(std::atoi(argv[4]), 1, jobs) : jobs;
  fs::path dir;
  bool remove_after = false;
  if (argc > 5) {
    dir = argv[5];
  } else {
    std::string templ = (fs::temp_directory_path() / "jobmon-bench-slurm-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    dir = templ;
    remove_after = true;
  }
  const long now = static_cast<long>(::time(nullptr));
  if (read_file(dir / "generated").rfind(fmt::format("v2 {} {} {} ", jobs, ranks, active), 0) != 0) {
    const auto t0 = steady::now();
    fs::remove_all(dir / "tree");
    fs::create_directories(dir);
    generate(dir, jobs, ranks, active, now);
    std::printf("generated %d jobs x %d ranks (%d mid-run) under %s in %.1f s\n", jobs, ranks, active, dir.c_str(),
                ms_since(t0) / 1000);
  } else {
    std::printf("reusing %d jobs x %d ranks (%d mid-run) under %s\n", jobs, ranks, active, dir.c_str());
  }
  std::printf("answers: squeue --json %.1f MB, sacct --json %.1f MB\n",
              static_cast<double>(fs::file_size(dir / "squeue.json")) / 1e6,
              static_cast<double>(fs::file_size(dir / "sacct.json")) / 1e6);

  // The fake squeue and sacct first on PATH.
  const std::string path = (dir / "bin").string() + ":" + (std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin");
  ::setenv("PATH", path.c_str(), 1);
  // Every refresh asks Slurm afresh (no answer reused between refreshes).
  jobmon::SchedulerOptions fresh;
  fresh.refresh_seconds = 0;
  fresh.timeout_seconds = 120;  // a slow machine must not time a join that timed out
  // The join alone: the answer asked once and reused (as within the refresh interval).
  jobmon::SchedulerOptions reused;
  reused.refresh_seconds = 1e9;
  reused.timeout_seconds = 120;  // the one question may take its time: it is not what is timed
  auto join_fresh = std::make_unique<jobmon::SchedulerJoin>(std::make_unique<jobmon::SlurmQuery>(fresh), nullptr);
  auto join_reused = std::make_unique<jobmon::SchedulerJoin>(std::make_unique<jobmon::SlurmQuery>(reused), nullptr);
  const std::string which = argc > 6 ? argv[6] : "all";
  if (which != "all" && which != "reused" && which != "afresh") {
    std::fprintf(stderr, "joins: all, reused or afresh, not '%s'\n", which.c_str());
    return 2;
  }
  // Each join against files only in a run of its own, the two alternating
  // refresh by refresh: an ~880 MB answer read just before a refresh would
  // leave it cold caches that are not the join's cost.
  if (which != "afresh") compare(dir / "tree", join_reused.get(), "join, the answer reused (no commands run):", refreshes, jobs, ranks);
  if (which != "afresh") {
    // The answer the reused join holds, handed out anew on every refresh.
    jobmon::Scanner scanner(std::make_shared<jobmon::LocalStorage>());
    const auto scan = scanner.scan({(dir / "tree").string()});
    const auto answer = join_reused->refresh(scan.jobs, jobmon::wall_clock_now()).answer;
    if (answer) {
      jobmon::SchedulerJoin join_new(std::make_unique<AlternatingAnswers>(answer), nullptr);
      compare(dir / "tree", &join_new, "join, a new answer each refresh (read before):", refreshes, jobs, ranks);
    }
  }
  if (which != "reused") compare(dir / "tree", join_fresh.get(), "join, asked afresh (timeout 120 s):", refreshes, jobs, ranks);
  if (remove_after) fs::remove_all(dir);
  return 0;
}
