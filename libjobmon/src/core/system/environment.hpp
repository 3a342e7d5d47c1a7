// The process environment, read the one way jobmon reads it.
#pragma once

#include <string>

namespace jobmon::detail {

// The variable's value; empty when it is unset (set-but-empty reads the same).
std::string env_or_empty(const char* name);

}  // namespace jobmon::detail
