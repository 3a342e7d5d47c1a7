#include "jobmon/hub/hub_progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <set>
#include <utility>

#include "core/text/text.hpp"
#include "hub/footer_count.hpp"
#include "hub/source_files.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/error.hpp"
#include "jobmon/eta.hpp"
#include "jobmon/json.hpp"

namespace jobmon {

namespace json = boost::json;

namespace {

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

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The configs a repo's Parquet files make: "data/..." is default, "<name>/..." is name.
std::vector<std::string> configs_of(const std::vector<HubFile>& files) {
  std::set<std::string> names;
  for (const HubFile& f : files) {
    const std::size_t slash = f.path.find('/');
    if (!f.path.ends_with(".parquet") || slash == std::string::npos) continue;
    const std::string top = f.path.substr(0, slash);
    names.insert(top == "data" ? "default" : top);
  }
  return {names.begin(), names.end()};
}

// The source count a monitor keeps: redone only when the source moves to another commit.
struct SourceRecord {
  std::string sha;
  std::string revision;
  std::int64_t rows = 0;
  std::size_t files = 0;
  std::size_t skipped = 0;
};

}  // namespace

// The state a HubProgress keeps between polls.
struct HubProgress::Impl {
  Impl(HubClient& client, HubProgressOptions options) : client_(client), options_(std::move(options)) {}

  std::int64_t resolve_total();
  std::optional<std::int64_t> count_source_rows();
  HubCount count_repo(const std::string& repo, const std::string& sha, const std::vector<const HubFile*>& shards);
  HubCount count(const std::string& sha);
  void refuse_unknown_config(const std::string& sha);
  HubPoll poll(double now, CardState state, const std::string& stopped_reason);

  HubClient& client_;
  HubProgressOptions options_;
  detail::FooterCache footers_;  // by oid: same oid, same bytes
  std::optional<std::int64_t> total_;
  HubTotalOrigin origin_;
  std::optional<SourceRecord> source_;
  std::optional<EtaEstimator> eta_;
  std::int64_t baseline_ = 0;
  int polls_ = 0;
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
  std::string from = total ? "--total" : "";
  if (!total && !options_.source.empty()) {
    try {
      total = client_.dataset_size(options_.source, options_.source_config, options_.split);
    } catch (const HubError& e) {
      if (e.status() == 401 || e.status() == 403 || e.error_code() == "InvalidURL") throw;
      // Not indexed by the datasets-server: the card or the files may still say.
    }
    if (total) from = "datasets-server";
    if (!total) {
      if (const auto card = client_.read_raw(options_.source, "main", "README.md")) {
        total = card_num_examples(*card, options_.source_config, options_.split);
        if (total) from = "source card";
      }
    }
    if (!total) {
      total = count_source_rows();
      if (total) from = "source footers";
    }
  }
  const auto cap = options_.max_examples && *options_.max_examples > 0 ? options_.max_examples : std::nullopt;
  if (cap && (!total || *cap < *total)) {
    total = *cap;
    from = "--max-examples";
  }
  if (!total || *total <= 0) {
    throw UsageError("the expected number of rows is unknown: give --total, --source (with a datasets-server size, "
                     "dataset_info in its card or Parquet files) or --max-examples");
  }
  total_ = total;
  origin_.from = from;
  if (source_ && from == "source footers") {
    origin_.source_sha = source_->sha;
    origin_.source_revision = source_->revision;
    origin_.source_files = source_->files;
    origin_.source_skipped = source_->skipped;
  }
  return *total_;
}

// The rows of the --source split from its own Parquet footers: the files of
// its tree, else those of its refs/convert/parquet revision. Nothing when
// neither has any.
std::optional<std::int64_t> HubProgress::Impl::count_source_rows() {
  const std::string& source = options_.source;
  const std::string sha = client_.revision_sha(source, "main");
  if (source_ && source_->sha == sha) return source_->rows;
  const std::vector<HubFile> tree = client_.list_files(source, sha, "");
  std::vector<const HubFile*> files = detail::tree_split_files(tree, options_.source_config, options_.split);
  std::string revision = "main", read_at = sha;
  std::vector<HubFile> converted;
  if (files.empty()) {
    try {
      read_at = client_.revision_sha(source, detail::converted_parquet_revision);
    } catch (const HubError& e) {
      if (e.status() != 404) throw;
      return std::nullopt;  // never converted
    }
    revision = detail::converted_parquet_revision;
    converted = client_.list_files(source, read_at, options_.source_config);
    files = detail::converted_split_files(converted, options_.source_config, options_.split);
  }
  if (files.empty()) return std::nullopt;
  const HubCount counted = count_repo(source, read_at, files);
  if (counted.rows <= 0) return std::nullopt;
  source_ = SourceRecord{sha, revision, counted.rows, counted.files, counted.skipped.size()};
  return counted.rows;
}

// Sums the footers of `shards` of `repo` at `sha`, telling on_count as it goes.
HubCount HubProgress::Impl::count_repo(const std::string& repo, const std::string& sha,
                                       const std::vector<const HubFile*>& shards) {
  const double start = steady_seconds();
  HubCountProgress progress;
  progress.repo = repo;
  progress.sha = sha;
  progress.files = shards.size();
  const auto tell = [&](std::size_t done, std::size_t to_read, bool last) {
    if (!options_.on_count) return;
    progress.footers_done = done;
    progress.footers_to_read = to_read;
    progress.elapsed = steady_seconds() - start;
    progress.done = last;
    options_.on_count(progress);
  };
  HubCount counted = detail::count_footers(client_, repo, sha, shards, footers_,
                                           [&](std::size_t done, std::size_t to_read) { tell(done, to_read, false); });
  counted.sha = sha;
  tell(counted.footers_read, counted.footers_read, true);
  return counted;
}

HubCount HubProgress::Impl::count(const std::string& pinned) {
  const std::string sha = pinned.empty() ? client_.revision_sha(options_.repo, options_.revision) : pinned;
  const std::vector<HubFile> listed = client_.list_files(options_.repo, sha, hub_shard_folder(options_.config));
  std::vector<const HubFile*> shards;
  for (const auto& f : listed) {
    if (f.path.ends_with(".parquet")) shards.push_back(&f);
  }
  return count_repo(options_.repo, sha, shards);
}

// A first poll with no shard for --config and no card line for it is most
// likely a typo: committing a 0% line for it would put the typo on the card.
void HubProgress::Impl::refuse_unknown_config(const std::string& sha) {
  const auto readme = client_.read_raw(options_.repo, sha, "README.md");
  const std::vector<std::string> on_card = card_configs(readme.value_or(""));
  if (std::find(on_card.begin(), on_card.end(), options_.config) != on_card.end()) return;
  const std::vector<std::string> configs = configs_of(client_.list_files(options_.repo, sha, ""));
  throw UsageError(fmt::format(
      "no Parquet shard for --config {} in {} (under {}/) and the card has no line for it; configs with shards: {}. "
      "Give --allow-empty to start its line anyway",
      options_.config, options_.repo, hub_shard_folder(options_.config),
      configs.empty() ? std::string("none") : detail::join(configs, ", ")));
}

HubPoll HubProgress::Impl::poll(double now, CardState state, const std::string& stopped_reason) {
  HubPoll poll;
  poll.time = now;
  poll.state = state;
  poll.total = resolve_total();
  const PollDeadline deadline(client_, options_.poll_deadline);
  // One sha for everything this poll reads and the commit's parent: a listing
  // and footers read a moment apart never come from two commits.
  const std::string sha = client_.revision_sha(options_.repo, options_.revision);
  poll.count = count(sha);
  if (polls_ == 0 && poll.count.files == 0 && !options_.allow_empty) refuse_unknown_config(sha);
  ++polls_;
  const std::int64_t rows = poll.count.rows;
  poll.total_exceeded = rows > poll.total;
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
    const auto old = client_.read_raw(options_.repo, sha, "README.md");
    poll.readme = update_card(old.value_or(""), card);
    return poll;
  }
  const auto result = client_.update_file(
      options_.repo, options_.revision, "README.md",
      [&](const std::optional<std::string>& old) {
        poll.readme = update_card(old.value_or(""), card);
        return std::optional<std::string>(poll.readme);
      },
      fmt::format("Update generation progress ({})", options_.config), sha);
  poll.committed = result.committed;
  return poll;
}

std::int64_t HubProgress::resolve_total() { return impl_->resolve_total(); }

HubCount HubProgress::count(const std::string& sha) { return impl_->count(sha); }

const HubTotalOrigin& HubProgress::total_origin() const { return impl_->origin_; }

HubPoll HubProgress::poll(double now, CardState state, const std::string& stopped_reason) {
  return impl_->poll(now, state, stopped_reason);
}

double hub_poll_percent(const HubPoll& poll) {
  if (poll.total <= 0) return 0;
  const double p = 100.0 * static_cast<double>(std::clamp<std::int64_t>(poll.count.rows, 0, poll.total)) /
                   static_cast<double>(poll.total);
  return std::floor(p * 100) / 100;
}

std::string hub_poll_json(const HubProgressOptions& options, const HubPoll& poll, const HubTotalOrigin& origin) {
  json::array skipped;
  for (const auto& s : poll.count.skipped) skipped.push_back(json::object{{"path", s.path}, {"reason", s.reason}});
  json::object o;
  o["repo"] = options.repo;
  o["config"] = options.config;
  o["rows"] = poll.count.rows;
  o["total"] = poll.total;
  o["total_exceeded"] = poll.total_exceeded;
  if (!origin.from.empty()) {
    json::object from{{"from", origin.from}};
    if (!origin.source_sha.empty()) {
      from["source"] = options.source;
      from["sha"] = origin.source_sha;
      from["revision"] = origin.source_revision;
      from["files"] = origin.source_files;
      from["skipped_files"] = origin.source_skipped;
    }
    o["total_origin"] = std::move(from);
  }
  o["sha"] = poll.count.sha;
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
