// The task-log classifier: the tail of a datatrove loguru log -> running,
// failed (with its error line) or finished without a marker.
#include "datatrove/job_dir_reader.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view tail = jobmon::fuzz::as_text(data, size);
  const jobmon::RankIssue issue = jobmon::detail::classify_task_log(7, tail);
  if (issue.rank != 7) jobmon::fuzz::fail("classify_task_log changed the rank");
  if (issue.state == jobmon::RankState::pending) jobmon::fuzz::fail("a log that exists classified as pending");
  if (issue.message.size() > tail.size() + 64) jobmon::fuzz::fail("message longer than the log", issue.message);
  return 0;
}
