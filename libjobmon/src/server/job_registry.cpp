#include "jobmon/server/job_registry.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <fmt/format.h>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "jobmon/clock.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/error.hpp"
#include "jobmon/json.hpp"
#include "jobmon/storage/glob.hpp"
#include "server/registry_common.hpp"

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

json::object summary_fields(const RegistryEntry& e) {
  json::object o;
  o["id"] = e.id;
  o["kind"] = e.kind;
  o["name"] = e.name;
  o["path"] = e.path;
  o["status"] = e.status;
  o["current"] = e.current;
  o["done"] = e.done;
  o["total"] = e.total;
  o["percent"] = static_cast<std::int64_t>(std::floor(100 * e.fraction));
  o["failed"] = e.failed;
  o["eta_seconds"] = e.eta_seconds ? json::value(*e.eta_seconds) : json::value(nullptr);
  return o;
}

json::array completion_curve(const std::vector<double>& times, std::size_t max_points) {
  json::array curve;
  if (times.empty()) return curve;
  const std::size_t step = std::max<std::size_t>(1, times.size() / std::max<std::size_t>(1, max_points));
  for (std::size_t i = 0; i < times.size(); i += step) curve.push_back(json::array{times[i], static_cast<std::int64_t>(i + 1)});
  if ((times.size() - 1) % step != 0) curve.push_back(json::array{times.back(), static_cast<std::int64_t>(times.size())});
  return curve;
}

std::string render_jobs_page(const std::vector<RegistryEntry>& entries,
                             const std::function<bool(const RegistryEntry&)>& keep, std::int64_t offset,
                             std::int64_t limit, double generated_at) {
  std::int64_t matches = 0, returned = 0;
  std::string body = "{\"jobs\":[";
  for (const auto& e : entries) {
    if (!keep(e)) continue;
    if (matches++ < offset || returned >= limit) continue;
    if (returned++) body += ',';
    body += e.summary_text;
  }
  const std::string next = offset + returned < matches ? std::to_string(offset + returned) : "null";
  body += fmt::format("],\"count\":{},\"returned\":{},\"offset\":{},\"limit\":{},\"next_offset\":{},\"generated_at\":\"{}\"}}",
                      matches, returned, offset, limit, next, format_iso8601(generated_at));
  return body;
}

// Data-Juicer work dirs found under the targets, each followed by its own
// incremental analyzer (only appended bytes are read on a refresh).
struct JobRegistry::DjJobs {
  std::map<std::string, std::unique_ptr<SnapshotAnalyzer>> analyzers;

  // `datatrove` holds the job dirs the scanner already knows: they are skipped without a stat.
  std::vector<std::string> discover(const Storage& storage, const std::vector<std::string>& targets,
                                    const std::set<std::string>& datatrove) {
    std::vector<std::string> found;
    for (const auto& target : targets) {
      std::vector<std::string> dirs;
      try {
        dirs = has_glob_chars(target) ? expand_glob(storage, target) : std::vector<std::string>{target};
      } catch (const Error&) {
        continue;  // the scanner reports bad targets
      }
      for (const auto& dir : dirs) {
        if (datatrove.count(dir) != 0) continue;
        if (storage.stat(storage.join(dir, "executor.json")).type != EntryType::missing) continue;  // datatrove
        if (is_data_juicer_dir(storage, dir)) {
          found.push_back(dir);
          continue;
        }
        std::vector<DirEntry> children;
        try {
          children = storage.list(dir);
        } catch (const StorageError&) {
          continue;
        }
        for (const auto& child : children) {
          if (child.type != EntryType::directory || child.name.starts_with('.')) continue;
          const std::string path = storage.join(dir, child.name);
          if (datatrove.count(path) != 0) continue;
          if (storage.stat(storage.join(path, "executor.json")).type != EntryType::missing) continue;
          if (is_data_juicer_dir(storage, path)) found.push_back(path);
        }
      }
    }
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    return found;
  }
};

JobRegistry::JobRegistry(std::shared_ptr<const Storage> storage, std::vector<std::string> targets,
                         RegistryOptions options)
    : storage_(storage),
      targets_(std::move(targets)),
      options_(options),
      scanner_(storage, options.scan),
      dj_(std::make_unique<DjJobs>()) {}

JobRegistry::~JobRegistry() = default;

std::vector<RegistryChange> JobRegistry::refresh(double now) {
  const ScanResult scan = scanner_.scan(targets_);
  const Aggregate agg = aggregate(scan.jobs, now);
  std::vector<RegistryEntry> fresh;
  fresh.reserve(agg.rows.size());
  // A complete job's entry depends only on its (cached, immutable) state: reuse it.
  // The previous list is immutable: read it without holding the lock, so that
  // requests never wait behind this (low-priority) refresh.
  const auto previous = entries_view();
  std::unordered_map<std::string, const RegistryEntry*> reusable;
  for (const auto& e : *previous) {
    if (e.kind == "datatrove" && e.status == "complete") reusable.emplace(e.path, &e);
  }
  std::set<std::string> datatrove_paths;
  for (const JobRow& row : agg.rows) {
    datatrove_paths.insert(row.job->path);
    auto it = reusable.find(row.job->path);
    if (row.status == JobStatus::complete && it != reusable.end() && it->second->row.job == row.job) {
      fresh.push_back(*it->second);
    } else {
      fresh.push_back(datatrove_entry(row));
    }
  }
  Totals totals = agg.totals;

  // Data-Juicer work dirs: each analyzer reads only what was appended.
  const std::vector<std::string> work_dirs = dj_->discover(*storage_, targets_, datatrove_paths);
  std::set<std::string> dj_paths(work_dirs.begin(), work_dirs.end());
  std::vector<Warning> warnings;
  for (const auto& w : scan.warnings) {
    if (dj_paths.count(w.path) == 0) warnings.push_back(w);  // "no executor.json" is expected there
  }
  for (const auto& row : agg.rows) warnings.insert(warnings.end(), row.job->warnings.begin(), row.job->warnings.end());
  std::erase_if(dj_->analyzers, [&](const auto& kv) { return dj_paths.count(kv.first) == 0; });
  for (const auto& dir : work_dirs) {
    auto& analyzer = dj_->analyzers[dir];
    if (!analyzer) analyzer = std::make_unique<SnapshotAnalyzer>(dir, storage_);
    std::shared_ptr<const Snapshot> snap;
    try {  // one hostile work dir must not stop every other job from refreshing
      analyzer->update();
      snap = std::make_shared<const Snapshot>(analyzer->snapshot(now));
    } catch (const std::exception& e) {
      warnings.push_back({dir, e.what()});
      analyzer.reset();  // start over next time
      continue;
    }
    RegistryEntry e = data_juicer_entry(dir, snap);
    ++totals.jobs_total;
    totals.tasks_total += e.total;
    totals.tasks_completed += e.done;
    if (e.status == "complete") ++totals.jobs_completed;
    else if (e.status == "failed") ++totals.jobs_failed;
    else if (e.status == "stalled") ++totals.jobs_stalled;
    else if (e.status == "pending") ++totals.jobs_pending;
    else ++totals.jobs_running;
    fresh.push_back(std::move(e));
  }
  std::sort(fresh.begin(), fresh.end(), [](const RegistryEntry& a, const RegistryEntry& b) { return a.path < b.path; });
  // Serialise once here, not once per request.
  for (auto& e : fresh) {
    if (e.summary_text.empty()) e.summary_text = to_compact_json(e.summary);
  }
  std::string body = render_jobs_page(fresh, [](const RegistryEntry&) { return true; }, 0,
                                      static_cast<std::int64_t>(options_.jobs_page_size), now);
  auto fresh_entries = std::make_shared<const std::vector<RegistryEntry>>(std::move(fresh));

  std::unordered_map<std::string, const RegistryEntry*> before;
  for (const auto& e : *previous) before[e.id] = &e;
  std::vector<RegistryChange> changes;
  for (const auto& e : *fresh_entries) {
    auto it = before.find(e.id);
    if (it == before.end() || it->second->status != e.status || it->second->done != e.done)
      changes.push_back({e.id, e.status, e.done});
    if (it != before.end()) before.erase(it);
  }
  for (const auto& gone : before) changes.push_back({gone.first, "removed", 0});
  std::lock_guard lock(mutex_);  // only pointer swaps below
  entries_ = std::move(fresh_entries);
  first_jobs_page_ = std::make_shared<const std::string>(std::move(body));
  warnings_ = std::move(warnings);
  totals_ = totals;
  last_refresh_ = now;
  if (!changes.empty()) {
    ++version_;
    last_changes_ = changes;
    history_.emplace_back(version_, changes);
    while (history_.size() > 64) history_.pop_front();
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

std::pair<std::uint64_t, std::vector<RegistryChange>> JobRegistry::wait_for_changes(std::uint64_t seen,
                                                                                    double timeout_seconds) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, std::chrono::duration<double>(timeout_seconds),
                    [&] { return version_ != seen || closed_; });
  std::vector<RegistryChange> out;
  std::unordered_map<std::string, std::size_t> slot;
  for (const auto& [version, changes] : history_) {
    if (version <= seen) continue;
    for (const auto& c : changes) {
      auto [it, fresh] = slot.emplace(c.id, out.size());
      if (fresh) out.push_back(c);
      else out[it->second] = c;  // the latest state of that job wins
    }
  }
  return {version_, std::move(out)};
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

std::vector<RegistryEntry> JobRegistry::entries() const { return *entries_view(); }

std::shared_ptr<const std::vector<RegistryEntry>> JobRegistry::entries_view() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

std::shared_ptr<const std::string> JobRegistry::first_jobs_page() const {
  std::lock_guard lock(mutex_);
  return first_jobs_page_;
}

std::optional<RegistryEntry> JobRegistry::find(const std::string& id) const {
  const auto view = entries_view();
  for (const auto& e : *view) {
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
  if (found->kind == "data_juicer") return data_juicer_detail(*found, options_);
  return datatrove_detail(*found, options_);
}

}  // namespace jobmon
