// squeue --json and sacct --json answers (simdjson On-Demand, read straight
// into rows): copied into a padded buffer and read in place alike; an
// unreadable answer is a problem with no rows; every row names its job.
#include <string>

#include "fuzz_input.hpp"
#include "scheduler/slurm_json.hpp"

namespace {

void check(const jobmon::detail::SlurmRows& rows, const std::string& twin_problem, std::size_t twin_rows) {
  if (!rows.problem.empty() && !rows.rows.empty()) jobmon::fuzz::fail("rows beside a problem", rows.problem);
  if (rows.problem.empty() != twin_problem.empty() || rows.rows.size() != twin_rows)
    jobmon::fuzz::fail("read in place and copied differ", rows.problem + " / " + twin_problem);
  for (const auto& r : rows.rows) {
    if (r.task.job_id.empty() || r.task.array_job_id.empty()) jobmon::fuzz::fail("a row without its ids");
    if (r.range.size() > 1'000'000) jobmon::fuzz::fail("a range past its cap");
    if (!r.is_range && !r.range.empty()) jobmon::fuzz::fail("indices on a row that is no range");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = jobmon::fuzz::as_text(data, size);
  std::string padded(text);
  const std::size_t readable = jobmon::detail::pad_for_json(padded);
  const auto squeue = jobmon::detail::parse_squeue_json(text);
  check(jobmon::detail::parse_squeue_json(padded, readable), squeue.problem, squeue.rows.size());
  const auto sacct = jobmon::detail::parse_sacct_json(text);
  check(jobmon::detail::parse_sacct_json(padded, readable), sacct.problem, sacct.rows.size());
  return 0;
}
