#include "training/run_reader.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <boost/json.hpp>
#include <exception>
#include <utility>

#include "jobmon/error.hpp"
#include "training/run_discovery.hpp"
#include "training/run_judge.hpp"

namespace jobmon::detail {
namespace {

constexpr std::size_t kMaxEventFiles = 256;
constexpr std::size_t kMaxListedEventFiles = 4096;  // listed, to keep the newest kMaxEventFiles

// events.out.tfevents.<unix time>.<host>...: when the writer opened the file.
double event_file_time(std::string_view name) {
  constexpr std::string_view stem = "events.out.tfevents.";
  if (!name.starts_with(stem)) return 0;
  name.remove_prefix(stem.size());
  double t = 0;
  std::size_t digits = 0;
  while (digits < name.size() && digits < 15 && name[digits] >= '0' && name[digits] <= '9') {
    t = t * 10 + (name[digits] - '0');
    ++digits;
  }
  return t;
}
constexpr std::size_t kMaxArguments = 512;
constexpr std::size_t kMaxArgumentText = 400;
constexpr std::uint64_t kMaxArgumentsBytes = 1 << 20;

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
  Sink(RunReader& reader, EventSource& source) : r_(reader), src_(source) {}

  void on_scalar(const EventScalar& s) override {
    TagInfo& tag = info(s.tag);
    const bool eval = tag.eval;
    // A segment starts at its first training step: a file of evaluations only
    // (evaluate() after train() writes eval/* and train/epoch at the last step)
    // redoes no step.
    if (!eval && !tag.epoch_counter) {
      if (!src_.first_step) src_.first_step = s.step;
      src_.trains = true;
    }
    if (!src_.max_step_seen || s.step > *src_.max_step_seen) src_.max_step_seen = s.step;
    if (s.step >= src_.cutoff) return;  // orphaned: a later segment (a resume) did these steps again
    // A NaN or infinite time is no time (it would pin "last write" forever).
    const std::optional<double> wall = std::isfinite(s.wall_time) ? std::optional<double>(s.wall_time) : std::nullopt;
    if (!tag.looked_up) {  // only now: a tag seen only in orphaned steps gets no (empty) series
      tag.series = find(s.tag);
      tag.looked_up = true;
    }
    if (tag.series) tag.series->add(s.step, s.value, wall);
    if (wall && !r_.first_event_time_) r_.first_event_time_ = wall;
    if (eval) {
      if (s.step != r_.last_eval_event_step_) ++r_.eval_events_;
      r_.last_eval_event_step_ = s.step;
      if (wall) r_.last_eval_event_time_ = wall;
    } else if (wall && !r_.first_train_time_) {
      r_.first_train_time_ = wall;
    }
    // Progress: a step later than any this file showed; the gap tracked at every write.
    if (src_.steps.empty() || s.step > src_.steps.last().step) {
      if (wall) {
        if (src_.last_progress_time) src_.longest_gap = std::max(src_.longest_gap, *wall - *src_.last_progress_time);
        src_.last_progress_time = wall;
      }
      src_.steps.add(s.step, static_cast<double>(s.step), wall);
    }
  }

  void on_text(std::string_view tag, std::int64_t, double wall_time, std::string_view text) override {
    if (!r_.first_event_time_ && std::isfinite(wall_time)) r_.first_event_time_ = wall_time;
    if (tag.starts_with("args/")) r_.add_arguments_text(text);
  }

 private:
  // What the sink knows of a tag: its series (null when over max_series),
  // whether it is an evaluation, whether it is an epoch counter.
  struct TagInfo {
    std::string tag;
    MetricSeries* series = nullptr;
    bool looked_up = false, eval = false, epoch_counter = false;
  };
  // The Trainer logs a few tags in turn (loss, learning_rate, grad_norm,
  // epoch): the last few are remembered, so most scalars need no map lookup.
  TagInfo& info(std::string_view tag) {
    for (std::size_t i = 0; i < used_; ++i) {
      if (recent_[i].tag == tag) return recent_[i];
    }
    TagInfo& slot = recent_[next_];
    next_ = (next_ + 1) % recent_.size();
    used_ = std::min(used_ + 1, recent_.size());
    slot.tag.assign(tag);
    slot.series = nullptr;
    slot.looked_up = false;
    slot.eval = is_eval_metric_name(tag) || is_eval_metric_name(src_.prefix);
    const auto slash = tag.rfind('/');
    slot.epoch_counter = (slash == std::string_view::npos ? tag : tag.substr(slash + 1)) == "epoch";
    return slot;
  }
  MetricSeries* find(std::string_view tag) {
    auto& metrics = r_.event_metrics_;
    if (src_.prefix.empty()) {
      if (auto it = metrics.find(tag); it != metrics.end()) return &it->second;
      return insert(std::string(tag));
    }
    name_.assign(src_.prefix).append(tag);
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
  EventSource& src_;
  std::string name_;
  std::array<TagInfo, 8> recent_;
  std::size_t used_ = 0, next_ = 0;
};

RunReader::RunReader(std::string dir, TrainingOptions options)
    : dir_(std::move(dir)), options_(options) {}

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
  struct Listed {
    std::string path, prefix;
    double time;  // from the name: the order of segments
    int depth;
  };
  std::vector<Listed> events;
  auto add_events_in = [&](const std::string& dir, const std::string& prefix, auto&& self, int depth) -> void {
    std::vector<DirEntry> inner;
    if (dir == dir_) {
      inner = entries;  // listed already
    } else {
      try {
        inner = storage.list(dir, ListOptions(false, false));
      } catch (const std::exception&) {
        return;
      }
    }
    std::sort(inner.begin(), inner.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    for (const DirEntry& e : inner) {
      if (e.type == EntryType::file && is_event_file_name(e.name) && events.size() < kMaxListedEventFiles) {
        events.push_back({storage.join(dir, e.name), prefix, event_file_time(e.name), depth});
      }
    }
    if (depth <= 0) return;
    for (const DirEntry& e : inner) {
      // A checkpoint dir holds weights, never event files: walking into it
      // would list every checkpoint at every refresh.
      if (e.type == EntryType::directory && !e.name.starts_with('.') && !checkpoint_step(e.name) &&
          e.name != "last-checkpoint" && !e.name.starts_with("global_step")) {
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
      if (it != checkpoints_.end() && !checkpoint_step(e.name)) c.step = it->second.step;  // last-checkpoint: from its state
      if (!c.has_state) {
        // A checkpoint is written once: stat it until its state file is there.
        // Its time is its state file's (written at the end of the save); an S3
        // prefix has no mtime of its own (its stat gives the listing's time).
        const std::string path = storage.join(dir_, e.name);
        const FileStat state_stat = storage.stat(storage.join(path, "trainer_state.json"));
        c.has_state = state_stat.type == EntryType::file;
        if (c.has_state) {
          c.saved_at = state_stat.mtime;
          changed_ = true;
        } else if (const FileStat dir_stat = storage.stat(path); dir_stat.type == EntryType::directory) {
          c.saved_at = dir_stat.mtime;
        }
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
  // Oldest first by the time in their names; past the bound the newest are
  // kept (the live file is the newest).
  std::stable_sort(events.begin(), events.end(), [](const Listed& a, const Listed& b) {
    if (a.time != b.time) return a.time < b.time;
    return a.path < b.path;
  });
  if (events.size() > kMaxEventFiles) {
    listing_problem_ = "more than " + std::to_string(kMaxEventFiles) + " event files: only the newest are read";
    events.erase(events.begin(), events.end() - static_cast<std::ptrdiff_t>(kMaxEventFiles));
  }
  event_paths_.clear();
  event_prefix_.clear();
  event_segment_.clear();
  const int segment_depth = has_runs_dir_ ? 2 : -1;  // HF: the files in runs/<date>_<host>/ themselves
  for (Listed& e : events) {
    event_paths_.push_back(e.path);
    event_prefix_[e.path] = e.prefix;
    event_segment_[e.path] = segment_depth < 0 || e.depth == segment_depth;
  }
}

template <typename Parsed, typename Parse>
bool RunReader::reread_if_changed(const Storage& storage, WholeFile<Parsed>& file, Parse parse) {
  const FileStat st = storage.stat(file.path);
  if (st.type != EntryType::file) {
    // Gone (deleted, or a new run cleared the dir): what it said no longer holds.
    const bool was = file.parsed.has_value() || file.size != 0;
    file.parsed.reset();
    file.size = 0;
    file.mtime = 0;
    file.problem = st.type == EntryType::missing ? st.error : "not a regular file: not read";
    if (was) changed_ = true;
    return false;
  }
  if (st.size == file.size && st.mtime == file.mtime && (file.parsed || !file.problem.empty())) return false;
  changed_ = true;
  // Until a newer version parses, the last good parse stands (a file caught
  // mid-write, or grown past the bound, never wipes out what was known).
  if (st.size > options_.max_json_bytes) {
    file.size = st.size;
    file.mtime = st.mtime;
    file.problem = "larger than " + std::to_string(options_.max_json_bytes >> 20) + " MiB: not read";
    return true;
  }
  std::string text;
  try {
    text = storage.read(file.path, options_.max_json_bytes);
  } catch (const std::exception& e) {
    // A failed read (a 503, a timeout) is not the file's fault: size and
    // mtime stay unrecorded, so the next refresh tries again.
    file.size = 0;
    file.mtime = 0;
    file.problem = e.what();
    return true;
  }
  bytes_read_ += text.size();
  ++files_read_;
  file.size = st.size;
  file.mtime = st.mtime;
  try {
    file.parsed = parse(text);
    file.problem.clear();
  } catch (const std::exception& e) {
    // Caught mid-write: read again once its size or mtime moves.
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
  read_checkpoint_state(storage, top_state_.parsed ? &*top_state_.parsed : nullptr);
}

// The newest checkpoint whose state parses, newest first; read only when there
// is no top-level state or the newest checkpoint is past it (a resumed run in
// an output dir that holds an earlier run's final state).
void RunReader::read_checkpoint_state(const Storage& storage, const TrainerState* top) {
  TrainerStateOptions state_options;
  state_options.max_points = options_.max_points;
  auto parse = [&](const std::string& text) { return parse_trainer_state(text, state_options); };
  std::vector<const TrainingCheckpoint*> candidates;
  for (const auto& [name, c] : checkpoints_) {
    if (c.has_state) candidates.push_back(&c);
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](const TrainingCheckpoint* a, const TrainingCheckpoint* b) {
    return a->step.value_or(-1) > b->step.value_or(-1);  // newest first; last-checkpoint (step unknown) last
  });
  // Forget states of checkpoints that are gone.
  if (!checkpoint_state_name_.empty() && !checkpoints_.count(checkpoint_state_name_)) {
    checkpoint_state_ = {};
    checkpoint_state_name_.clear();
    changed_ = true;
  }
  std::erase_if(unparsed_states_, [&](const auto& entry) { return !checkpoints_.count(entry.first); });
  const std::optional<std::int64_t> top_step = top ? top->global_step : std::nullopt;
  const bool wanted = !top || (!candidates.empty() && candidates.front()->step && top_step &&
                               *candidates.front()->step > *top_step);
  if (!wanted) {
    if (checkpoint_state_.parsed) changed_ = true;
    checkpoint_state_ = {};
    checkpoint_state_name_.clear();
    unparsed_states_.clear();
    return;
  }
  constexpr std::size_t kMaxTries = 4;  // a few saves that died mid-write, then the last good one
  for (std::size_t i = 0; i < candidates.size() && i < kMaxTries; ++i) {
    const TrainingCheckpoint& c = *candidates[i];
    if (c.name == checkpoint_state_name_) {
      reread_if_changed(storage, checkpoint_state_, parse);
      if (checkpoint_state_.parsed) break;
      continue;
    }
    WholeFile<TrainerState>& file = unparsed_states_[c.name];
    file.path = storage.join(storage.join(dir_, c.name), "trainer_state.json");
    reread_if_changed(storage, file, parse);
    if (file.parsed) {
      checkpoint_state_ = std::move(file);
      checkpoint_state_name_ = c.name;
      unparsed_states_.erase(c.name);
      changed_ = true;
      break;
    }
  }
  // Only the newer ones that did not parse are worth a problem.
  std::int64_t used = -1;
  if (const auto it = checkpoints_.find(checkpoint_state_name_); it != checkpoints_.end()) used = it->second.step.value_or(-1);
  std::erase_if(unparsed_states_, [&](const auto& entry) {
    const auto it = checkpoints_.find(entry.first);
    return used >= 0 && it != checkpoints_.end() && it->second.step.value_or(-1) < used;
  });
  // last-checkpoint: its step is its state's global_step.
  if (checkpoint_state_.parsed && checkpoint_state_.parsed->global_step) {
    auto it = checkpoints_.find(checkpoint_state_name_);
    if (it != checkpoints_.end() && !it->second.step) it->second.step = checkpoint_state_.parsed->global_step;
  }
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

void RunReader::reset_event_data() {
  event_metrics_.clear();
  dropped_series_ = 0;
  first_event_time_.reset();
  first_train_time_.reset();
  last_eval_event_time_.reset();
  eval_events_ = 0;
  last_eval_event_step_ = -1;
  for (auto& [path, source] : events_) {
    source->reader = EventFileReader(path, options_.max_record_bytes);
    source->size = 0;
    source->mtime = 0;
    source->max_step_seen.reset();
    source->steps = MetricSeries(MetricGoal::none, options_.max_points);
    source->last_progress_time.reset();
    source->longest_gap = 0;
  }
}

// Each file's cutoff: the lowest first step of the later files of its group.
// True when data already taken in is now orphaned (read again from scratch).
bool RunReader::apply_cutoffs() {
  bool again = false;
  std::map<std::string, std::int64_t> next_first;  // by prefix: the lowest first step of the later files
  for (auto path = event_paths_.rbegin(); path != event_paths_.rend(); ++path) {
    const auto it = events_.find(*path);
    if (it == events_.end() || !it->second->segment) continue;
    EventSource& source = *it->second;
    const auto next = next_first.find(source.prefix);
    const std::int64_t cutoff = next == next_first.end() ? kNoCutoff : next->second;
    if (cutoff < source.cutoff && source.max_step_seen && *source.max_step_seen >= cutoff) again = true;
    source.cutoff = cutoff;
    if (source.first_step) {
      next_first[source.prefix] = next == next_first.end() ? *source.first_step : std::min(next->second, *source.first_step);
    }
  }
  return again;
}

void RunReader::read_event_files(const Storage& storage) {
  // A file that went away (deleted, or a new run cleared the dir): what it
  // gave cannot be taken back, so the event files are read again from scratch.
  bool gone = false;
  for (const auto& [path, source] : events_) gone = gone || !event_prefix_.count(path);
  if (gone) {
    events_.clear();
    reset_event_data();
    changed_ = true;
  }
  for (int pass = 0; pass < 2; ++pass) {
    for (const std::string& path : event_paths_) {
      auto it = events_.find(path);
      if (it == events_.end()) {
        it = events_.emplace(path, std::make_unique<EventSource>(path, options_.max_record_bytes, options_.max_points)).first;
        it->second->prefix = event_prefix_[path];
        it->second->segment = event_segment_[path];
        changed_ = true;
      }
      EventSource& source = *it->second;
      const FileStat st = storage.stat(path);
      if (st.type != EntryType::file) continue;
      if (st.size == source.size && st.mtime == source.mtime) continue;  // nothing appended
      if (source.size > 0 && source.reader.replaced(storage)) {
        // Rewritten under us: its series cannot be taken back, so read the run again from scratch.
        source.first_step.reset();
        reset_event_data();
      }
      source.size = st.size;
      source.mtime = st.mtime;
      Sink sink(*this, source);
      const std::uint64_t got = source.reader.read(storage, sink);
      bytes_read_ += got;
      if (got > 0) {
        ++files_read_;
        changed_ = true;
      }
    }
    // A resume orphans the steps it redoes: read once more with the cutoffs
    // (the older files are finished, so this happens once per resume).
    if (!apply_cutoffs() || pass == 1) break;
    reset_event_data();
  }
}

const RunReader::EventSource* RunReader::current_segment() const {
  // The newest file that trains (event_paths_ is oldest first); else the newest with any step.
  const EventSource* newest = nullptr;
  const EventSource* newest_training = nullptr;
  for (const std::string& path : event_paths_) {
    const auto it = events_.find(path);
    if (it == events_.end() || !it->second->segment || it->second->steps.empty()) continue;
    newest = it->second.get();
    if (it->second->trains) newest_training = newest;
  }
  return newest_training ? newest_training : newest;
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
