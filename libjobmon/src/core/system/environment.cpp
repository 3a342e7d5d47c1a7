#include "core/system/environment.hpp"

#include <cstdlib>

namespace jobmon::detail {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace jobmon::detail
