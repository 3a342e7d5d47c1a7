// Slurm: per refresh one `squeue --json` (the whole queue: squeue's --json
// ignores -j in 22.05, and -j fails for ids past MinJobAge) and one
// `sacct --json -j <every id>` (steps included), joined per array task.
// Where --json is refused (Slurm before 21.08) the parsable forms
// `squeue -o` / `sacct -P` are used instead, decided once per query. A job
// whose tasks all ended by sacct's word and that squeue no longer lists is
// not asked of sacct again (its accounting cannot change; a requeue would
// list it in squeue again).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/scheduler/scheduler_query.hpp"

namespace jobmon {

namespace detail {
class SettledAccounting;
}

struct SlurmCommands {
  std::string squeue = "squeue";
  std::string sacct = "sacct";
};

class SlurmQuery final : public SchedulerQuery {
 public:
  explicit SlurmQuery(SchedulerOptions options = {}, SlurmCommands commands = {});
  ~SlurmQuery() override;
  std::string_view kind() const override { return "slurm"; }
  using SchedulerQuery::query;
  SchedulerAnswer query(const SchedulerRequest& request, double now) override;
  std::shared_ptr<const SchedulerAnswer> shared_query(const SchedulerRequest& request, double now) override;
  void stop() override { stopped_ = true; }

  // How many times each command ran (tests check one call per refresh).
  int squeue_calls() const { return squeue_calls_; }
  int sacct_calls() const { return sacct_calls_; }
  // Whether the parsable forms are in use (--json was refused).
  bool parsable_mode() const { return parsable_; }

 private:
  SchedulerAnswer ask(const std::vector<std::string>& ids, const std::vector<std::string>& names, double now);

  SchedulerOptions options_;
  SlurmCommands commands_;
  bool parsable_ = false;
  std::atomic<bool> stopped_{false};
  int squeue_calls_ = 0, sacct_calls_ = 0;
  // Jobs whose accounting can no longer change: not asked of sacct again.
  std::unique_ptr<detail::SettledAccounting> settled_;
  std::shared_ptr<const SchedulerAnswer> cached_;
  SchedulerRequest cached_request_;  // what cached_ answers (normalized)
};

}  // namespace jobmon
