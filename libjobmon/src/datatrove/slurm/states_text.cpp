#include "datatrove/slurm/states_text.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace jobmon::detail {

std::string states_text(const std::map<std::string, std::int64_t>& states) {
  using State = std::map<std::string, std::int64_t>::value_type;
  std::vector<const State*> order;
  order.reserve(states.size());
  for (const State& state : states) order.push_back(&state);
  std::sort(order.begin(), order.end(), [](const State* a, const State* b) {
    return a->second != b->second ? a->second > b->second : a->first < b->first;
  });
  std::string out;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i > 0) out += ", ";
    out += fmt::format_int(order[i]->second).str();
    out += ' ';
    out += order[i]->first;
  }
  return out;
}

}  // namespace jobmon::detail
