#include "training/run_reader.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <exception>
#include <utility>

#include "jobmon/error.hpp"
#include "training/run_discovery.hpp"

namespace jobmon::detail {
namespace {

constexpr std::size_t kMaxEventFiles = 256;
constexpr std::size_t kMaxArguments = 512;
constexpr std::size_t kMaxArgumentText = 400;
constexpr std::uint64_t kMaxArgumentsBytes = 1 << 20;

bool is_eval_name(std::string_view name) {
  return name.starts_with("eval/") || name.starts_with("eval_") || name.find("/eval") != std::string_view::npos ||
         name.starts_with("validation/") || name.starts_with("val_") || name.starts_with("val/");
}

std::string clipped(std::string text) {
  if (text.size() > kMaxArgumentText) {
    text.resize(kMaxArgumentText);
    text += "…";
  }
  return text;
}

// Lightning's hparams.yaml: the top-level "key: value" lines (nested values
// are shown by their first line only).
std::vector<std::pair<std::string, std::string>> parse_hparams_yaml(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty() && out.size() < kMaxArguments) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == ' ' || line.front() == '#' || line.front() == '-') continue;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    out.emplace_back(clipped(std::string(line.substr(0, colon))), clipped(std::string(value)));
  }
  return out;
}

std::string argument_text(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return boost::json::serialize(v);
}

}  // namespace

class RunReader::Sink final : public EventSink {
 public:
  Sink(RunReader& reader, const std::string& prefix) : r_(reader), prefix_(prefix) {}

  void on_scalar(const EventScalar& s) override {
    MetricSeries* series = find(s.tag);
    if (series) series->add(s.step, s.value, s.wall_time);
    if (!r_.first_event_time_) r_.first_event_time_ = s.wall_time;
    const bool eval = is_eval_name(s.tag) || is_eval_name(prefix_);
    if (eval) {
      if (s.step != r_.last_eval_event_step_) ++r_.eval_events_;
      r_.last_eval_event_step_ = s.step;
      r_.last_eval_event_time_ = s.wall_time;
    } else if (!r_.first_train_time_) {
      r_.first_train_time_ = s.wall_time;
    }
    // Progress: a step later than any seen so far.
    if (r_.event_steps_.empty() || s.step > r_.event_steps_.last().step) {
      r_.event_steps_.add(s.step, static_cast<double>(s.step), s.wall_time);
    }
  }

  void on_text(std::string_view tag, std::int64_t, double wall_time, std::string_view text) override {
    if (!r_.first_event_time_) r_.first_event_time_ = wall_time;
    if (tag.starts_with("args/")) r_.add_arguments_text(text);
  }

 private:
  MetricSeries* find(std::string_view tag) {
    auto& metrics = r_.event_metrics_;
    if (prefix_.empty()) {
      if (auto it = metrics.find(tag); it != metrics.end()) return &it->second;
      return insert(std::string(tag));
    }
    name_.assign(prefix_).append(tag);
    if (auto it = metrics.find(name_); it != metrics.end()) return &it->second;
    return insert(name_);
  }
  MetricSeries* insert(const std::string& name) {
    if (r_.event_metrics_.size() >= r_.options_.max_series) {
      ++r_.dropped_series_;
      return nullptr;
    }
    return &r_.event_metrics_.emplace(name, MetricSeries(metric_goal(name), r_.options_.max_points)).first->second;
  }

  RunReader& r_;
  const std::string& prefix_;
  std::string name_;
};

RunReader::RunReader(std::string dir, TrainingOptions options)
    : dir_(std::move(dir)), options_(options), event_steps_(MetricGoal::none, options.max_points) {}

RunReader::~RunReader() = default;

bool RunReader::refresh(const Storage& storage) {
  bytes_read_ = files_read_ = 0;
  changed_ = false;
  list_files(storage);
  read_state_files(storage);
  read_results(storage);
  read_lightning(storage);
  read_event_files(storage);
  return changed_;
}

void RunReader::list_files(const Storage& storage) {
  std::vector<DirEntry> entries;
  try {
    entries = storage.list(dir_, ListOptions(false, false));
  } catch (const std::exception& e) {
    listing_problem_ = std::string("cannot list the run dir: ") + e.what();
    return;
  }
  listing_problem_.clear();
  std::vector<std::pair<std::string, std::string>> events;  // path, prefix
  auto add_events_in = [&](const std::string& dir, const std::string& prefix, auto&& self, int depth) -> void {
    if (events.size() >= kMaxEventFiles) return;
    std::vector<DirEntry> inner;
    try {
      inner = storage.list(dir, ListOptions(false, false));
    } catch (const std::exception&) {
      return;
    }
    std::sort(inner.begin(), inner.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    for (const DirEntry& e : inner) {
      if (e.type == EntryType::file && is_event_file_name(e.name) && events.size() < kMaxEventFiles) {
        events.emplace_back(storage.join(dir, e.name), prefix);
      }
    }
    if (depth <= 0) return;
    for (const DirEntry& e : inner) {
      if (e.type == EntryType::directory && !e.name.starts_with('.')) {
        // Below HF's runs/<date>_<host>/ the sub-runs (add_hparams) share its tags' names.
        self(storage.join(dir, e.name), prefix.empty() && has_runs_dir_ ? prefix : prefix + e.name + "/", self, depth - 1);
      }
    }
  };

  std::map<std::string, TrainingCheckpoint> checkpoints;
  has_runs_dir_ = false;
  for (const DirEntry& e : entries) {
    if (e.type != EntryType::directory) continue;
    if (checkpoint_step(e.name) || e.name == "last-checkpoint") {
      auto it = checkpoints_.find(e.name);
      TrainingCheckpoint c = it != checkpoints_.end() ? it->second : TrainingCheckpoint{e.name, checkpoint_step(e.name), {}, false};
      if (!c.has_state) {
        // A checkpoint is written once: stat it until its state file is there.
        const std::string path = storage.join(dir_, e.name);
        const FileStat dir_stat = storage.stat(path);
        if (dir_stat.type == EntryType::directory) c.saved_at = dir_stat.mtime;
        c.has_state = storage.stat(storage.join(path, "trainer_state.json")).type == EntryType::file;
        if (c.has_state) changed_ = true;
      }
      checkpoints.emplace(e.name, std::move(c));
    } else if (e.name == "runs") {
      has_runs_dir_ = true;
    }
  }
  if (checkpoints.size() != checkpoints_.size()) changed_ = true;
  checkpoints_ = std::move(checkpoints);

  if (has_runs_dir_) {
    add_events_in(storage.join(dir_, "runs"), "", add_events_in, 3);
  } else {
    add_events_in(dir_, "", add_events_in, 2);
  }
  event_paths_.clear();
  event_prefix_.clear();
  for (auto& [path, prefix] : events) {
    event_paths_.push_back(path);
    event_prefix_[path] = prefix;
  }
  if (events.size() >= kMaxEventFiles) {
    listing_problem_ = "more than " + std::to_string(kMaxEventFiles) + " event files: the rest are not read";
  }
}

template <typename Parsed, typename Parse>
bool RunReader::reread_if_changed(const Storage& storage, WholeFile<Parsed>& file, Parse parse) {
  const FileStat st = storage.stat(file.path);
  if (st.type != EntryType::file) {
    const bool was = file.parsed.has_value() || file.size != 0;
    file.parsed.reset();
    file.size = 0;
    file.mtime = 0;
    file.problem = st.type == EntryType::missing ? st.error : "not a regular file: not read";
    if (was) changed_ = true;
    return false;
  }
  if (st.size == file.size && st.mtime == file.mtime && (file.parsed || !file.problem.empty())) return false;
  file.size = st.size;
  file.mtime = st.mtime;
  changed_ = true;
  if (st.size > options_.max_json_bytes) {
    file.parsed.reset();
    file.problem = "larger than " + std::to_string(options_.max_json_bytes >> 20) + " MiB: not read";
    return true;
  }
  try {
    const std::string text = storage.read(file.path, options_.max_json_bytes);
    bytes_read_ += text.size();
    ++files_read_;
    file.parsed = parse(text);
    file.problem.clear();
  } catch (const std::exception& e) {
    // A file caught mid-write parses next time; until then the last good parse stands.
    file.problem = e.what();
  }
  return true;
}

void RunReader::read_state_files(const Storage& storage) {
  TrainerStateOptions state_options;
  state_options.max_points = options_.max_points;
  auto parse = [&](const std::string& text) { return parse_trainer_state(text, state_options); };
  top_state_.path = storage.join(dir_, "trainer_state.json");
  reread_if_changed(storage, top_state_, parse);
  if (top_state_.parsed) return;
  // No top-level state: the newest checkpoint's (by step; last-checkpoint when none has one).
  const TrainingCheckpoint* newest = nullptr;
  for (const auto& [name, c] : checkpoints_) {
    if (!c.has_state) continue;
    if (!newest || (c.step && (!newest->step || *c.step > *newest->step))) newest = &c;
  }
  if (!newest) {
    checkpoint_state_ = {};
    checkpoint_state_name_.clear();
    return;
  }
  if (newest->name != checkpoint_state_name_) {
    checkpoint_state_ = {};
    checkpoint_state_name_ = newest->name;
  }
  checkpoint_state_.path = storage.join(storage.join(dir_, newest->name), "trainer_state.json");
  reread_if_changed(storage, checkpoint_state_, parse);
}

void RunReader::read_results(const Storage& storage) {
  for (const char* name : {"train_results.json", "eval_results.json", "all_results.json"}) {
    const std::string path = storage.join(dir_, name);
    auto it = results_.find(name);
    if (it == results_.end()) {
      if (storage.stat(path).type != EntryType::file) continue;
      it = results_.emplace(name, WholeFile<std::map<std::string, double, std::less<>>>{}).first;
      it->second.path = path;
    }
    reread_if_changed(storage, it->second, [](const std::string& text) { return parse_results_file(text); });
  }
}

void RunReader::read_lightning(const Storage& storage) {
  lightning_.path = storage.join(dir_, "metrics.csv");
  if (lightning_.size != 0 || storage.stat(lightning_.path).type == EntryType::file) {
    const std::size_t max_points = options_.max_points;
    reread_if_changed(storage, lightning_, [&](const std::string& text) { return parse_lightning_metrics(text, max_points); });
  }
  hparams_.path = storage.join(dir_, "hparams.yaml");
  if (hparams_.size != 0 || storage.stat(hparams_.path).type == EntryType::file) {
    reread_if_changed(storage, hparams_, [](const std::string& text) { return parse_hparams_yaml(text); });
  }
}

void RunReader::read_event_files(const Storage& storage) {
  for (const std::string& path : event_paths_) {
    auto it = events_.find(path);
    if (it == events_.end()) {
      it = events_.emplace(path, std::make_unique<EventSource>(path, options_.max_record_bytes)).first;
      it->second->prefix = event_prefix_[path];
      changed_ = true;
    }
    EventSource& source = *it->second;
    const FileStat st = storage.stat(path);
    if (st.type != EntryType::file) continue;
    if (st.size == source.size && st.mtime == source.mtime) continue;  // nothing appended
    if (source.reader.replaced(storage)) {
      // Rewritten under us: its series cannot be taken back, so read the run again from scratch.
      event_metrics_.clear();
      event_steps_ = MetricSeries(MetricGoal::none, options_.max_points);
      for (auto& [other_path, other] : events_) {
        other->reader = EventFileReader(other_path, options_.max_record_bytes);
        other->size = 0;
        other->mtime = 0;
      }
      first_event_time_.reset();
      first_train_time_.reset();
      eval_events_ = 0;
    }
    source.size = st.size;
    source.mtime = st.mtime;
    Sink sink(*this, source.prefix);
    const std::uint64_t got = source.reader.read(storage, sink);
    bytes_read_ += got;
    if (got > 0) {
      ++files_read_;
      changed_ = true;
    }
  }
}

void RunReader::add_arguments_text(std::string_view text) {
  if (args_seen_ || text.size() > kMaxArgumentsBytes) return;
  args_seen_ = true;
  boost::json::parse_options popts;
  popts.max_depth = 32;
  boost::json::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec, {}, popts);
  if (ec || !v.is_object()) return;  // not JSON: nothing to show by key
  for (const auto& [key, value] : v.get_object()) {
    if (arguments_.size() >= kMaxArguments) break;
    arguments_.emplace_back(clipped(std::string(key)), clipped(argument_text(value)));
    if (key == "max_steps" && value.is_int64() && value.get_int64() > 0) args_max_steps_ = value.get_int64();
    if (key == "num_train_epochs" && value.is_number()) {
      const double epochs = value.to_number<double>();
      if (epochs > 0 && epochs < 1e12) args_epochs_ = epochs;
    }
  }
}

}  // namespace jobmon::detail
