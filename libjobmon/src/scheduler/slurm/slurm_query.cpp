// One squeue and one sacct per refresh, cached for the refresh interval.
#include "jobmon/scheduler/slurm_query.hpp"

#include <algorithm>

#include "core/system/subprocess.hpp"
#include "core/text/text.hpp"
#include "scheduler/slurm/slurm_join.hpp"
#include "scheduler/slurm/slurm_json.hpp"
#include "scheduler/slurm/slurm_parsable.hpp"
#include "scheduler/slurm/settled_accounting.hpp"

namespace jobmon {
namespace {

constexpr std::size_t max_held_bytes = std::size_t{256} << 20;

// --json refused: an older Slurm (or one built without its JSON plugin).
// A refusal printed on stdout stops the JSON reader at once: stderr decides.
bool json_refused(const detail::CommandResult& r) {
  if (!r.started || r.timed_out || r.output_too_large || (r.exit_code == 0 && !r.stopped)) return false;
  const std::string err = detail::ascii_lower(r.err);
  return err.find("unrecognized option") != std::string::npos || err.find("invalid option") != std::string::npos ||
         err.find("json") != std::string::npos;
}

std::string failure(const detail::CommandResult& r, const std::string& what) {
  if (!r.problem.empty()) return r.problem;
  std::string first_line(detail::trim(r.err.substr(0, r.err.find('\n'))));
  if (r.signal) return what + ": killed by signal " + std::to_string(*r.signal);
  return what + ": exit " + std::to_string(r.exit_code.value_or(-1)) + (first_line.empty() ? "" : " (" + detail::clip(first_line, 200, "...") + ")");
}

// No slurm.conf and no configless controller: Slurm's commands on a machine
// that is not part of a cluster.
bool slurm_unconfigured(const detail::CommandResult& r) {
  if (!r.started || r.timed_out) return false;
  return r.err.find("_establish_config_source") != std::string::npos ||
         r.err.find("Could not establish a configuration source") != std::string::npos;
}

// One command's rows: the --json answer read as it arrives, or the
// parsable text read whole (older Slurm, whose answers are far smaller).
struct Asked {
  detail::CommandResult result;
  detail::SlurmRows rows;
};

Asked ask_json(const std::vector<std::string>& argv, detail::SlurmJsonStream::Command command,
               const detail::CommandLimits& limits) {
  Asked a;
  detail::SlurmJsonStream stream(command);
  a.result = detail::run_command(argv, limits, {}, [&](std::string_view piece) { return stream.feed(piece); });
  a.rows = stream.finish();
  return a;
}

Asked ask_parsable(const std::vector<std::string>& argv, detail::SlurmRows (*parse)(std::string_view),
                   detail::CommandLimits limits) {
  // Held whole (it is ~30x smaller than --json): capped like a held answer.
  limits.max_output_bytes = std::min(limits.max_output_bytes, max_held_bytes);
  Asked a;
  a.result = detail::run_command(argv, limits);
  if (a.result.ok()) a.rows = parse(a.result.out);
  return a;
}

// The rows of an answer, or (when the command failed) why there are none.
detail::SlurmRows rows_or_failure(Asked& a, const std::string& what, std::vector<std::string>& problems) {
  // Stopped by its reader: the reader says why.
  if (a.result.ok() || (a.result.stopped && !a.result.cancelled && !a.rows.problem.empty())) {
    if (!a.rows.problem.empty()) problems.push_back(a.rows.problem);
    return std::move(a.rows);
  }
  problems.push_back(failure(a.result, what));
  return {};
}

}  // namespace

SlurmQuery::SlurmQuery(SchedulerOptions options, SlurmCommands commands)
    : options_(options), commands_(std::move(commands)), settled_(std::make_unique<detail::SettledAccounting>()) {}

SlurmQuery::~SlurmQuery() = default;

SchedulerAnswer SlurmQuery::query(const SchedulerRequest& request, double now) { return *shared_query(request, now); }

std::shared_ptr<const SchedulerAnswer> SlurmQuery::shared_query(const SchedulerRequest& request, double now) {
  SchedulerRequest wanted = normalized(request);
  if (cached_ && cached_->fresh_at(now, options_.refresh_seconds) && covers(cached_request_, wanted)) {
    return cached_;
  }
  cached_ = std::make_shared<const SchedulerAnswer>(ask(wanted.job_ids, wanted.job_names, now));
  cached_request_ = std::move(wanted);
  return cached_;
}

SchedulerAnswer SlurmQuery::ask(const std::vector<std::string>& asked_ids, const std::vector<std::string>& names,
                                double now) {
  SchedulerAnswer answer;
  answer.kind = "slurm";
  answer.taken_at = now;
  if (!detail::program_on_path(commands_.squeue)) {  // no Slurm here: files only
    if (!options_.unconfigured_is_absent) answer.problems.push_back(commands_.squeue + " not found on PATH: showing what the files say");
    return answer;
  }
  if (stopped_) {
    answer.problems.push_back("slurm: not asked (stopped)");
    return answer;
  }
  answer.available = true;
  detail::CommandLimits limits;
  limits.timeout_seconds = options_.timeout_seconds;
  limits.max_output_bytes = options_.max_output_bytes;
  limits.cancel = &stopped_;

  // The whole queue: squeue --json ignores -j, and -j fails for an id past MinJobAge.
  ++squeue_calls_;
  Asked q;
  if (!parsable_) {
    q = ask_json({commands_.squeue, "--json"}, detail::SlurmJsonStream::Command::squeue, limits);
    if (json_refused(q.result)) parsable_ = true;
  }
  if (parsable_) {
    q = ask_parsable({commands_.squeue, "-h", "-a", "-t", "all", "-o", detail::squeue_parsable_format},
                     detail::parse_squeue_parsable, limits);
  }
  const std::size_t problems_before = answer.problems.size();
  detail::SlurmRows queue = rows_or_failure(q, "squeue", answer.problems);
  const bool squeue_answered = answer.problems.size() == problems_before;
  if (!q.result.ok() && options_.unconfigured_is_absent && slurm_unconfigured(q.result)) {
    answer.available = false;  // commands installed, no cluster: files only
    answer.problems.clear();
    return answer;
  }
  // Arrays queued under one of the names: asked about like the ids.
  std::vector<std::string> ids = asked_ids;
  for (auto& id : detail::job_ids_named(queue.rows, names)) ids.push_back(std::move(id));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());

  // Accounting for every id asked about and the jobs that wait on them.
  std::vector<std::string> accounting_ids = ids;
  for (auto& id : detail::dependent_job_ids(queue.rows, ids)) accounting_ids.push_back(std::move(id));
  detail::SlurmRows accounting;
  std::vector<detail::SlurmRow> settled_rows;
  const detail::QueuedIds queued = squeue_answered ? detail::ids_listed(queue.rows) : detail::QueuedIds{};
  const std::vector<std::string> sacct_ids =
      squeue_answered ? settled_->to_ask(accounting_ids, queued, settled_rows) : accounting_ids;
  if (!sacct_ids.empty() && !detail::program_on_path(commands_.sacct)) {
    answer.problems.push_back(commands_.sacct + " not found on PATH: no accounting for ended tasks");
  } else if (!sacct_ids.empty()) {
    ++sacct_calls_;
    const std::string list = detail::join(sacct_ids, ",");
    Asked a;
    if (!parsable_) {
      a = ask_json({commands_.sacct, "--json", "-j", list}, detail::SlurmJsonStream::Command::sacct, limits);
      if (json_refused(a.result)) parsable_ = true;
    }
    if (parsable_) {
      a = ask_parsable({commands_.sacct, "-n", "-P", "-j", list, "-o", detail::sacct_parsable_fields},
                       detail::parse_sacct_parsable, limits);
    }
    const std::size_t before = answer.problems.size();
    accounting = rows_or_failure(a, "sacct", answer.problems);
    if (squeue_answered && answer.problems.size() == before) settled_->learn(sacct_ids, accounting.rows, queued);
  }
  settled_->keep_only(accounting_ids);
  for (auto& row : settled_rows) accounting.rows.push_back(std::move(row));
  answer.tasks = detail::join_slurm_rows(std::move(queue.rows), squeue_answered, std::move(accounting.rows), ids, now);
  return answer;
}

}  // namespace jobmon
