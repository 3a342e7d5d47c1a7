#include "jobmon/job_registry.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <fmt/format.h>
#include <unordered_map>

#include "jobmon/clock.hpp"
#include "jobmon/json.hpp"

namespace jobmon {
namespace json = boost::json;

std::string job_id_for(const std::string& kind, const std::string& path) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  mix(kind);
  mix("\n");
  mix(path);
  return fmt::format("{:016x}", h);
}

namespace {

bool is_current(const JobRow& row) {
  if (row.status == JobStatus::complete) return false;
  if (row.status != JobStatus::failed) return true;
  // A failed job whose other ranks still run is still going.
  return std::any_of(row.job->rank_issues.begin(), row.job->rank_issues.end(),
                     [](const RankIssue& i) { return i.state == RankState::running; });
}

json::value summary_of(const RegistryEntry& e) {
  const JobRow& row = e.row;
  json::object o;
  o["id"] = e.id;
  o["kind"] = e.kind;
  o["name"] = e.name;
  o["path"] = e.path;
  o["status"] = e.status;
  o["current"] = e.current;
  o["done"] = row.job->completed;
  o["total"] = row.job->world_size;
  o["percent"] = static_cast<std::int64_t>(row.percent);
  o["failed"] = row.failed_ranks;
  o["eta_seconds"] = row.status != JobStatus::complete && row.eta.remaining_seconds
                         ? json::value(*row.eta.remaining_seconds) : json::value(nullptr);
  o["rate_per_hour"] = row.eta.rate ? json::value(*row.eta.rate * 3600) : json::value(nullptr);
  o["started_at"] = row.job->launched_at ? json::value(format_iso8601(*row.job->launched_at)) : json::value(nullptr);
  o["finished_at"] = row.finished_at ? json::value(format_iso8601(*row.finished_at)) : json::value(nullptr);
  o["last_change_at"] = row.job->last_change_at ? json::value(format_iso8601(*row.job->last_change_at)) : json::value(nullptr);
  return o;
}

}  // namespace

JobRegistry::JobRegistry(std::shared_ptr<const Storage> storage, std::vector<std::string> targets,
                         RegistryOptions options)
    : storage_(storage), targets_(std::move(targets)), options_(options), scanner_(storage, options.scan) {}

std::vector<RegistryChange> JobRegistry::refresh(double now) {
  const ScanResult scan = scanner_.scan(targets_);
  const Aggregate agg = aggregate(scan.jobs, now);
  std::vector<RegistryEntry> fresh;
  fresh.reserve(agg.rows.size());
  for (const JobRow& row : agg.rows) {
    RegistryEntry e;
    e.kind = "datatrove";
    e.path = row.job->path;
    e.name = row.job->name;
    e.id = job_id_for(e.kind, e.path);
    e.status = to_string(row.status);
    e.current = is_current(row);
    e.row = row;
    e.summary = summary_of(e);
    fresh.push_back(std::move(e));
  }
  std::vector<Warning> warnings = scan.warnings;
  for (const auto& row : agg.rows) warnings.insert(warnings.end(), row.job->warnings.begin(), row.job->warnings.end());

  std::lock_guard lock(mutex_);
  std::unordered_map<std::string, const RegistryEntry*> before;
  for (const auto& e : entries_) before[e.id] = &e;
  std::vector<RegistryChange> changes;
  for (const auto& e : fresh) {
    auto it = before.find(e.id);
    if (it == before.end() || it->second->status != e.status || it->second->row.job->completed != e.row.job->completed)
      changes.push_back({e.id, e.status, e.row.job->completed});
    if (it != before.end()) before.erase(it);
  }
  for (const auto& gone : before) changes.push_back({gone.first, "removed", 0});
  entries_ = std::move(fresh);
  warnings_ = std::move(warnings);
  totals_ = agg.totals;
  last_refresh_ = now;
  if (!changes.empty()) {
    ++version_;
    last_changes_ = changes;
    changed_.notify_all();
  }
  return changes;
}

std::uint64_t JobRegistry::version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

std::uint64_t JobRegistry::wait_for_change(std::uint64_t seen, double timeout_seconds) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, std::chrono::duration<double>(timeout_seconds),
                    [&] { return version_ != seen || closed_; });
  return version_;
}

void JobRegistry::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

bool JobRegistry::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

std::vector<RegistryChange> JobRegistry::last_changes() const {
  std::lock_guard lock(mutex_);
  return last_changes_;
}

std::vector<RegistryEntry> JobRegistry::entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

std::optional<RegistryEntry> JobRegistry::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  for (const auto& e : entries_) {
    if (e.id == id) return e;
  }
  return std::nullopt;
}

std::vector<Warning> JobRegistry::warnings() const {
  std::lock_guard lock(mutex_);
  return warnings_;
}

Totals JobRegistry::totals() const {
  std::lock_guard lock(mutex_);
  return totals_;
}

double JobRegistry::last_refresh() const {
  std::lock_guard lock(mutex_);
  return last_refresh_;
}

std::optional<json::value> JobRegistry::detail(const std::string& id) const {
  const auto found = find(id);
  if (!found) return std::nullopt;
  const RegistryEntry& e = *found;
  const JobState& job = *e.row.job;
  json::object o = e.summary.as_object();
  o["job"] = to_json(e.row);

  // Stages: datatrove's pipeline steps from executor.json.
  json::array stages;
  for (const auto& step : job.pipeline_steps) stages.push_back(json::value(step));
  o["stages"] = std::move(stages);

  // Rank grid: one cell per rank (bounded), coloured by state.
  const std::size_t cells = static_cast<std::size_t>(std::min<std::int64_t>(job.world_size, static_cast<std::int64_t>(options_.max_grid_ranks)));
  std::string grid(cells, 'p');  // p pending, d done, f failed, r running, u unmarked-but-done
  for (std::int64_t r : job.done_ranks) {
    if (r < static_cast<std::int64_t>(cells)) grid[static_cast<std::size_t>(r)] = 'd';
  }
  for (const RankIssue& issue : job.rank_issues) {
    if (issue.rank >= static_cast<std::int64_t>(cells)) continue;
    char c = 'p';
    switch (issue.state) {
      case RankState::failed: c = 'f'; break;
      case RankState::running: c = 'r'; break;
      case RankState::finished_unmarked: c = 'u'; break;
      case RankState::pending: c = 'p'; break;
    }
    grid[static_cast<std::size_t>(issue.rank)] = c;
  }
  o["rank_grid"] = grid;
  o["rank_grid_truncated"] = static_cast<std::int64_t>(cells) < job.world_size;
  o["rank_logs_read"] = static_cast<std::int64_t>(job.rank_issues.size());

  // Completion curve: (time, done) points, downsampled.
  json::array curve;
  const auto& times = job.marker_mtimes;
  if (!times.empty()) {
    const std::size_t step = std::max<std::size_t>(1, times.size() / options_.max_chart_points);
    for (std::size_t i = 0; i < times.size(); i += step) curve.push_back(json::array{times[i], static_cast<std::int64_t>(i + 1)});
    if ((times.size() - 1) % step != 0) curve.push_back(json::array{times.back(), static_cast<std::int64_t>(times.size())});
  }
  o["completion_curve"] = std::move(curve);
  json::array errors;
  for (const RankIssue& issue : job.rank_issues) {
    if (issue.state == RankState::failed) errors.push_back(json::object{{"rank", issue.rank}, {"message", issue.message}});
  }
  o["errors"] = std::move(errors);
  return json::value(std::move(o));
}

}  // namespace jobmon
