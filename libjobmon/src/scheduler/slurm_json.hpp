// `squeue --json` and `sacct --json` (Slurm 22.05, openapi v0.0.38; the
// later forms of the same fields too: a state list, {"number": N} times).
#pragma once

#include <string_view>

#include "scheduler/slurm_rows.hpp"

namespace jobmon::detail {

SlurmRows parse_squeue_json(std::string_view text);
// Job rows with their steps folded in: an OUT_OF_MEMORY step (srun's `.0`
// under a FAILED job row) makes the task out_of_memory.
SlurmRows parse_sacct_json(std::string_view text);

}  // namespace jobmon::detail
