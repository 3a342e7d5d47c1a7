// executor.json, completions/ and task logs of a datatrove job, read through
// an in-memory Storage: read_job_dir directly, then the caching Scanner twice
// (the second scan answers from its cache) and the aggregate the tools print;
// then a reset (markers removed, executor.json rewritten), after which the
// cached Scanner must agree with a fresh one.
// Sections: executor.json; completion marker names, one a line; then one
// section per task log: its file name on the first line, its text after.
#include <algorithm>
#include <string>

#include <boost/json/serialize.hpp>

#include "datatrove/job_dir_reader.hpp"
#include "fuzz_input.hpp"
#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/json.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "memory_storage.hpp"

namespace {

void check(const jobmon::JobState& job) {
  if (job.world_size <= 0) jobmon::fuzz::fail("a job without a world size");
  if (job.completed < 0 || job.completed > job.world_size) jobmon::fuzz::fail("completed out of [0, world_size]");
  if (!std::is_sorted(job.done_ranks.begin(), job.done_ranks.end()) ||
      std::adjacent_find(job.done_ranks.begin(), job.done_ranks.end()) != job.done_ranks.end()) {
    jobmon::fuzz::fail("done_ranks not sorted and distinct");
  }
  for (std::int64_t rank : job.done_ranks) {
    if (rank < 0 || rank >= job.world_size) jobmon::fuzz::fail("a done rank out of range");
  }
  const jobmon::RankCounts& c = job.rank_counts;
  if (c.running < 0 || c.failed < 0 || c.finished_unmarked < 0 || c.pending < 0 || c.unread < 0) {
    jobmon::fuzz::fail("a negative rank count");
  }
  if (job.logs_read && c.running + c.failed + c.finished_unmarked + c.pending + c.unread > job.world_size - job.completed) {
    jobmon::fuzz::fail("more classified ranks than incomplete ones");
  }
  (void)jobmon::format_ranges(job.incomplete_ranges(), 50);
  (void)job.incomplete_ranks(100);
  (void)boost::json::serialize(jobmon::to_json(job));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = jobmon::fuzz::as_text(data, size);
  const auto parts = jobmon::fuzz::sections(input, 10);
  jobmon::fuzz::Prng prng(input);

  auto storage = std::make_shared<jobmon::test::MemoryStorage>();
  const std::string job = "/jobs/j";
  std::vector<std::string> markers;
  const double launched = 1.7e9;
  storage->make_dir(job + "/completions", launched + 10);
  storage->put_file(job + "/executor.json", std::string(parts[0]), launched);
  if (parts.size() > 1) {
    for (std::string_view name : jobmon::fuzz::lines(parts[1])) {
      if (name.empty()) continue;
      markers.push_back(job + "/completions/" + std::string(name));
      storage->put_file(markers.back(), "", launched + static_cast<double>(prng.below(1000)));
    }
  }
  for (std::size_t i = 2; i < parts.size(); ++i) {
    const auto nl = parts[i].find('\n');
    const std::string name(parts[i].substr(0, nl));
    const std::string_view text = nl == std::string_view::npos ? std::string_view() : parts[i].substr(nl + 1);
    if (name.empty()) continue;
    // Some logs predate executor.json (an earlier attempt), most do not.
    storage->put_file(job + "/logs/" + name, std::string(text), launched - 500 + static_cast<double>(prng.below(1000)));
  }

  jobmon::ScanOptions options;
  options.threads = 1;
  options.log_tail_bytes = 1 + prng.below(20000);
  options.log_bytes_per_job = prng.below(2) != 0 ? (1u << 20) : prng.below(4096);
  options.max_rank_issues = 1 + prng.below(8);
  options.max_rank_messages = prng.below(4);
  options.max_executor_bytes = 1u << 20;

  const jobmon::detail::JobReadResult read = jobmon::detail::read_job_dir(*storage, job, options);
  if (read.job) check(*read.job);

  jobmon::Scanner scanner(storage, options);
  for (int round = 0; round < 2; ++round) {
    const jobmon::ScanResult result = scanner.scan({"/jobs"});
    for (const auto& state : result.jobs) check(*state);
    const double now = launched + 2000 + static_cast<double>(prng.below(100000));
    const jobmon::Aggregate aggregate = jobmon::aggregate(result.jobs, now);
    (void)boost::json::serialize(jobmon::status_document(aggregate, result.warnings));
  }

  // A reset under the cached Scanner (a relaunch wipes some markers and
  // rewrites executor.json): its next scan must agree with a fresh one.
  if (!markers.empty()) {
    const double later = launched + 10000;
    const std::size_t removed = 1 + prng.below(markers.size());
    for (std::size_t i = 0; i < removed; ++i) storage->remove(markers[i], later);
    storage->put_file(job + "/executor.json", std::string(parts[0]), later);
    const jobmon::ScanResult cached = scanner.scan({"/jobs"});
    jobmon::Scanner fresh_scanner(storage, options);
    const jobmon::ScanResult fresh = fresh_scanner.scan({"/jobs"});
    if (cached.jobs.size() != fresh.jobs.size()) jobmon::fuzz::fail("after a reset the cached scan finds other jobs than a fresh one");
    for (std::size_t i = 0; i < fresh.jobs.size(); ++i) {
      const jobmon::JobState &a = *cached.jobs[i], &b = *fresh.jobs[i];
      if (a.path != b.path || a.world_size != b.world_size || a.completed != b.completed || a.done_ranks != b.done_ranks) {
        jobmon::fuzz::fail("after a reset the cached scan disagrees with a fresh one",
                           a.path + ": cached " + std::to_string(a.completed) + "/" + std::to_string(a.world_size) + ", fresh " +
                               std::to_string(b.completed) + "/" + std::to_string(b.world_size));
      }
    }
  }
  return 0;
}
