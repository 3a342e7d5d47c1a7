#include "jobmon/hub/hub_progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <utility>

#include "core/text/text.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/error.hpp"
#include "jobmon/eta.hpp"
#include "jobmon/hub/parquet_footer.hpp"
#include "jobmon/json.hpp"

namespace jobmon {

namespace json = boost::json;

namespace {

std::string cache_key(const HubFile& file) {
  return file.oid.empty() ? fmt::format("{}#{}", file.path, file.size) : file.oid;
}

const char* state_name(CardState state) {
  switch (state) {
    case CardState::complete: return "complete";
    case CardState::stopped: return "stopped";
    default: return "running";
  }
}

// The client's deadline for one poll, lifted when the poll ends however it ends.
class PollDeadline {
 public:
  PollDeadline(HubClient& client, double seconds) : client_(client) {
    if (seconds > 0) client_.set_deadline(seconds);
  }
  ~PollDeadline() { client_.set_deadline(std::nullopt); }
  PollDeadline(const PollDeadline&) = delete;
  PollDeadline& operator=(const PollDeadline&) = delete;

 private:
  HubClient& client_;
};

struct CachedFooter {
  std::optional<std::int64_t> rows;  // nothing: content that is not a readable Parquet file
  std::string reason;
};

}  // namespace

// The state a HubProgress keeps between polls.
struct HubProgress::Impl {
  Impl(HubClient& client, HubProgressOptions options) : client_(client), options_(std::move(options)) {}

  std::int64_t resolve_total();
  HubCount count();
  HubPoll poll(double now, CardState state, const std::string& stopped_reason);

  HubClient& client_;
  HubProgressOptions options_;
  std::map<std::string, CachedFooter> footers_;  // by oid: same oid, same bytes
  std::optional<std::int64_t> total_;
  std::optional<EtaEstimator> eta_;
  std::int64_t baseline_ = 0;
};

std::optional<std::int64_t> card_num_examples(std::string_view readme, const std::string& config,
                                              const std::string& split) {
  if (readme.substr(0, 4) != "---\n") return std::nullopt;
  const std::size_t end = readme.find("\n---", 3);
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view front = readme.substr(4, end - 3);
  bool in_info = false;
  std::string current_config, current_split;
  for (std::string_view line : detail::split_lines(front)) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.front() != ' ' && line.front() != '-') {  // a top-level key
      in_info = line.substr(0, 13) == "dataset_info:";
      continue;
    }
    if (!in_info) continue;
    const std::size_t first = line.find_first_not_of(" -");
    if (first == std::string_view::npos) continue;
    const std::string_view item = line.substr(first);
    const auto value_of = [&](std::string_view key) -> std::optional<std::string> {
      if (item.substr(0, key.size()) != key) return std::nullopt;
      std::string v(item.substr(key.size()));
      v.erase(0, v.find_first_not_of(" \"'"));
      v.erase(v.find_last_not_of(" \"'") + 1);
      return v;
    };
    if (auto v = value_of("config_name:")) current_config = *v;
    else if (auto n = value_of("name:")) current_split = *n;
    else if (auto e = value_of("num_examples:")) {
      if (current_split == split && (current_config.empty() || current_config == config)) {
        try {
          return std::stoll(*e);
        } catch (const std::exception&) {
          return std::nullopt;
        }
      }
    }
  }
  return std::nullopt;
}

std::string hub_shard_folder(const std::string& config) { return config == "default" ? "data" : config; }

HubProgress::HubProgress(HubClient& client, HubProgressOptions options) {
  if (options.repo.find('/') == std::string::npos) throw UsageError("--repo must be ORG/NAME, got '" + options.repo + "'");
  if (options.config.empty()) throw UsageError("--config must not be empty");
  impl_ = std::make_unique<Impl>(client, std::move(options));
}

HubProgress::~HubProgress() = default;

const HubProgressOptions& HubProgress::options() const { return impl_->options_; }

std::int64_t HubProgress::Impl::resolve_total() {
  if (total_) return *total_;
  const PollDeadline deadline(client_, options_.poll_deadline);
  std::optional<std::int64_t> total = options_.total;
  if (!total && !options_.source.empty()) {
    try {
      total = client_.dataset_size(options_.source, options_.source_config, options_.split);
    } catch (const HubError& e) {
      if (e.status() == 401 || e.status() == 403) throw;
      // Not indexed by the datasets-server: the card may still say.
    }
    if (!total) {
      if (const auto card = client_.read_raw(options_.source, "main", "README.md")) {
        total = card_num_examples(*card, options_.source_config, options_.split);
      }
    }
  }
  const auto cap = options_.max_examples && *options_.max_examples > 0 ? options_.max_examples : std::nullopt;
  if (cap) total = total ? std::min(*total, *cap) : *cap;
  if (!total || *total <= 0) {
    throw UsageError("the expected number of rows is unknown: give --total, --source (with a datasets-server size) "
                     "or --max-examples");
  }
  total_ = total;
  return *total_;
}

HubCount HubProgress::Impl::count() {
  HubCount result;
  const std::vector<HubFile> listed = client_.list_files(options_.repo, options_.revision, hub_shard_folder(options_.config));
  std::vector<const HubFile*> shards;
  for (const auto& f : listed) {
    if (f.path.ends_with(".parquet")) shards.push_back(&f);
  }
  std::sort(shards.begin(), shards.end(), [](const HubFile* a, const HubFile* b) { return a->path < b->path; });
  result.files = shards.size();

  // Footers not seen before: a speculative tail first, the exact tail when
  // the footer is bigger. Transport failures are not cached (retried next poll);
  // unreadable content is (the same oid always holds the same bytes).
  std::map<std::string, std::string> transient;  // path -> why
  std::vector<const HubFile*> pending;
  for (const HubFile* f : shards) {
    if (!f->problem.empty() || footers_.count(cache_key(*f))) continue;
    if (f->size < 12) {
      footers_[cache_key(*f)] = {std::nullopt, fmt::format("not a Parquet file: too short ({} bytes)", f->size)};
      continue;
    }
    pending.push_back(f);
  }
  const auto record = [&](const HubFile& f, const std::string& bytes) -> std::optional<std::uint64_t> {
    // Caches the footer; returns the tail size still needed when `bytes` fell short.
    try {
      if (auto footer = parse_parquet_tail(bytes, f.size)) {
        footers_[cache_key(f)] = {footer->num_rows, {}};
        return std::nullopt;
      }
      return parquet_tail_needed(bytes, f.size);
    } catch (const FormatError& e) {
      footers_[cache_key(f)] = {std::nullopt, e.what()};
      return std::nullopt;
    }
  };
  if (!pending.empty()) {
    std::vector<HubRange> ranges;
    for (const HubFile* f : pending) {
      const std::uint64_t length = std::min(f->size, parquet_speculative_tail);
      ranges.push_back({f->path, f->size - length, length});
    }
    const auto results = client_.read_ranges(options_.repo, options_.revision, ranges);
    std::vector<const HubFile*> again;
    std::vector<HubRange> again_ranges;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      const HubFile& f = *pending[i];
      ++result.footers_read;
      if (results[i].error) {
        transient[f.path] = *results[i].error;
      } else if (const auto needed = record(f, results[i].data)) {
        again.push_back(&f);
        again_ranges.push_back({f.path, f.size - *needed, *needed});
      }
    }
    if (!again.empty()) {
      const auto tails = client_.read_ranges(options_.repo, options_.revision, again_ranges);
      for (std::size_t i = 0; i < again.size(); ++i) {
        const HubFile& f = *again[i];
        if (tails[i].error) transient[f.path] = *tails[i].error;
        else if (record(f, tails[i].data)) footers_[cache_key(f)] = {std::nullopt, "footer does not fit the bytes read"};
      }
    }
  }

  for (const HubFile* f : shards) {
    if (!f->problem.empty()) {
      // One bad entry (a size of -5 or 1e30) costs that shard, not the poll.
      result.skipped.push_back({f->path, f->problem});
      continue;
    }
    if (auto it = transient.find(f->path); it != transient.end()) {
      result.skipped.push_back({f->path, "could not read the footer: " + it->second});
      continue;
    }
    const CachedFooter& cached = footers_.at(cache_key(*f));
    if (cached.rows) result.rows += *cached.rows;
    else result.skipped.push_back({f->path, cached.reason});
  }
  return result;
}

HubPoll HubProgress::Impl::poll(double now, CardState state, const std::string& stopped_reason) {
  HubPoll poll;
  poll.time = now;
  poll.state = state;
  poll.total = resolve_total();
  const PollDeadline deadline(client_, options_.poll_deadline);
  poll.count = count();
  const std::int64_t rows = poll.count.rows;
  if (!eta_) {
    // The rate is measured from what this monitor sees arrive: shards already
    // there when it started say nothing about how fast the job runs.
    baseline_ = std::min(rows, poll.total);
    eta_.emplace(static_cast<double>(std::max<std::int64_t>(1, poll.total - baseline_)));
    eta_->set_start(now);
  }
  eta_->add(now, static_cast<double>(std::max<std::int64_t>(0, rows - baseline_)));
  const EtaEstimate estimate = eta_->smoothed(now);
  if (rows >= poll.total) poll.eta_seconds = 0;
  else if (rows > baseline_) poll.eta_seconds = estimate.remaining_seconds;

  CardProgress card;
  card.config = options_.config;
  card.rows = rows;
  card.total = poll.total;
  card.state = state;
  card.remaining_seconds = poll.eta_seconds;
  card.now = now;
  card.stopped_reason = stopped_reason;
  poll.card_line = render_progress_line(card);

  if (options_.dry_run) {
    const auto old = client_.read_raw(options_.repo, options_.revision, "README.md");
    poll.readme = update_card(old.value_or(""), card);
    return poll;
  }
  const auto result = client_.update_file(
      options_.repo, options_.revision, "README.md",
      [&](const std::optional<std::string>& old) {
        poll.readme = update_card(old.value_or(""), card);
        return std::optional<std::string>(poll.readme);
      },
      fmt::format("Update generation progress ({})", options_.config));
  poll.committed = result.committed;
  return poll;
}

std::int64_t HubProgress::resolve_total() { return impl_->resolve_total(); }

HubCount HubProgress::count() { return impl_->count(); }

HubPoll HubProgress::poll(double now, CardState state, const std::string& stopped_reason) {
  return impl_->poll(now, state, stopped_reason);
}

double hub_poll_percent(const HubPoll& poll) {
  if (poll.total <= 0) return 0;
  const double p = 100.0 * static_cast<double>(std::clamp<std::int64_t>(poll.count.rows, 0, poll.total)) /
                   static_cast<double>(poll.total);
  return std::floor(p * 100) / 100;
}

std::string hub_poll_json(const HubProgressOptions& options, const HubPoll& poll) {
  json::array skipped;
  for (const auto& s : poll.count.skipped) skipped.push_back(json::object{{"path", s.path}, {"reason", s.reason}});
  json::object o;
  o["repo"] = options.repo;
  o["config"] = options.config;
  o["rows"] = poll.count.rows;
  o["total"] = poll.total;
  o["files"] = poll.count.files;
  o["skipped_files"] = poll.count.skipped.size();
  o["skipped"] = std::move(skipped);
  o["footers_read"] = poll.count.footers_read;
  o["percent"] = hub_poll_percent(poll);
  o["eta_seconds"] = poll.eta_seconds ? json::value(std::round(*poll.eta_seconds)) : json::value(nullptr);
  o["finish_time"] = poll.eta_seconds ? json::value(format_iso8601(poll.time + *poll.eta_seconds)) : json::value(nullptr);
  o["state"] = state_name(poll.state);
  o["committed"] = poll.committed;
  o["time"] = format_iso8601(poll.time);
  std::string out;
  out += to_compact_json(o);
  return out;
}

}  // namespace jobmon
