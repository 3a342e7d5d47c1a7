// `squeue --json` and `sacct --json` (Slurm 22.05, openapi v0.0.38; the
// later forms of the same fields too: a state list, {"number": N} times).
// Read with simdjson On-Demand straight into rows, one job object at a
// time. Fields are read leniently: a missing or differently typed field
// leaves the value unknown, never a wrong one; of duplicate keys the last
// counts. Unreadable JSON gives a problem and no rows; a malformed
// value inside a field jobmon does not read is skipped, not checked.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "scheduler/slurm/slurm_rows.hpp"

namespace jobmon::detail {

// Reads an answer as it arrives, one job object held at a time (a 500-job
// sacct answer is ~800 MB; one of its job objects ~3 KB). Job rows of sacct
// come with their steps folded in: an OUT_OF_MEMORY step (srun's `.0` under
// a FAILED job row) makes the task out_of_memory.
class SlurmJsonStream {
 public:
  enum class Command { squeue, sacct };
  explicit SlurmJsonStream(Command command);
  ~SlurmJsonStream();
  SlurmJsonStream(const SlurmJsonStream&) = delete;
  SlurmJsonStream& operator=(const SlurmJsonStream&) = delete;

  // The next piece of the answer; false once it is unreadable (the rest
  // need not be read).
  bool feed(std::string_view piece);
  // The rows, or a problem and no rows.
  SlurmRows finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A whole answer at once.
SlurmRows parse_squeue_json(std::string_view text);
SlurmRows parse_sacct_json(std::string_view text);

}  // namespace jobmon::detail
