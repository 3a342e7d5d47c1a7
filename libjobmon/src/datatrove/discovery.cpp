// Discovery: which directories the Scanner reads as jobs (see discovery.hpp).
#include "datatrove/discovery.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "datatrove/job_dir_reader.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/glob.hpp"

namespace jobmon::detail {
namespace {

// Whole-second mtimes mean a coarse filesystem (ext3, HFS+, some NFS; FAT
// ticks every 2 s); sub-second ones (ext4, xfs, btrfs, tmpfs) tick every
// jiffy, a few ms, so a short window keeps re-listing rare at short intervals.

// "a/b/completions" -> "a/b"; "completions" -> "."; "/x" -> "/".
std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Subdirectories only, symlinks unresolved: a walk never holds a big
// directory's file names, and tells links from directories for free.
constexpr ListOptions subdirectories{/*with_mtime=*/false, /*resolve_types=*/false, /*directories_only=*/true};
constexpr ListOptions names_only{/*with_mtime=*/false, /*resolve_types=*/false};

bool is_task_log_name(const std::string& name) { return name.starts_with("task_") && name.ends_with(".log"); }
bool is_marker_name(const std::string& name) { return parse_rank_name(name).has_value(); }

using Listing = JobDiscovery::Listing;

// One collect(): the walk over every target, with its counters and bounds.
class Walk {
 public:
  Walk(const Storage& storage, const ScanOptions& options, double now, const JobDiscovery::KnownJob& known_job,
       std::unordered_map<std::string, Listing>& cache, std::uint64_t generation, std::vector<std::string>& out,
       std::vector<Warning>& warnings, DiscoveryStats& stats)
      : storage_(storage), options_(options), now_(now), known_job_(known_job), cache_(cache),
        generation_(generation), out_(out), warnings_(warnings), stats_(stats) {}

  void target(const std::string& raw_target) {
    std::string target = raw_target;
    while (target.size() > 1 && target.back() == '/') target.pop_back();
    beyond_depth_ = 0;
    unreadable_.clear();
    if (has_glob_chars(target)) glob(target);
    else path(target);
    report_unreadable(target);
    if (beyond_depth_ > 0)
      warnings_.push_back({target, fmt::format("{} directories deeper than {} levels below were not searched",
                                               beyond_depth_, options_.max_depth)});
  }

 private:
  const Storage& storage_;
  const ScanOptions& options_;
  const double now_;
  const JobDiscovery::KnownJob& known_job_;
  std::unordered_map<std::string, Listing>& cache_;
  const std::uint64_t generation_;
  std::vector<std::string>& out_;
  std::vector<Warning>& warnings_;
  DiscoveryStats& stats_;
  std::size_t beyond_depth_ = 0;  // directories the depth limit left unsearched, this target
  std::vector<Warning> unreadable_;  // directories a walk could not look into, this target

  void path(const std::string& target) {
    const FileStat st = storage_.stat(target);  // a symlink named as a target is followed
    if (st.inaccessible()) warnings_.push_back({target, "not readable: " + st.error});
    else if (st.type == EntryType::missing) warnings_.push_back({target, "no such file or directory"});
    else if (st.type != EntryType::directory) warnings_.push_back({target, "not a directory"});
    else root(target, /*named=*/true);
  }

  void glob(const std::string& pattern) {
    // Re-expanded every scan (new job dirs appear), through the listing
    // cache: an unchanged parent directory is not listed again.
    const std::vector<std::string> dirs = expand_glob(storage_, pattern, [&](const std::string& dir) {
      std::string error;
      const Listing* listing = list(dir, error);
      if (listing == nullptr) throw StorageError(dir, error);
      return listing->subdirs;
    });
    if (dirs.empty() && !stats_.truncated) warnings_.push_back({pattern, "pattern matched no directory"});
    // ".../**" matches every directory below: each is looked at as a walk
    // (-r) looks at it, since its subdirectories are matches of their own.
    const bool every_depth = pattern == "**" || pattern.ends_with("/**");
    for (const auto& dir : dirs) {
      if (every_depth) deep_match(dir);
      else root(dir, /*named=*/false);
    }
  }

  // A match of a trailing "**": a job or a broken job (with datatrove's
  // traces) when the prefix selects it; any other directory silently not.
  void deep_match(const std::string& dir) {
    if (!selected(base_name(dir))) return;
    if (may_be_job(dir)) {
      out_.push_back(dir);
      return;
    }
    std::string error;
    Listing* listing = list(dir, error);
    if (listing != nullptr && looks_like_broken_job(dir, *listing, /*named=*/false)) out_.push_back(dir);
  }

  // Anything named executor.json makes a job dir (read_job_dir then says
  // what is wrong with it), and so does one that cannot be looked into:
  // reading it says "not readable" rather than nothing at all.
  bool may_be_job(const std::string& dir) {
    if (known_job_(dir)) return true;
    const FileStat st = storage_.stat(storage_.join(dir, "executor.json"));
    return st.type != EntryType::missing || st.inaccessible();
  }

  bool selected(const std::string& name) const { return name.starts_with(options_.prefix); }

  // A target or a glob match: the job itself, a hint, or its subdirectories.
  // A target named on its own is kept whatever the prefix; a glob match
  // that is a job (or a broken one) only when the prefix selects it.
  void root(const std::string& dir, bool named) {
    const bool kept = named || selected(base_name(dir));
    if (may_be_job(dir)) {
      if (kept) out_.push_back(dir);
      return;
    }
    if (job_part_hint(dir)) return;
    std::string error;
    Listing* listing = list(dir, error);
    if (listing == nullptr) {
      if (!error.empty()) warnings_.push_back({dir, error});
      return;
    }
    if (looks_like_broken_job(dir, *listing, /*named=*/true)) {
      if (kept) out_.push_back(dir);  // read_job_dir says what it lacks, naming this dir
      return;
    }
    const std::vector<DirEntry> subdirs = listing->subdirs;  // the cache may rehash below
    for (const DirEntry& entry : subdirs) {
      if (entry.name.starts_with('.')) continue;
      const std::string child = storage_.join(dir, entry.name);
      if (options_.recursive) visit(child, entry.type, 1);
      else if (selected(entry.name)) immediate_child(child, entry.type);
    }
  }

  // Without recursion every subdirectory is a candidate (read_job_dir warns
  // about those that are not jobs); a symlink counts when it leads to a
  // directory (job dirs linked into one place).
  void immediate_child(const std::string& child, EntryType type) {
    if (type == EntryType::directory) {
      out_.push_back(child);
      return;
    }
    const FileStat st = storage_.stat(child);
    if (st.type == EntryType::directory) out_.push_back(child);
    else if (st.inaccessible()) warnings_.push_back({child, "not readable: " + st.error});
  }

  // Below a target with recursion: jobs and broken jobs are candidates,
  // plain directories are walked, symlinks are never walked through, and
  // what cannot be read is counted (unreadable()).
  void visit(const std::string& dir, EntryType type, int depth) {
    const std::string name = base_name(dir);
    const FileStat executor =
        known_job_(dir) ? FileStat{EntryType::file} : storage_.stat(storage_.join(dir, "executor.json"));
    if (executor.inaccessible()) {
      if (type != EntryType::symlink || selected(name)) unreadable(dir, "not readable: " + executor.error);
      return;
    }
    if (executor.type != EntryType::missing) {
      if (selected(name)) out_.push_back(dir);
      return;
    }
    if (type == EntryType::symlink) return;
    if (depth >= options_.max_depth) {
      ++beyond_depth_;
      return;
    }
    std::string error;
    Listing* listing = list(dir, error);
    if (listing == nullptr) {
      if (!error.empty()) unreadable(dir, error);
      return;
    }
    if (looks_like_broken_job(dir, *listing, /*named=*/false)) {
      if (selected(name)) out_.push_back(dir);
      return;
    }
    const std::vector<DirEntry> subdirs = listing->subdirs;  // the cache may rehash below
    for (const DirEntry& entry : subdirs) {
      if (!entry.name.starts_with('.')) visit(storage_.join(dir, entry.name), entry.type, depth + 1);
    }
  }

  // A directory a walk could not look into: it may be a job, or hold some.
  void unreadable(const std::string& dir, std::string message) {
    unreadable_.push_back({dir, std::move(message)});
  }

  // Each unreadable directory of a walk is named, unless there are many
  // (`-r /` meets thousands in /proc): then one warning counts them.
  void report_unreadable(const std::string& target) {
    constexpr std::size_t named_one_by_one = 10;
    if (unreadable_.size() <= named_one_by_one) {
      for (Warning& w : unreadable_) warnings_.push_back(std::move(w));
    } else {
      warnings_.push_back({target, fmt::format("{} directories below could not be read (the first: {}: {})",
                                               unreadable_.size(), unreadable_.front().path,
                                               unreadable_.front().message)});
    }
    unreadable_.clear();
  }

  // A target that is a job's completions/ or logs/: nothing to find in it,
  // so say which directory to name instead.
  bool job_part_hint(const std::string& dir) {
    const std::string name = base_name(dir);
    if (name != "completions" && name != "logs") return false;
    const std::string parent = parent_of(dir);
    if (may_be_job(parent)) {
      warnings_.push_back({dir, fmt::format("this is the {}/ directory of the job {}: name the job directory instead",
                                            name, parent)});
      return true;
    }
    if (name == "completions") {  // a logs/ may well hold job dirs; completions/ never does
      warnings_.push_back({dir, fmt::format("this looks like the completions/ directory of {} (which has no "
                                            "executor.json): name a job directory instead",
                                            parent)});
      return true;
    }
    return false;
  }

  static bool has_subdir(const Listing& listing, const char* name) {
    const auto& subdirs = listing.subdirs;
    return std::any_of(subdirs.begin(), subdirs.end(), [&](const DirEntry& e) { return e.name == name; });
  }

  // A job that lost its executor.json: datatrove's traces without it. A
  // named target needs only a completions/; deeper in a walk, where many
  // dirs have such names (/usr/share/bash-completion/completions), the
  // traces must be datatrove's own: a completions/ holding rank markers, or
  // a logs/ holding task_NNNNN.log files (a logs/ without them may be a root
  // of job dirs, and is walked like any directory).
  bool looks_like_broken_job(const std::string& dir, Listing& listing, bool named) {
    if (named && has_subdir(listing, "completions")) return true;
    if (!listing.datatrove_traces) {  // looked for once per listing
      listing.datatrove_traces =
          (has_subdir(listing, "completions") && holds(storage_.join(dir, "completions"), is_marker_name)) ||
          (has_subdir(listing, "logs") && holds(storage_.join(dir, "logs"), is_task_log_name));
    }
    return *listing.datatrove_traces;
  }

  // The directory's subdirectories, from the cache while its mtime stands.
  // Null when it cannot be listed (error says why) or when the walk has
  // reached max_directories (error empty: one warning says so).
  Listing* list(const std::string& dir, std::string& error) {
    if (stats_.directories_visited >= options_.max_directories) {
      if (!stats_.truncated) {
        stats_.truncated = true;
        warnings_.push_back({dir, fmt::format("stopped looking for jobs after {} directories (the limit): "
                                              "directories not visited yet were not searched; the jobs found "
                                              "so far are listed",
                                              options_.max_directories)});
      }
      return nullptr;
    }
    ++stats_.directories_visited;
    const FileStat st = storage_.stat(dir);
    if (st.type != EntryType::directory) {
      error = st.inaccessible() ? "not readable: " + st.error : std::string("no longer a directory");
      return nullptr;
    }
    auto it = cache_.find(dir);
    if (it != cache_.end() && it->second.mtime == st.mtime && listing_settled(st.mtime, it->second.listed_at)) {
      it->second.used = generation_;
      return &it->second;
    }
    Listing fresh;
    try {
      fresh.subdirs = storage_.list(dir, subdirectories);
    } catch (const StorageError& e) {
      error = reason_of(e);
      return nullptr;
    }
    ++stats_.listings;
    std::sort(fresh.subdirs.begin(), fresh.subdirs.end(),
              [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    fresh.mtime = st.mtime;
    fresh.listed_at = now_;
    fresh.used = generation_;
    Listing& slot = cache_[dir];
    slot = std::move(fresh);
    return &slot;
  }

  // Whether a directory holds an entry with such a name (unreadable: no).
  bool holds(const std::string& dir, bool (*wanted)(const std::string&)) {
    try {
      const auto entries = storage_.list(dir, names_only);
      ++stats_.listings;
      return std::any_of(entries.begin(), entries.end(), [&](const DirEntry& e) { return wanted(e.name); });
    } catch (const StorageError&) {
      return false;  // then walked, and warned about, like any other directory
    }
  }
};

}  // namespace

std::vector<std::string> JobDiscovery::collect(const Storage& storage, const ScanOptions& options,
                                               const std::vector<std::string>& targets, double now,
                                               const KnownJob& known_job, std::vector<Warning>& warnings,
                                               DiscoveryStats& stats) {
  ++generation_;
  std::vector<std::string> candidates;
  Walk walk(storage, options, now, known_job, listings_, generation_, candidates, warnings, stats);
  for (const std::string& target : targets) walk.target(target);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  return candidates;
}

void JobDiscovery::prune() {
  if (listings_.size() > 1024) std::erase_if(listings_, [&](const auto& kv) { return kv.second.used != generation_; });
}

void JobDiscovery::clear() { listings_.clear(); }

}  // namespace jobmon::detail
