// Why incomplete ranks have no marker, read from the tails of their task
// logs: exact running / failed / finished-unmarked / pending counts for any
// number of ranks.
//
// Cost of one diagnose: one listing of logs/, one stat per incomplete rank
// that has a log, and a tail read per log whose (mtime, size) changed since
// the previous diagnose. Ranks without a log cost nothing (a world_size of
// 2e9 with ten logs is ten stats), and logs of completed ranks are never
// opened.
#include <algorithm>
#include <cctype>
#include <fmt/format.h>

#include "core/system/parallel.hpp"
#include "core/text/text.hpp"
#include "datatrove/job_dir_reader.hpp"
#include "jobmon/error.hpp"

namespace jobmon::detail {
namespace {

// A failed datatrove log ends with its loguru ERROR line, the traceback and
// the exception line; a few KiB hold all three for ordinary tracebacks.
constexpr std::uint64_t small_tail_bytes = 4096;
// Below this many logs in a job one thread is quicker than starting more.
constexpr std::size_t parallel_min_logs = 32;
// Within-job fan-out when ScanOptions::threads is automatic: the Scanner
// already reads jobs in parallel, so each job adds only a few threads.
constexpr unsigned default_job_fan_out = 4;
// Logs handled per round (stat, allot, read, fold): bounds the memory that
// messages take before the per-job message limit trims them.
constexpr std::size_t round_logs = 4096;
// Warnings naming single log files, per job and kind; the rest are counted.
constexpr std::size_t named_warnings = 10;

// True for "SomeError: message" style lines that end a Python traceback.
bool looks_like_exception_line(std::string_view line) {
  const auto colon = line.find(": ");
  if (colon == std::string_view::npos || colon == 0 || colon > 120) return false;
  const std::string_view type = line.substr(0, colon);
  for (char c : type) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  }
  return type.ends_with("Error") || type.ends_with("Exception") || type.ends_with("Interrupt") ||
         type.ends_with("Exit") || type.ends_with("Failure");
}

// What the lines of a tail say. The verdict depends on the last "decisive"
// line (a loguru ERROR/CRITICAL line, or "Processing done") and, for a
// failure, on the last exception line.
struct TailLines {
  std::string_view error_line, exception_line;
  bool done_after_error = false;
  bool decisive = false;  // an ERROR/CRITICAL or "Processing done" line was seen
};

TailLines scan_lines(std::string_view tail) {
  TailLines seen;
  for_each_line(tail, [&](std::string_view raw) {  // no vector: this runs for every unfinished rank
    const std::string_view line = trim_line(raw);
    if (line.find("| ERROR") != std::string_view::npos || line.find("| CRITICAL") != std::string_view::npos) {
      const auto dash = line.find(" - ");
      seen.error_line = dash == std::string_view::npos ? line : line.substr(dash + 3);
      seen.done_after_error = false;
      seen.decisive = true;
    } else if (line.find("Processing done for rank=") != std::string_view::npos) {
      seen.done_after_error = true;
      seen.decisive = true;
    } else if (looks_like_exception_line(line)) {
      seen.exception_line = line;
    }
  });
  return seen;
}

RankIssue verdict(std::int64_t rank, const TailLines& seen) {
  RankIssue issue;
  issue.rank = rank;
  issue.state = RankState::running;
  if (seen.done_after_error) {
    issue.state = RankState::finished_unmarked;
  } else if (!seen.error_line.empty() || !seen.exception_line.empty()) {
    issue.state = RankState::failed;
    issue.message = clip(!seen.exception_line.empty() ? seen.exception_line : seen.error_line, 500, "...");
  }
  return issue;
}

// The small tail decides alone only when reading further back could not
// change the verdict or the message: its last decisive line is the last one
// of any wider window, and a failure's message needs its exception line
// (the wider window could hold an earlier one, which would win over the
// ERROR line). Everything else widens: a running-looking tail may sit after
// an ERROR that the rank logged and outlived, and a traceback longer than the
// small tail hides its ERROR line and any "Processing done" before it.
bool small_tail_decides(const TailLines& seen) {
  if (!seen.decisive) return false;
  return seen.done_after_error || !seen.exception_line.empty();
}

// An incomplete rank that has something named task_NNNNN.log in logs/, and
// what became of it in one round: stat, allotment, read, verdict.
enum class Outcome { classified, not_a_log, vanished, over_budget, unreadable };

struct LogSlot {
  std::int64_t rank = 0;
  EntryType listed_type = EntryType::file;
  FileStat stat;
  std::uint64_t allotted = 0;  // bytes this rank may read; 0: nothing to read
  Outcome outcome = Outcome::classified;
  bool reused = false;         // the previous issue stands: the log did not change
  bool read = false;           // its tail was read
  RankIssue issue;             // as the log says, before the attempt rule
  std::string error;           // why it could not be read
};

// The log's own verdict for an issue the last diagnose stored: the attempt
// rule had turned a running-looking log of an earlier attempt into pending.
RankState logged_state(const RankIssue& issue) {
  return issue.earlier_attempt && issue.state == RankState::pending ? RankState::running : issue.state;
}

// The message of a StorageError without the path it starts with (the
// warning names the path).
std::string reason(const StorageError& e) {
  std::string_view text = e.what();
  const std::string prefix = e.path() + ": ";
  if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
  return std::string(text);
}

// Reads and classifies the allotted tail of one log: a small tail first,
// the whole allotment only when the small one does not decide.
void read_tail(const Storage& storage, const std::string& path, LogSlot& slot) {
  const std::uint64_t size = slot.stat.size;
  const std::uint64_t window = slot.allotted;  // min(size, log_tail_bytes)
  const std::uint64_t small = std::min(window, small_tail_bytes);
  try {
    slot.read = true;
    if (small == window) {
      slot.issue = classify_task_log(slot.rank, storage.read_range(path, size - window, window));
      return;
    }
    // One byte more than the small tail says whether it starts at a line
    // start; a partial first line is left to the wider read.
    const std::string text = storage.read_range(path, size - small - 1, small + 1);
    const auto newline = text.find('\n');
    if (newline != std::string::npos) {
      const TailLines seen = scan_lines(std::string_view(text).substr(newline + 1));
      if (small_tail_decides(seen)) {
        slot.issue = verdict(slot.rank, seen);
        return;
      }
    }
    // Only the bytes before the small tail: logs are appended to, so the two
    // ranges, both fixed by the stat, join into the window.
    std::string wide = storage.read_range(path, size - window, window - small);
    if (!text.empty()) wide.append(text, 1);
    slot.issue = classify_task_log(slot.rank, wide);
  } catch (const StorageError& e) {
    slot.outcome = Outcome::unreadable;
    slot.error = reason(e);
  }
}

unsigned fan_out(std::size_t logs, const ScanOptions& options) {
  if (logs < parallel_min_logs) return 1;
  return options.threads != 0 ? options.threads : default_job_fan_out;
}

// One diagnose of one job. Rounds of at most round_logs logs, in ascending
// rank order: stat (parallel), allot the byte budget (in order, so the same
// tree always reads the same ranks), read (parallel), fold into the job (in
// order: counts, the bounded issue list and messages, warnings).
class Diagnosis {
 public:
  Diagnosis(const Storage& storage, JobState& job, const ScanOptions& options)
      : storage_(storage), job_(job), options_(options), logs_dir_(storage.join(job.path, "logs")),
        budget_left_(options.log_bytes_per_job) {}

  std::size_t run() {
    previous_ = std::move(job_.rank_issues);
    forget_previous_results();
    if (options_.log_bytes_per_job == 0 || job_.complete()) return 0;
    job_.logs_read = true;
    std::vector<LogSlot> slots;
    const std::int64_t incomplete = job_.world_size - job_.completed;
    if (!list_logs(slots)) {
      job_.rank_counts.unread = incomplete;  // we do not know which ranks have logs
      return 0;
    }
    job_.rank_counts.pending = incomplete - static_cast<std::int64_t>(slots.size());
    for (std::size_t begin = 0; begin < slots.size(); begin += round_logs) {
      const std::size_t end = std::min(slots.size(), begin + round_logs);
      stat_logs(slots, begin, end);
      for (std::size_t i = begin; i < end; ++i) allot(slots[i]);
      read_logs(slots, begin, end);
      for (std::size_t i = begin; i < end; ++i) fold(slots[i]);
      // Free this round's tails and messages before the next round.
      for (std::size_t i = begin; i < end; ++i) slots[i] = LogSlot{};
    }
    refill_messages();
    summarize_warnings();
    return reads_;
  }

 private:
  void forget_previous_results() {
    job_.rank_issues.clear();
    job_.rank_issues_truncated = false;
    job_.rank_counts = RankCounts{};
    job_.last_log_write.reset();
    job_.last_failure_at.reset();
    job_.logs_read = false;
    // A refresh works on a copy of the cached job: its log warnings are
    // from the last diagnose and are made again below when still true.
    const std::string inside = logs_dir_ + "/";
    std::erase_if(job_.warnings, [&](const Warning& w) { return w.path == logs_dir_ || w.path.starts_with(inside); });
  }

  std::string log_path(std::int64_t rank) const { return storage_.join(logs_dir_, task_log_name(rank)); }

  // One listing of logs/: the incomplete ranks that have an entry there, in
  // rank order. False when logs/ exists but cannot be listed.
  bool list_logs(std::vector<LogSlot>& slots) {
    const FileStat st = storage_.stat(logs_dir_);
    if (st.type == EntryType::missing) return true;  // no logs yet: every incomplete rank is pending
    if (st.type != EntryType::directory) {
      job_.warnings.push_back({logs_dir_, "not a directory: no task logs read"});
      return true;
    }
    std::vector<DirEntry> entries;
    try {
      entries = storage_.list(logs_dir_, ListOptions{false, true});
    } catch (const StorageError& e) {
      job_.warnings.push_back({logs_dir_, reason(e) + "; rank counts unknown"});
      return false;
    }
    for (const DirEntry& e : entries) {
      if (!e.name.starts_with("task_") || !e.name.ends_with(".log")) continue;
      const auto rank = parse_rank_name(e.name.substr(5, e.name.size() - 9));
      if (!rank || *rank >= job_.world_size) continue;
      if (std::binary_search(job_.done_ranks.begin(), job_.done_ranks.end(), *rank)) continue;
      LogSlot slot;
      slot.rank = *rank;
      slot.listed_type = e.type;
      slots.push_back(std::move(slot));
    }
    std::sort(slots.begin(), slots.end(), [](const LogSlot& a, const LogSlot& b) { return a.rank < b.rank; });
    return true;
  }

  // Sizes and mtimes. Only entries listed as regular files are touched: a
  // FIFO or a directory named like a log is never opened.
  void stat_logs(std::vector<LogSlot>& slots, std::size_t begin, std::size_t end) {
    parallel_for(end - begin, fan_out(end - begin, options_), [&](std::size_t k) {
      LogSlot& slot = slots[begin + k];
      if (slot.listed_type == EntryType::missing) {  // a dangling link
        slot.outcome = Outcome::vanished;
        return;
      }
      if (slot.listed_type != EntryType::file) {
        slot.outcome = Outcome::not_a_log;
        return;
      }
      slot.stat = storage_.stat(log_path(slot.rank));
      if (slot.stat.type == EntryType::missing) slot.outcome = Outcome::vanished;
      else if (slot.stat.type != EntryType::file) slot.outcome = Outcome::not_a_log;
    });
  }

  // The previous issue of this rank when its log is the same (mtime and
  // size): a refresh reads only logs that changed. Ranks come in ascending
  // order, as the previous issues are stored.
  const RankIssue* unchanged_previous(const LogSlot& slot) {
    while (previous_at_ < previous_.size() && previous_[previous_at_].rank < slot.rank) ++previous_at_;
    if (previous_at_ == previous_.size()) return nullptr;
    const RankIssue& p = previous_[previous_at_];
    if (p.rank != slot.rank || !p.log_mtime || *p.log_mtime != slot.stat.mtime || p.log_size != slot.stat.size)
      return nullptr;
    return &p;
  }

  // In rank order, before anything is read: which logs are reused, which
  // are read and how many bytes each may take. The budget is charged the
  // most a log may read (its whole window), so it bounds the bytes read, and
  // the first log that does not fit ends the reading: later logs that would
  // need a read are unread (unchanged and empty ones cost nothing and still
  // count). The same tree and previous issues always give the same answer,
  // however many threads read.
  void allot(LogSlot& slot) {
    if (slot.outcome != Outcome::classified) return;
    if (const RankIssue* previous = unchanged_previous(slot)) {
      slot.issue = *previous;
      slot.issue.state = logged_state(*previous);
      slot.reused = true;
      return;
    }
    slot.issue = RankIssue{slot.rank, RankState::running, {}, std::nullopt};  // an empty log: alive when written
    if (slot.stat.size == 0) return;
    const std::uint64_t window = std::min(slot.stat.size, options_.log_tail_bytes);
    if (budget_spent_ || window > budget_left_) {
      budget_spent_ = true;
      slot.outcome = Outcome::over_budget;
      return;
    }
    budget_left_ -= window;
    slot.allotted = window;
  }

  void read_logs(std::vector<LogSlot>& slots, std::size_t begin, std::size_t end) {
    std::vector<LogSlot*> to_read;
    for (std::size_t i = begin; i < end; ++i) {
      if (slots[i].allotted > 0) to_read.push_back(&slots[i]);
    }
    parallel_for(to_read.size(), fan_out(to_read.size(), options_), [&](std::size_t k) {
      read_tail(storage_, log_path(to_read[k]->rank), *to_read[k]);
    });
  }

  void fold(LogSlot& slot) {
    RankCounts& counts = job_.rank_counts;
    switch (slot.outcome) {
      case Outcome::vanished: ++counts.pending; return;  // removed since the listing
      case Outcome::not_a_log:
        ++counts.pending;
        if (++not_logs_ <= named_warnings)
          job_.warnings.push_back({log_path(slot.rank), fmt::format("not a regular file: not read, rank {} counted pending", slot.rank)});
        return;
      case Outcome::over_budget: ++counts.unread; return;
      case Outcome::unreadable:
        ++counts.unread;
        if (++unreadable_ <= named_warnings)
          job_.warnings.push_back({log_path(slot.rank), fmt::format("{}; rank {} not counted (unread)", slot.error, slot.rank)});
        return;
      case Outcome::classified: break;
    }
    reads_ += slot.read ? 1 : 0;
    RankIssue issue = std::move(slot.issue);
    issue.log_mtime = slot.stat.mtime;
    issue.log_size = slot.stat.size;
    // executor.json is rewritten at every launch: a log clearly older is from
    // an earlier attempt. Its failure no longer decides, and a running-looking
    // one is no evidence of life (that rank has not started again). "Clearly":
    // a copy (cp -r, a restore) writes both within seconds, a relaunch comes
    // minutes after the failure at the soonest.
    issue.earlier_attempt =
        job_.launched_at && slot.stat.mtime < *job_.launched_at - options_.relaunch_margin_seconds;
    if (issue.earlier_attempt && issue.state == RankState::running) issue.state = RankState::pending;
    count_rank_issue(job_, issue);
    const bool listed = job_.rank_issues.size() < options_.max_rank_issues;
    if (issue.state == RankState::failed) keep_or_drop_message(issue, slot.reused && listed);
    if (listed) job_.rank_issues.push_back(std::move(issue));
    else job_.rank_issues_truncated = true;
  }

  // Messages are kept for the first max_rank_messages failed ranks; later
  // ones keep their rank and state. A reused issue whose message an earlier
  // diagnose dropped gets it back when a slot has freed since.
  void keep_or_drop_message(RankIssue& issue, bool refillable) {
    if (messages_kept_ >= options_.max_rank_messages) {
      issue.message.clear();
      return;
    }
    ++messages_kept_;
    if (issue.message.empty() && refillable) want_message_.push_back(job_.rank_issues.size());
  }

  void refill_messages() {
    std::vector<LogSlot> slots;
    for (const std::size_t index : want_message_) {
      const RankIssue& issue = job_.rank_issues[index];
      LogSlot slot;
      slot.rank = issue.rank;
      slot.stat = FileStat{EntryType::file, issue.log_size, issue.log_mtime.value_or(0)};
      slot.allotted = std::min(issue.log_size, options_.log_tail_bytes);
      if (slot.allotted == 0 || slot.allotted > budget_left_) break;
      budget_left_ -= slot.allotted;
      slots.push_back(std::move(slot));
    }
    parallel_for(slots.size(), fan_out(slots.size(), options_),
                 [&](std::size_t k) { read_tail(storage_, log_path(slots[k].rank), slots[k]); });
    for (std::size_t k = 0; k < slots.size(); ++k) {
      reads_ += slots[k].read ? 1 : 0;
      if (slots[k].outcome == Outcome::classified && slots[k].issue.state == RankState::failed)
        job_.rank_issues[want_message_[k]].message = std::move(slots[k].issue.message);
    }
  }

  void summarize_warnings() {
    if (not_logs_ > named_warnings)
      job_.warnings.push_back({logs_dir_, fmt::format("{} more task_NNNNN.log entries are not regular files (ranks counted pending)",
                                                     not_logs_ - named_warnings)});
    if (unreadable_ > named_warnings)
      job_.warnings.push_back({logs_dir_, fmt::format("{} more task logs could not be read (ranks counted unread)",
                                                     unreadable_ - named_warnings)});
  }

  const Storage& storage_;
  JobState& job_;
  const ScanOptions& options_;
  const std::string logs_dir_;
  std::vector<RankIssue> previous_;
  std::size_t previous_at_ = 0;
  std::uint64_t budget_left_;
  bool budget_spent_ = false;
  std::size_t messages_kept_ = 0;
  std::vector<std::size_t> want_message_;  // rank_issues indices of reused failures without a message
  std::size_t not_logs_ = 0, unreadable_ = 0;
  std::size_t reads_ = 0;
};

}  // namespace

RankIssue classify_task_log(std::int64_t rank, std::string_view tail) { return verdict(rank, scan_lines(tail)); }

std::size_t diagnose_incomplete_ranks(const Storage& storage, JobState& job, const ScanOptions& options) {
  return Diagnosis(storage, job, options).run();
}

}  // namespace jobmon::detail
