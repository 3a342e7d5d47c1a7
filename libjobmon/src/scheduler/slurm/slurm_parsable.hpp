// The parsable text forms, for Slurm without --json:
//   squeue -h -a -t all -o SQUEUE_PARSABLE_FORMAT
//   sacct -n -P -j IDS -o SACCT_PARSABLE_FIELDS
// The job name is the last field (it may hold the '|' separator).
#pragma once

#include <string_view>

#include "scheduler/slurm/slurm_rows.hpp"

namespace jobmon::detail {

inline constexpr const char* squeue_parsable_format = "%A|%F|%K|%T|%r|%N|%S|%e|%V|%l|%Z|%u|%E|%j";
inline constexpr const char* sacct_parsable_fields =
    "JobID,JobIDRaw,State,ExitCode,Start,End,Elapsed,Submit,Timelimit,NodeList,Reason,WorkDir,JobName";

SlurmRows parse_squeue_parsable(std::string_view text);
SlurmRows parse_sacct_parsable(std::string_view text);

}  // namespace jobmon::detail
