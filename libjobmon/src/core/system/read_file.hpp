// Small whole files (credentials, tokens, /proc entries) read in one go.
#pragma once

#include <optional>
#include <string>

namespace jobmon::detail {

// The file's bytes, or nullopt when it cannot be opened.
std::optional<std::string> read_whole_file(const std::string& path);

}  // namespace jobmon::detail
