// SchedulerJoin: one question for every job per refresh, joined per job,
// with the slurm log tails of ranks that ended badly.
#include "jobmon/datatrove/scheduler_join.hpp"

#include <algorithm>
#include <set>

#include "core/text/text.hpp"
#include "datatrove/slurm/join_inputs.hpp"
#include "datatrove/slurm/launch_arrays.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon {
namespace {

// The end of a slurm log: where Slurm writes "DUE TO TIME LIMIT",
// "oom-kill" and "CANCELLED AT"; a few lines say it.
constexpr std::uint64_t tail_bytes = 2048;
constexpr std::size_t tail_lines = 8;
// Tails read per job and refresh (the rest of its ranks show their state
// without one); each is cached until its file changes.
constexpr std::size_t max_tails_per_job = 50;

bool wants_tail(const RankScheduling& r) {
  return r.state != "running" && r.state != "pending" && r.state != "requeued" && r.state != "suspended" &&
         r.state != "never_scheduled" && r.state != "finished_unmarked" && !r.slurm_log.empty();
}

// The last few lines, whole.
std::string last_lines(std::string_view text) {
  std::vector<std::string_view> lines = detail::split_lines(text);
  if (text.size() >= tail_bytes && !lines.empty()) lines.erase(lines.begin());  // cut by the read
  while (!lines.empty() && detail::trim(lines.back()).empty()) lines.pop_back();
  const std::size_t first = lines.size() > tail_lines ? lines.size() - tail_lines : 0;
  std::string out;
  for (std::size_t i = first; i < lines.size(); ++i) {
    out += std::string(detail::trim_right(lines[i]));
    if (i + 1 < lines.size()) out += '\n';
  }
  return out;
}

struct CachedTail {
  double mtime = -1;
  std::uint64_t size = 0;
  std::string tail;
  std::size_t users = 0;  // ranks of the kept joins that show this tail
};

}  // namespace

std::shared_ptr<const JobScheduling> SchedulerView::find(const JobState& job) const {
  const auto it = by_path.find(job.path);
  return it == by_path.end() ? nullptr : it->second;
}

std::vector<Warning> scheduler_warnings(const SchedulerView& view) {
  std::vector<Warning> out;
  const std::string who = view.asked.empty() ? "scheduler" : view.asked;
  for (const auto& p : view.problems) out.push_back({who, p});
  return out;
}

SchedulerRequest scheduler_request(const std::vector<std::shared_ptr<const JobState>>& jobs) {
  std::set<std::string> ids, names;
  for (const auto& job : jobs) {
    if (!job || !job->slurm.launched_on_slurm || job->complete()) continue;
    // The current launch's arrays only: earlier launches are history.
    for (const auto& id : detail::launch_arrays(*job, nullptr).current_ids()) ids.insert(id);
    if (!job->slurm.job_name.empty()) names.insert(job->slurm.job_name);
  }
  return SchedulerRequest{{ids.begin(), ids.end()}, {names.begin(), names.end()}};
}

struct SchedulerJoin::Impl {
  std::unique_ptr<SchedulerQuery> query;
  std::shared_ptr<const Storage> storage;
  std::unordered_map<std::string, CachedTail> tails;

  // Between refreshes, by job path: the arrays a job asks about and its
  // join, kept while the job's files say the same (same_join_inputs; the
  // Scanner hands out the very same JobState while they are unchanged) and
  // the scheduler's answer is the same object (the query hands it out again
  // within its refresh interval).
  struct Asked {
    std::shared_ptr<const JobState> job;
    std::vector<std::string> ids;
    std::uint64_t round = 0;  // the last update_request that asked about it
  };
  struct Joined {
    std::shared_ptr<const JobState> job;
    std::shared_ptr<const JobScheduling> scheduling;
  };
  std::unordered_map<std::string, Asked> asked;
  std::uint64_t round = 0;  // update_request calls, to tell the jobs gone
  std::unordered_map<std::string, Joined> joined;
  std::shared_ptr<const SchedulerAnswer> answer;  // the one `joined` and `index` are of
  detail::AnswerIndex index;

  // The last refresh's jobs and its request; and the last full join's
  // view, of `last_jobs` and `view_answer` (null: none). Holding the jobs keeps
  // their addresses from being reused, so the same pointers in the same
  // order are the same facts (JobStates are not changed once handed out):
  // the request, every job's join and the tails kept are all as before.
  std::vector<std::shared_ptr<const JobState>> last_jobs;
  SchedulerRequest request;
  std::shared_ptr<const SchedulerAnswer> view_answer;
  std::unordered_map<std::string, std::shared_ptr<const JobScheduling>> by_path;

  // Whether `next` are the last refresh's jobs; if not, they become them.
  bool same_jobs(const std::vector<std::shared_ptr<const JobState>>& next) {
    if (std::equal(next.begin(), next.end(), last_jobs.begin(), last_jobs.end(),
                   [](const auto& a, const auto& b) { return a.get() == b.get(); }))
      return true;
    last_jobs = next;
    update_request(last_jobs);
    view_answer = nullptr;
    by_path.clear();
    return false;
  }

  // Brings `request` to scheduler_request(jobs), each job's arrays worked
  // out once per state; the request is left as it is when it says the same.
  void update_request(const std::vector<std::shared_ptr<const JobState>>& jobs) {
    ++round;
    std::size_t kept = 0;
    std::vector<std::string> ids;         // Slurm ids are short: no allocation each
    std::vector<std::string_view> names;  // views into the jobs
    for (const auto& job : jobs) {
      if (!job || !job->slurm.launched_on_slurm || job->complete()) continue;
      Asked& a = asked.try_emplace(job->path).first->second;
      if (!a.job || !detail::same_join_inputs(*a.job, *job)) a.ids = detail::launch_arrays(*job, nullptr).current_ids();
      a.job = job;
      if (a.round != round) ++kept;
      a.round = round;
      ids.insert(ids.end(), a.ids.begin(), a.ids.end());
      if (!job->slurm.job_name.empty()) names.push_back(job->slurm.job_name);
    }
    if (asked.size() != kept) std::erase_if(asked, [&](const auto& entry) { return entry.second.round != round; });
    const auto sort_unique = [](auto& v) {
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
    };
    sort_unique(ids);
    sort_unique(names);
    if (ids != request.job_ids) request.job_ids = std::move(ids);
    if (!std::ranges::equal(names, request.job_names)) request.job_names.assign(names.begin(), names.end());
  }

  // The job's join; `fresh` is set when it is worked out anew.
  std::shared_ptr<const JobScheduling> join(const std::shared_ptr<const JobState>& job, bool& fresh) {
    const auto before = joined.find(job->path);
    if (before != joined.end() && detail::same_join_inputs(*before->second.job, *job)) {
      before->second.job = job;  // the next look is a pointer comparison
      return before->second.scheduling;
    }
    fresh = true;
    auto s = std::make_shared<JobScheduling>(detail::join_job_scheduling(*job, answer, index));
    fill_tails(*s);
    count_tails(*s, true);
    if (before != joined.end()) {
      count_tails(*before->second.scheduling, false);
      before->second = Joined{job, s};
    } else {
      joined.emplace(job->path, Joined{job, s});
    }
    return s;
  }

  // Counts the tails a kept join shows in or out: the tails no kept join
  // shows are dropped, without a walk over every join's ranks.
  void count_tails(const JobScheduling& s, bool shown) {
    for (const auto& r : s.ranks) {
      if (r.slurm_log_tail.empty()) continue;
      const auto it = tails.find(r.slurm_log);
      if (it == tails.end()) continue;
      if (shown) ++it->second.users;
      else if (it->second.users > 0) --it->second.users;
    }
  }

  void forget_joins() {
    joined.clear();
    for (auto& [path, tail] : tails) tail.users = 0;
  }

  std::string tail_of(const std::string& path) {
    const FileStat st = storage->stat(path);
    if (st.type != EntryType::file) return {};
    CachedTail& cached = tails[path];
    if (cached.mtime == st.mtime && cached.size == st.size) return cached.tail;
    cached.mtime = st.mtime;
    cached.size = st.size;
    try {
      const std::uint64_t from = st.size > tail_bytes ? st.size - tail_bytes : 0;
      cached.tail = last_lines(storage->read_range(path, from, tail_bytes));
    } catch (const StorageError&) {
      cached.tail.clear();
    }
    return cached.tail;
  }

  void fill_tails(JobScheduling& s) {
    std::size_t read = 0;
    for (auto& r : s.ranks) {
      if (!wants_tail(r)) continue;
      if (read++ >= max_tails_per_job) break;
      r.slurm_log_tail = tail_of(r.slurm_log);
    }
  }
};

SchedulerJoin::SchedulerJoin(std::unique_ptr<SchedulerQuery> query, std::shared_ptr<const Storage> storage)
    : impl_(std::make_unique<Impl>()) {
  impl_->query = std::move(query);
  impl_->storage = storage ? std::move(storage) : std::make_shared<LocalStorage>();
}

SchedulerJoin::~SchedulerJoin() = default;

std::string_view SchedulerJoin::kind() const { return impl_->query ? impl_->query->kind() : "none"; }

SchedulerView SchedulerJoin::refresh(const std::vector<std::shared_ptr<const JobState>>& jobs, double now) {
  SchedulerView view;
  if (!impl_->query || impl_->query->kind() == "none") return view;
  view.asked = std::string(impl_->query->kind());
  const bool same_jobs = impl_->same_jobs(jobs);
  const SchedulerRequest& request = impl_->request;
  // No unfinished job launched on Slurm: nothing to ask (a big cluster's
  // queue is not read for a tree of local jobs).
  if (request.job_ids.empty() && request.job_names.empty()) return view;
  auto answer = impl_->query->shared_query(request, now);
  view.problems = answer->problems;
  if (!answer->available) return view;
  view.kind = answer->kind;
  view.answer = answer;
  if (same_jobs && answer == impl_->view_answer) {  // the common refresh: nothing to join
    view.by_path = impl_->by_path;
    return view;
  }
  if (answer != impl_->answer) {  // a new answer: every job is joined again
    impl_->index = detail::index_answer(*answer);
    impl_->answer = answer;
    impl_->forget_joins();
  }
  view.by_path.reserve(jobs.size());
  bool fresh = false;
  for (const auto& job : jobs) {
    if (!job || !job->slurm.launched_on_slurm) continue;
    view.by_path.emplace(job->path, impl_->join(job, fresh));
  }
  // `joined` holds every path of the view: a bigger one holds paths gone.
  if (impl_->joined.size() != view.by_path.size()) {
    std::erase_if(impl_->joined, [&](const auto& entry) {
      if (view.by_path.count(entry.first)) return false;
      impl_->count_tails(*entry.second.scheduling, false);
      return true;
    });
    fresh = true;
  }
  // Tails of files no kept join shows any more are dropped. Tails are read
  // only by fresh joins, so without one (and no job gone) there are none.
  if (fresh) std::erase_if(impl_->tails, [](const auto& entry) { return entry.second.users == 0; });
  impl_->view_answer = answer;
  impl_->by_path = view.by_path;
  return view;
}

std::unique_ptr<SchedulerJoin> make_scheduler_join(SchedulerChoice choice, std::shared_ptr<const Storage> storage,
                                                   const SchedulerOptions& options) {
  return std::make_unique<SchedulerJoin>(make_scheduler_query(choice, options), std::move(storage));
}

}  // namespace jobmon
