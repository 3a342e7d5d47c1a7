// squeue --json and sacct --json answers (simdjson On-Demand, read straight
// into rows, one job object at a time): read whole and fed in pieces (as a
// pipe hands them over) alike; an unreadable answer is a problem with no
// rows; every row names its job.
#include <string>

#include "fuzz_input.hpp"
#include "scheduler/slurm/slurm_json.hpp"

namespace {

void check(const jobmon::detail::SlurmRows& rows, const std::string& twin_problem, std::size_t twin_rows) {
  if (!rows.problem.empty() && !rows.rows.empty()) jobmon::fuzz::fail("rows beside a problem", rows.problem);
  if (rows.problem.empty() != twin_problem.empty() || rows.rows.size() != twin_rows)
    jobmon::fuzz::fail("read whole and in pieces differ", rows.problem + " / " + twin_problem);
  for (const auto& r : rows.rows) {
    if (r.task.job_id.empty() || r.task.array_job_id.empty()) jobmon::fuzz::fail("a row without its ids");
    if (r.range.size() > 1'000'000) jobmon::fuzz::fail("a range past its cap");
    if (!r.is_range && !r.range.empty()) jobmon::fuzz::fail("indices on a row that is no range");
  }
}

// The text fed in pieces whose sizes (1 to 16 bytes) come from its own bytes.
jobmon::detail::SlurmRows in_pieces(std::string_view text, jobmon::detail::SlurmJsonStream::Command command) {
  jobmon::detail::SlurmJsonStream stream(command);
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t size = 1 + static_cast<unsigned char>(text[at]) % 16;
    if (!stream.feed(text.substr(at, size))) break;
    at += size;
  }
  return stream.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using Command = jobmon::detail::SlurmJsonStream::Command;
  const std::string_view text = jobmon::fuzz::as_text(data, size);
  const auto squeue = jobmon::detail::parse_squeue_json(text);
  check(in_pieces(text, Command::squeue), squeue.problem, squeue.rows.size());
  const auto sacct = jobmon::detail::parse_sacct_json(text);
  check(in_pieces(text, Command::sacct), sacct.problem, sacct.rows.size());
  return 0;
}
