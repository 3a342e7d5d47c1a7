// Test helper: an in-memory JobState (no files) with ranks 0..done-1 complete.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "jobmon/datatrove/job.hpp"

namespace jobmon::test {

inline std::shared_ptr<JobState> job_state(const std::string& name, std::int64_t world_size, std::int64_t done) {
  auto j = std::make_shared<JobState>();
  j->path = "/logs/" + name;
  j->name = name;
  j->world_size = world_size;
  for (std::int64_t r = 0; r < done; ++r) j->done_ranks.push_back(r);
  j->completed = done;
  return j;
}

}  // namespace jobmon::test
