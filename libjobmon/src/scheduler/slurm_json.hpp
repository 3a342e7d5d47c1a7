// `squeue --json` and `sacct --json` (Slurm 22.05, openapi v0.0.38; the
// later forms of the same fields too: a state list, {"number": N} times).
// Read with simdjson On-Demand straight into rows (no DOM: a 500-job sacct
// answer is ~800 MB). Fields are read leniently: a missing or differently
// typed field leaves the value unknown, never a wrong one; of duplicate keys
// the last counts. Unreadable JSON gives a problem and no rows; a malformed
// value inside a field jobmon does not read is skipped, not checked.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "scheduler/slurm_rows.hpp"

namespace jobmon::detail {

// `readable_after`: bytes readable past the end of `text` (simdjson reads up
// to 64 past it); with fewer, the text is copied into a padded buffer.
SlurmRows parse_squeue_json(std::string_view text, std::size_t readable_after = 0);
// Job rows with their steps folded in: an OUT_OF_MEMORY step (srun's `.0`
// under a FAILED job row) makes the task out_of_memory.
SlurmRows parse_sacct_json(std::string_view text, std::size_t readable_after = 0);

// Makes `text` readable 64 bytes past its end (spaces, so nothing
// uninitialised is read) and returns how many: for the parsers above.
std::size_t pad_for_json(std::string& text);

}  // namespace jobmon::detail
