#include "core/system/read_file.hpp"

#include <fstream>
#include <sstream>

namespace jobmon::detail {

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

}  // namespace jobmon::detail
