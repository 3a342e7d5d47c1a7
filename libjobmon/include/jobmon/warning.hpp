// A problem with one job or path that does not stop a scan: it is shown
// beside the results (stderr, the page's warnings, JSON "warnings").
#pragma once

#include <string>

namespace jobmon {

struct Warning {
  std::string path;
  std::string message;
};

}  // namespace jobmon
