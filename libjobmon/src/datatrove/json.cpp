// Boost.JSON forms of the datatrove results (jobs, rows, totals, scan
// statistics) and the document `jobmon-status --json` prints.
#include "jobmon/datatrove/json.hpp"

#include <boost/json.hpp>

#include "core/json_values.hpp"
#include "core/text/text.hpp"
#include "core/text/utf8.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/json.hpp"

namespace jobmon {
namespace json = boost::json;
using detail::iso_time_or_null;
using detail::number_or_null;
using detail::text_or_null;

json::value to_json(const Warning& warning) { return json::object{{"path", warning.path}, {"message", warning.message}}; }

json::value to_json(const RankIssue& issue) {
  json::object o{{"rank", issue.rank}, {"state", to_string(issue.state)}};
  o["message"] = issue.message.empty() ? json::value(nullptr) : json::value(issue.message);
  o["log_mtime"] = iso_time_or_null(issue.log_mtime);
  return o;
}

json::value to_json(const RankScheduling& r) {
  json::object o;
  const SchedulerTask* t = r.task;
  o["job_id"] = t ? text_or_null(t->job_id) : json::value(nullptr);
  o["array_job_id"] = r.array_job_id;
  o["array_index"] = r.array_index;
  o["slurm_state"] = t ? text_or_null(t->slurm_state) : json::value(nullptr);
  o["reason"] = t ? text_or_null(t->reason) : json::value(nullptr);
  o["node"] = t ? text_or_null(t->node) : json::value(nullptr);
  o["exit_code"] = t && t->exit_code ? json::value(*t->exit_code) : json::value(nullptr);
  o["signal"] = t && t->signal ? json::value(*t->signal) : json::value(nullptr);
  o["start_time"] = t ? iso_time_or_null(t->start_time) : json::value(nullptr);
  o["end_time"] = t ? iso_time_or_null(t->end_time) : json::value(nullptr);
  o["elapsed_seconds"] = t ? number_or_null(t->elapsed_seconds) : json::value(nullptr);
  o["time_limit_seconds"] = t ? number_or_null(t->time_limit_seconds) : json::value(nullptr);
  o["started"] = r.started;
  o["slurm_log"] = text_or_null(r.slurm_log);
  o["slurm_log_tail"] = text_or_null(r.slurm_log_tail);
  o["note"] = text_or_null(r.note);
  return o;
}

json::value to_json(const RelaunchHint& h) {
  json::array commands;
  for (const auto& c : h.commands) commands.push_back(json::value(c));
  return json::object{{"ranks", h.ranks},
                      {"array_indices", text_or_null(h.array_indices)},
                      {"hint", h.hint},
                      {"commands", std::move(commands)}};
}

json::value to_json(const JobScheduling& s, const std::optional<RelaunchHint>& relaunch) {
  json::object o;
  o["kind"] = s.kind;
  json::array ids, earlier, problems;
  for (const auto& id : s.job_ids) ids.push_back(json::value(id));
  for (const auto& id : s.earlier_job_ids) earlier.push_back(json::value(id));
  for (const auto& p : s.problems) problems.push_back(json::value(p));
  o["job_ids"] = std::move(ids);
  o["earlier_job_ids"] = std::move(earlier);
  if (s.merge_job) {
    const MergeJob& m = *s.merge_job;
    o["merge_job"] = json::object{{"job_id", m.job_id},
                                  {"state", to_string(m.state)},
                                  {"slurm_state", text_or_null(m.slurm_state)},
                                  {"reason", text_or_null(m.reason)},
                                  {"never_runs", m.never_runs}};
  } else {
    o["merge_job"] = nullptr;
  }
  json::object states;
  for (const auto& [state, n] : s.states) states[state] = n;
  o["states"] = std::move(states);
  json::object reasons;
  for (const auto& [reason, n] : s.pending_reasons) reasons[reason] = n;
  o["pending_reasons"] = std::move(reasons);
  o["problems"] = std::move(problems);
  o["relaunch"] = relaunch ? to_json(*relaunch) : json::value(nullptr);
  return o;
}

json::value rank_issues_json(const JobState& job, const JobScheduling* scheduling, bool* truncated) {
  json::array out;
  std::size_t scheduler_only = 0;
  const std::vector<RankScheduling> none;
  const std::vector<RankScheduling>& sched = scheduling ? scheduling->ranks : none;
  std::size_t i = 0, k = 0;
  // Both lists ascend by rank: merged, one entry per rank.
  while (i < job.rank_issues.size() || k < sched.size()) {
    const RankIssue* issue = i < job.rank_issues.size() ? &job.rank_issues[i] : nullptr;
    const RankScheduling* r = k < sched.size() ? &sched[k] : nullptr;
    if (issue && r && issue->rank != r->rank) {
      if (issue->rank < r->rank) r = nullptr;
      else issue = nullptr;
    }
    if (issue == nullptr && ++scheduler_only > json_max_scheduler_only_ranks) {
      if (truncated != nullptr) *truncated = true;
      ++k;
      continue;
    }
    json::object o;
    o["rank"] = issue ? issue->rank : r->rank;
    o["state"] = r ? json::value(r->state) : json::value(to_string(issue->state));
    o["message"] = issue && !issue->message.empty() ? json::value(issue->message) : json::value(nullptr);
    o["log_mtime"] = issue ? iso_time_or_null(issue->log_mtime) : json::value(nullptr);
    o["scheduler"] = r ? to_json(*r) : json::value(nullptr);
    out.push_back(std::move(o));
    if (issue) ++i;
    if (r) ++k;
  }
  return out;
}

json::value to_json(const RankCounts& c) {
  return json::object{{"running", c.running},
                      {"failed", c.failed},
                      {"finished_unmarked", c.finished_unmarked},
                      {"pending", c.pending},
                      {"failed_earlier_attempt", c.failed_earlier_attempt},
                      {"unread", c.unread},
                      {"exact", c.exact()}};
}

json::value to_json(const JobState& job) {
  json::object o;
  o["path"] = job.path;
  o["name"] = job.name;
  // Not UTF-8: the JSON writer escapes the bytes as \udcXX (reversible in
  // Python); path_b64 is the same bytes for parsers that refuse lone surrogates.
  if (!detail::is_valid_utf8(job.path)) o["path_b64"] = detail::base64_encode(job.path);
  o["kind"] = "datatrove";
  o["world_size"] = job.world_size;
  o["completed"] = job.completed;
  o["complete"] = job.complete();
  const auto ranges = job.incomplete_ranges();
  json::array ranks;
  for (std::int64_t r : job.incomplete_ranks(json_max_listed_ranks)) ranks.push_back(r);
  o["incomplete_ranks"] = std::move(ranks);
  o["incomplete_ranks_truncated"] = job.world_size - job.completed > static_cast<std::int64_t>(json_max_listed_ranks);
  o["incomplete_ranges"] = format_ranges(ranges);
  o["launched_at"] = iso_time_or_null(job.launched_at);
  o["last_completion_at"] = job.completed > 0 ? iso_time_or_null(job.last_change_at) : json::value(nullptr);
  o["rank_issues"] = rank_issues_json(job, nullptr);
  o["rank_issues_truncated"] = job.rank_issues_truncated;
  o["logs_read"] = job.logs_read;
  o["rank_counts"] = job.logs_read ? to_json(job.rank_counts) : json::value(nullptr);
  o["last_log_write_at"] = iso_time_or_null(job.last_log_write);
  json::array steps;
  for (const auto& s : job.pipeline_steps) steps.push_back(json::value(s));
  o["pipeline_steps"] = std::move(steps);
  json::array stray;
  for (const auto& s : job.stray_entries) stray.push_back(json::value(s));
  o["stray_entries"] = std::move(stray);
  json::array out_of_range;
  for (auto r : job.out_of_range_ranks) out_of_range.push_back(r);
  o["out_of_range_ranks"] = std::move(out_of_range);
  json::array warnings;
  for (const auto& w : job.warnings) warnings.push_back(to_json(w));
  o["warnings"] = std::move(warnings);
  return o;
}

json::value to_json(const JobRow& row, double now) {
  json::value v = to_json(*row.job);
  json::object& o = v.as_object();
  o["status"] = to_string(row.status);
  o["state_reason"] = row.state_reason;
  o["percent"] = static_cast<std::int64_t>(row.percent);
  o["failed_ranks"] = row.failed_ranks;
  o["failed_ranks_exact"] = row.failed_ranks_exact;
  o["eta_seconds"] = number_or_null(row.eta.remaining_seconds);
  o["rate_per_hour"] = row.eta.rate ? json::value(*row.eta.rate * 3600) : json::value(nullptr);
  o["finished_at"] = iso_time_or_null(row.finished_at);
  o["last_activity_at"] = iso_time_or_null(row.last_activity_at);
  o["ended_at"] = iso_time_or_null(row.ended_at);
  o["duration_seconds"] = number_or_null(row.duration_seconds(now));
  o["usual_rank_seconds"] = number_or_null(row.usual_rank_seconds);
  o["eta"] = to_json(row.eta);
  o["eta_linear"] = to_json(row.eta_linear);
  o["newly_completed"] = row.newly_completed;
  const std::optional<RelaunchHint> relaunch = row.relaunch();
  o["relaunch"] = relaunch ? to_json(*relaunch) : json::value(nullptr);
  if (row.scheduling) {
    o["scheduler"] = to_json(*row.scheduling, relaunch);
    bool truncated = false;
    o["rank_issues"] = rank_issues_json(*row.job, row.scheduling.get(), &truncated);
    if (truncated) o["rank_issues_truncated"] = true;
  } else {
    o["scheduler"] = nullptr;
  }
  return v;
}

json::value to_json(const Totals& t) {
  return json::object{{"jobs_total", t.jobs_total},         {"jobs_completed", t.jobs_completed},
                      {"tasks_total", t.tasks_total},       {"tasks_completed", t.tasks_completed},
                      {"jobs_running", t.jobs_running},     {"jobs_failed", t.jobs_failed},
                      {"jobs_stalled", t.jobs_stalled},     {"jobs_pending", t.jobs_pending},
                      {"tasks_failed", t.tasks_failed},     {"tasks_failed_exact", t.tasks_failed_exact},
                      {"rate_per_second", number_or_null(t.rate)},
                      {"remaining_seconds", number_or_null(t.remaining_seconds)}};
}

json::value to_json(const ScanStats& s) {
  return json::object{{"candidates", s.candidates},
                      {"jobs", s.jobs},
                      {"completions_listed", s.completions_listed},
                      {"directory_listings", s.directory_listings},
                      {"jobs_from_cache", s.jobs_from_cache},
                      {"logs_read", s.logs_read},
                      {"seconds", s.seconds}};
}

json::value status_document(const Aggregate& aggregate, const std::vector<Warning>& warnings) {
  json::array jobs;
  jobs.reserve(aggregate.rows.size());
  for (const JobRow& row : aggregate.rows) jobs.push_back(to_json(row, aggregate.now));
  json::array w;
  for (const Warning& warning : warnings) w.push_back(to_json(warning));
  json::object doc;
  doc["jobs"] = std::move(jobs);
  doc["summary"] = to_json(aggregate.totals);
  doc["warnings"] = std::move(w);
  doc["generated_at"] = format_iso8601(aggregate.now);
  return doc;
}

}  // namespace jobmon
