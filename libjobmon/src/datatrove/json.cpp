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

json::value to_json(const Warning& warning) { return json::object{{"path", warning.path}, {"message", warning.message}}; }

json::value to_json(const RankIssue& issue) {
  json::object o{{"rank", issue.rank}, {"state", to_string(issue.state)}};
  o["message"] = issue.message.empty() ? json::value(nullptr) : json::value(issue.message);
  o["log_mtime"] = iso_time_or_null(issue.log_mtime);
  return o;
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
  json::array issues;
  for (const auto& issue : job.rank_issues) issues.push_back(to_json(issue));
  o["rank_issues"] = std::move(issues);
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
