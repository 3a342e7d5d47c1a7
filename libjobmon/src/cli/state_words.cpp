#include "jobmon/cli/state_words.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

#include "jobmon/format.hpp"

namespace jobmon {

namespace {

bool alive_word(std::string_view state) {
  return state == "running" || state == "pending" || state == "requeued" || state == "suspended" || state == "unknown";
}

std::string upper_state(std::string_view state) {
  std::string out(state);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

}  // namespace

std::string failed_count_text(const JobRow& row) {
  std::string text = fmt::format("{}{} failed", row.failed_ranks_exact ? "" : ">=", row.failed_ranks);
  if (!row.scheduling || row.scheduling->ended_beyond_logs == 0) return text;
  std::string fates;
  for (const auto& [state, n] : row.scheduling->states) {
    if (alive_word(state) || state == "failed" || state == "finished_unmarked") continue;
    fates += fmt::format("{}{} {}", fates.empty() ? "" : ", ", n, state);
  }
  return fates.empty() ? text : text + " (" + fates + ")";
}

std::string queued_text(const JobRow& row) {
  if (!row.scheduling || row.scheduling->queued == 0) return {};
  const JobScheduling& s = *row.scheduling;
  std::string text = fmt::format("{} in {}'s queue", s.queued, s.kind == "slurm" ? "Slurm" : s.kind);
  std::string reasons;
  for (const auto& [reason, n] : s.pending_reasons) reasons += (reasons.empty() ? "" : ", ") + reason;
  return reasons.empty() ? text : text + " (" + reasons + ")";
}

std::string rank_fate_text(const RankScheduling& r, const RankIssue* issue) {
  const SchedulerTask* t = r.task;
  std::string where;
  if (t != nullptr) {
    where = fmt::format("{}_{}", t->array_job_id, t->array_task_index.value_or(r.array_index));
    if (!t->job_id.empty() && t->job_id != t->array_job_id) where += ", job " + t->job_id;
  } else {
    where = fmt::format("{}_{}", r.array_job_id, r.array_index);
  }
  if (r.state == "failed" && issue != nullptr && issue->state == RankState::failed && !issue->earlier_attempt) {
    std::string text = fmt::format("rank {} failed: {} ({}", r.rank, issue->message, where);
    if (t != nullptr && t->exit_code) text += fmt::format(", exit {}", *t->exit_code);
    if (t != nullptr && !t->node.empty()) text += " on " + t->node;
    return text + ")";
  }
  if (r.state == "never_scheduled")
    return fmt::format("rank {}: never scheduled ({}{})", r.rank, where, r.note.empty() ? "" : ": " + r.note);
  if (r.state == "pending" || r.state == "requeued" || r.state == "suspended") {
    std::string text = fmt::format("rank {}: {} ({}", r.rank, r.state, where);
    if (t != nullptr && !t->reason.empty()) text += ", " + t->reason;
    return text + (r.note.empty() ? ")" : "): " + r.note);
  }
  std::string text = fmt::format("rank {}: {}", r.rank, t != nullptr && !t->slurm_state.empty() ? upper_state(r.state == "failed" && t->state == TaskState::completed ? "failed" : r.state) : upper_state(r.state));
  if (r.started && t != nullptr && t->elapsed_seconds) text += " after " + format_duration(*t->elapsed_seconds);
  if (t != nullptr && !t->node.empty()) text += " on " + t->node;
  text += " (" + where;
  if (t != nullptr && t->exit_code && *t->exit_code != 0) text += fmt::format(", exit {}", *t->exit_code);
  if (t != nullptr && t->signal) text += fmt::format(", signal {}", *t->signal);
  text += ")";
  if (!r.note.empty()) text += ", " + r.note;
  else if (r.started && r.state != "running") text += ", no exception in its log";
  return text;
}

std::string failed_ranks_text(const Totals& t) {
  return fmt::format("{}{} failed rank{}", t.tasks_failed_exact ? "" : ">=", format_thousands(t.tasks_failed),
                     t.tasks_failed == 1 ? "" : "s");
}

std::string stopped_text(const JobRow& row, double now) {
  if (!row.ended_at) return {};
  return fmt::format("stopped {} ago", format_duration(std::max(0.0, now - *row.ended_at)));
}

}  // namespace jobmon
