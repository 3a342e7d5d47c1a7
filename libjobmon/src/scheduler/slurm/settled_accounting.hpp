// Accounting that can no longer change, kept instead of asked again: a job
// or array all of whose rows sacct calls ended, and that squeue no longer
// lists. Its tasks ended for good (a requeue puts one back in squeue: its
// rows are then forgotten and it is asked again), so a job left with failed
// ranks is read from sacct once, not on every refresh until someone
// relaunches it.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/slurm/slurm_rows.hpp"

namespace jobmon::detail {

// The ids squeue's rows name (each row's array id and its own id), as views
// into the rows: worked out once per question for both calls below.
using QueuedIds = std::set<std::string_view>;
QueuedIds ids_listed(const std::vector<SlurmRow>& queue);

class SettledAccounting {
 public:
  // The ids of `ids` to ask sacct about; the settled ones' rows go to `served`.
  // `queued`: what squeue listed in this question (it answered). An id squeue
  // lists again (a requeue) is settled no more: its rows are forgotten.
  std::vector<std::string> to_ask(const std::vector<std::string>& ids, const QueuedIds& queued,
                                  std::vector<SlurmRow>& served);
  // What sacct answered, without a problem, about `asked`: the ids whose rows
  // all ended and that squeue did not list are settled from now on.
  void learn(const std::vector<std::string>& asked, const std::vector<SlurmRow>& accounting, const QueuedIds& queued);
  // Forgets the ids no longer asked about.
  void keep_only(const std::vector<std::string>& ids);

 private:
  std::map<std::string, std::vector<SlurmRow>, std::less<>> settled_;
};

}  // namespace jobmon::detail
