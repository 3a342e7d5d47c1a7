#include "server/job_logs.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "jobmon/datatrove/job.hpp"
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

std::vector<LogFile> rank_log_files(const Storage& storage, const std::string& logs_dir,
                                    const std::vector<std::int64_t>& ranks) {
  std::vector<LogFile> files;
  for (std::int64_t r : ranks) {
    std::string name = task_log_name(r);
    files.push_back({name, storage.join(logs_dir, name), r});
  }
  return files;
}

std::vector<LogFile> newest_log_files(const Storage& storage, const std::string& logs_dir, std::size_t max_files) {
  std::vector<DirEntry> listed;
  try {
    listed = storage.list(logs_dir, ListOptions{true, false});  // links stay links (and are skipped)
  } catch (const StorageError&) {
  }
  std::erase_if(listed, [](const DirEntry& f) { return f.type != EntryType::file; });
  std::sort(listed.begin(), listed.end(), [](const DirEntry& a, const DirEntry& b) {
    return a.mtime.value_or(0) > b.mtime.value_or(0);
  });
  std::vector<LogFile> files;
  for (std::size_t i = 0; i < listed.size() && i < max_files; ++i)
    files.push_back({listed[i].name, storage.join(logs_dir, listed[i].name), -1});
  return files;
}

json::object log_file_tail(const Storage& storage, const LogFile& file, std::size_t max_lines, std::uint64_t max_bytes) {
  const std::string& path = file.path;
  json::object f{{"name", file.name}};
  if (file.rank >= 0) f["rank"] = file.rank;
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
