// "3 running, 1 timeout, 10 pending": a job's incomplete ranks by state,
// most first, ties by word. Made once per join (JobScheduling::states_text),
// not on every judgement of every refresh.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace jobmon::detail {

std::string states_text(const std::map<std::string, std::int64_t>& states);

}  // namespace jobmon::detail
