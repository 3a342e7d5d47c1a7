// Registry entries and job details for datatrove jobs.
#include <algorithm>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "jobmon/clock.hpp"
#include "jobmon/datatrove/json.hpp"
#include "jobmon/json.hpp"
#include "server/registry_entries.hpp"

namespace jobmon::detail {
namespace json = boost::json;
using detail::iso_time_or_null;
namespace {

// Current: still going or waiting to (a stalled job may yet move; a
// running job with failed ranks is running). Failed and complete have ended.
bool is_current(const JobRow& row) { return row.status != JobStatus::complete && row.status != JobStatus::failed; }

}  // namespace

RegistryEntry datatrove_entry(const JobRow& row) {
  RegistryEntry e;
  e.source = row;
  e.path = row.job->path;
  e.name = row.job->name;
  e.id = job_id_for(JobKind::datatrove, e.path);
  e.status = row.status;
  e.current = is_current(row);
  e.done = row.job->completed;
  e.total = row.job->world_size;
  e.failed = row.failed_ranks;
  e.fraction = row.job->fraction();
  e.eta_seconds = row.eta.remaining_seconds;
  e.finished_at = row.finished_at;
  e.summary_text = std::make_shared<const std::string>(to_compact_json(datatrove_summary(e)));
  return e;
}

// The entry's /api/jobs summary, built again for its detail: the text is all
// the entry keeps (a parse of it would refuse the \udcXX escapes that stand
// for a name's invalid UTF-8).
json::object datatrove_summary(const RegistryEntry& e) {
  const JobRow& row = std::get<JobRow>(e.source);
  json::object o = summary_fields(e);
  o["state_reason"] = row.state_reason;
  o["failed_exact"] = row.failed_ranks_exact;
  o["needs_relaunch"] = row.needs_relaunch();  // the library's rule, not the page's guess
  o["percent"] = static_cast<std::int64_t>(row.percent);  // the CLI's integer arithmetic, not a float product
  o["unit"] = "ranks";
  o["rate_per_hour"] = row.eta.rate ? json::value(*row.eta.rate * 3600) : json::value(nullptr);
  o["started_at"] = iso_time_or_null(row.job->launched_at);
  o["finished_at"] = iso_time_or_null(row.finished_at);
  o["last_change_at"] = iso_time_or_null(row.job->last_change_at);
  o["ended_at"] = iso_time_or_null(row.ended_at);
  o["last_activity_at"] = iso_time_or_null(row.last_activity_at);
  return o;
}

namespace {

// One letter per rank for the page's grid: the files' word, or the
// scheduler's joined state when it has one (the page's legend names them).
char cell_of(std::string_view state) {
  static const std::pair<std::string_view, char> letters[] = {
      {"running", 'r'},       {"pending", 'p'},       {"failed", 'f'},          {"finished_unmarked", 'u'},
      {"timeout", 't'},       {"out_of_memory", 'm'}, {"cancelled", 'c'},       {"node_fail", 'n'},
      {"preempted", 'q'},     {"requeued", 'q'},      {"suspended", 's'},       {"never_scheduled", 'v'},
      {"unknown", 'k'}};
  for (const auto& [word, letter] : letters) {
    if (word == state) return letter;
  }
  return 'k';
}

}  // namespace

json::value datatrove_detail(const RegistryEntry& e, const RegistryOptions& options) {
  const JobRow& row = std::get<JobRow>(e.source);
  const JobState& job = *row.job;
  const JobScheduling* scheduling = row.scheduling.get();
  json::object o = datatrove_summary(e);
  o["incomplete_ranges"] = format_ranges(job.incomplete_ranges(), 200);

  json::array meta;
  auto add_meta = [&](const char* label, json::value value) { meta.push_back(json::array{label, std::move(value)}); };
  add_meta("Path", json::value(e.path));
  add_meta("World size", job.world_size);
  add_meta("Incomplete ranks", job.complete() ? json::value("none") : json::value(format_ranges(job.incomplete_ranges(), 20)));
  if (!job.stray_entries.empty()) add_meta("Stray markers", static_cast<std::int64_t>(job.stray_entries.size()));
  o["meta"] = std::move(meta);

  // Stages: datatrove's pipeline steps. Every rank runs every step, so a step
  // has no state of its own until the job is complete or has not started: a
  // failed job's steps are not all "failed" (the page shows per-step figures
  // from /steps instead).
  json::array stages;
  const json::value step_status = e.status == JobStatus::complete || e.status == JobStatus::pending
                                      ? json::value(to_string(e.status))
                                      : json::value(nullptr);
  for (const auto& step : job.pipeline_steps) stages.push_back(json::object{{"name", step}, {"status", step_status}});
  o["stages"] = std::move(stages);

  // Grid: one cell per rank (bounded), coloured by state.
  const std::int64_t cells = std::min<std::int64_t>(job.world_size, static_cast<std::int64_t>(options.max_grid_ranks));
  std::string grid(static_cast<std::size_t>(cells), 'p');  // p pending, d done, f failed, r running, u unmarked
  for (std::int64_t r : job.done_ranks) {
    if (r < cells) grid[static_cast<std::size_t>(r)] = 'd';
  }
  for (const RankIssue& issue : job.rank_issues) {
    if (issue.rank < cells) grid[static_cast<std::size_t>(issue.rank)] = cell_of(to_string(issue.state));
  }
  if (scheduling != nullptr) {  // the joined state wins: a "running" log of a timed-out task is a timeout
    for (const RankScheduling& r : scheduling->ranks) {
      if (r.rank >= 0 && r.rank < cells) grid[static_cast<std::size_t>(r.rank)] = cell_of(r.state);
    }
  }
  o["grid"] = json::object{{"unit", "rank"}, {"cells", grid}, {"truncated", cells < job.world_size}};

  o["completion_curve"] = completion_curve(job.marker_mtimes, options.max_chart_points);
  o["operations"] = json::array{};
  json::array errors;
  for (const RankIssue& issue : job.rank_issues) {
    if (issue.state == RankState::failed)
      errors.push_back(json::object{{"where", fmt::format("rank {}", issue.rank)},
                                    {"rank", issue.rank},
                                    {"message", issue.message},
                                    {"log", std::string("logs/") + task_log_name(issue.rank)}});
  }
  o["errors"] = std::move(errors);
  // The scheduler's word (null without one), each incomplete rank's joined
  // state, and the relaunch that finishes the job (with or without a scheduler).
  o["scheduler"] = scheduling != nullptr ? to_json(*scheduling, row.relaunch()) : json::value(nullptr);
  o["rank_issues"] = rank_issues_json(job, scheduling);
  const auto relaunch = row.relaunch();
  o["relaunch"] = relaunch ? to_json(*relaunch) : json::value(nullptr);
  return json::value(std::move(o));
}

}  // namespace jobmon::detail
