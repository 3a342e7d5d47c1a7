#include "jobmon/cli/console.hpp"

#include <iostream>

namespace jobmon {

Console Console::standard() { return Console{std::cout, std::cerr}; }

}  // namespace jobmon
