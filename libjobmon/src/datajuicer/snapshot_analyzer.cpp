// SnapshotAnalyzer: keeps one reader per events file and the folded state;
// update() reads only what is new, and starts over when a file it already
// read was truncated or replaced.
#include <algorithm>

#include "datajuicer/events/events_reader.hpp"
#include "datajuicer/snapshot_sources.hpp"
#include "datajuicer/snapshot_state.hpp"
#include "datajuicer/snapshot_summary.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/storage_factory.hpp"

namespace jobmon {

struct SnapshotAnalyzer::Impl : detail::LineConsumer {
  std::string work_dir;
  std::shared_ptr<const Storage> storage;
  SnapshotOptions options;
  EventLineParser parser;
  std::vector<detail::EventsFileReader> readers;
  detail::EventState state;
  detail::SnapshotSources sources;
  FileStat dag_stat, summary_stat;

  void on_line(const std::string& file, std::uint64_t line, LineIssue issue, const Event& event) override {
    SkippedLines& s = sources.skipped;
    if (issue == LineIssue::none) {
      if (state.apply(event)) {
        ++state.events;
        return;
      }
      ++s.out_of_range;
      issue = LineIssue::out_of_range;
    } else if (issue == LineIssue::blank) {
      ++s.blank;
      return;
    } else if (issue == LineIssue::corrupt || issue == LineIssue::torn) {
      ++s.corrupt;
    } else if (issue == LineIssue::no_event_type) {
      ++s.no_event_type;
    } else if (issue == LineIssue::too_long) {
      ++s.too_long;
    }
    if (s.first.size() < SkippedLines::max_listed) s.first.push_back({file, line, issue});
  }

  void start_over() {
    readers.clear();
    state = detail::EventState{};
    sources.skipped = SkippedLines{};
  }

  static bool changed(const FileStat& a, const FileStat& b) {
    return a.type != b.type || a.size != b.size || a.mtime != b.mtime;
  }

  void refresh_side_files(const std::vector<DirEntry>& entries) {
    const std::string dag_path = storage->join(work_dir, "dag_execution_plan.json");
    const std::string summary_path = storage->join(work_dir, "job_summary.json");
    const FileStat dag_now = storage->stat(dag_path), summary_now = storage->stat(summary_path);
    if (changed(dag_now, dag_stat)) sources.dag = detail::load_dag_plan(*storage, dag_path);
    if (changed(summary_now, summary_stat)) sources.job_summary = detail::load_job_summary(*storage, summary_path);
    dag_stat = dag_now;
    summary_stat = summary_now;
    sources.config_yaml.clear();
    sources.has_checkpoint_dir = sources.has_metadata_dir = false;
    std::vector<std::string> yamls;
    for (const auto& e : entries) {
      const std::string_view name = e.name;
      if (e.type == EntryType::directory && name == "checkpoints") sources.has_checkpoint_dir = true;
      if (e.type == EntryType::directory && name == "metadata") sources.has_metadata_dir = true;
      if (e.type == EntryType::file && (name.ends_with(".yaml") || name.ends_with(".yml"))) yamls.push_back(e.name);
    }
    std::sort(yamls.begin(), yamls.end());
    if (!yamls.empty()) sources.config_yaml = storage->join(work_dir, yamls.front());
  }

  // Reads on in every file; false when one turned out stale.
  bool read_files(const std::vector<std::string>& files, bool final_last) {
    for (std::size_t i = 0; i < files.size(); ++i) {
      const bool is_new = i >= readers.size();
      if (is_new) {
        readers.emplace_back(files[i]);
        state.begin_file();
      }
      // A run that moved on to a newer file will not finish its old lines.
      const bool final = final_last || i + 1 < files.size();
      readers[i].read(*storage, parser, *this, final, options.chunk_size);
      if (readers[i].stale()) return false;
    }
    return true;
  }

  void update(bool final_last) {
    const FileStat dir = storage->stat(work_dir);
    if (dir.type == EntryType::missing) throw StorageError(work_dir, "no such directory");
    if (dir.type != EntryType::directory) throw StorageError(work_dir, "not a directory");
    const std::vector<DirEntry> entries = storage->list(work_dir);
    const std::vector<std::string> files = detail::events_files_among(*storage, work_dir, entries);

    bool reset = files.size() < readers.size();
    for (std::size_t i = 0; !reset && i < readers.size(); ++i)
      reset = files[i] != readers[i].path() || readers[i].replaced(*storage);
    if (reset) start_over();
    if (!read_files(files, final_last)) {  // a file was rewritten under its read offset
      start_over();
      read_files(files, final_last);  // new readers: never stale
    }
    sources.files.clear();
    for (const auto& r : readers) sources.files.push_back(r.info());
    const auto unusable = detail::unusable_events_entries(*storage, work_dir, entries);
    sources.warnings.clear();
    for (const auto& [path, why] : unusable) sources.warnings.push_back(path + ": " + why);
    refresh_side_files(entries);
    if (!final_last) return;
    // A one-shot read must not pass off an unreadable job as not started.
    for (const auto& f : sources.files)
      if (!f.error.empty()) throw StorageError(f.path, "cannot read the events file: " + f.error);
    if (files.empty() && !unusable.empty()) throw StorageError(unusable.front().first, unusable.front().second);
  }
};

SnapshotAnalyzer::SnapshotAnalyzer(std::string work_dir, std::shared_ptr<const Storage> storage, SnapshotOptions options)
    : impl_(std::make_unique<Impl>()) {
  while (work_dir.size() > 1 && work_dir.back() == '/') work_dir.pop_back();  // "job/" and "job" are one job
  impl_->work_dir = std::move(work_dir);
  impl_->storage = storage ? std::move(storage) : storage_for(impl_->work_dir);
  impl_->options = options;
  if (impl_->options.chunk_size < 4096) impl_->options.chunk_size = 4096;
  impl_->sources.work_dir = impl_->work_dir;
}

SnapshotAnalyzer::~SnapshotAnalyzer() = default;

void SnapshotAnalyzer::update() { impl_->update(false); }
void SnapshotAnalyzer::finish() { impl_->update(true); }
const std::string& SnapshotAnalyzer::work_dir() const { return impl_->work_dir; }

Snapshot SnapshotAnalyzer::snapshot(double now) const { return detail::summarize(impl_->state, impl_->sources, now); }

Snapshot analyze_work_dir(const std::string& work_dir, double now, std::shared_ptr<const Storage> storage) {
  SnapshotAnalyzer analyzer(work_dir, std::move(storage));
  analyzer.finish();
  return analyzer.snapshot(now);
}

}  // namespace jobmon
