#include "server/job_logs.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "jobmon/error.hpp"

namespace jobmon::detail {
namespace json = boost::json;

std::vector<std::string> tail_lines(const std::string& text, std::size_t max_lines) {
  std::vector<std::string> lines;
  std::size_t end = text.size();
  if (end > 0 && text[end - 1] == '\n') --end;
  while (lines.size() < max_lines && end > 0) {
    const std::size_t start = text.rfind('\n', end - 1);
    const std::size_t from = start == std::string::npos ? 0 : start + 1;
    lines.push_back(text.substr(from, end - from));
    if (start == std::string::npos) break;
    end = start;
  }
  std::reverse(lines.begin(), lines.end());
  return lines;
}

json::object log_file_tail(const Storage& storage, const std::string& name, const std::string& path,
                           std::int64_t rank, std::size_t max_lines, std::uint64_t max_bytes) {
  json::object f{{"name", name}};
  if (rank >= 0) f["rank"] = rank;
  const FileStat st = storage.lstat(path);
  if (st.type != EntryType::file) {
    f["error"] = st.type == EntryType::symlink ? "a symlink: not followed" : "no log file";
    f["lines"] = json::array{};
    return f;
  }
  try {
    const std::uint64_t want = std::min<std::uint64_t>(st.size, max_bytes);
    const std::string text = storage.read_range(path, st.size - want, want);
    json::array out;
    for (auto& line : tail_lines(text, max_lines)) out.push_back(json::value(line));
    f["lines"] = std::move(out);
    f["truncated"] = st.size > want;
  } catch (const StorageError& e) {
    f["error"] = e.what();
    f["lines"] = json::array{};
  }
  return f;
}

}  // namespace jobmon::detail
