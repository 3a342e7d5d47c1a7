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

namespace {
std::string in_logs(const std::string& name) { return std::string(logs_dir_name) + "/" + name; }
}  // namespace

std::vector<LogFile> rank_log_files(const std::vector<std::int64_t>& ranks) {
  std::vector<LogFile> files;
  for (std::int64_t r : ranks) files.push_back({task_log_name(r), r});
  return files;
}

std::vector<LogFile> newest_log_files(const Storage& storage, const std::string& job_dir, std::size_t max_files) {
  std::vector<DirEntry> listed;
  try {
    listed = storage.list_beneath(job_dir, logs_dir_name, true);  // links stay links (and are skipped)
  } catch (const StorageError&) {
  }
  std::erase_if(listed, [](const DirEntry& f) { return f.type != EntryType::file; });
  std::sort(listed.begin(), listed.end(), [](const DirEntry& a, const DirEntry& b) {
    return a.mtime.value_or(0) > b.mtime.value_or(0);
  });
  std::vector<LogFile> files;
  for (std::size_t i = 0; i < listed.size() && i < max_files; ++i) files.push_back({listed[i].name, -1});
  return files;
}

json::object log_file_tail(const Storage& storage, const std::string& job_dir, const LogFile& file,
                           std::size_t max_lines, std::uint64_t max_bytes) {
  json::object f{{"name", file.name}};
  if (file.rank >= 0) f["rank"] = file.rank;
  try {
    // The size, type and bytes all come from the one file read: no check
    // here could be overtaken by a swap.
    const FileTail tail = storage.read_tail_beneath(job_dir, in_logs(file.name), max_bytes);
    const FileStat& st = tail.stat;
    if (st.type != EntryType::file) {
      f["error"] = st.type == EntryType::symlink ? "a symlink: not followed"
                   : st.type == EntryType::missing ? (st.error.empty() ? "no log file" : st.error)
                                                   : "not a regular file: not read";
      f["lines"] = json::array{};
      return f;
    }
    json::array out;
    for (auto& line : tail_lines(tail.data, max_lines)) out.push_back(json::value(line));
    f["lines"] = std::move(out);
    f["truncated"] = st.size > tail.data.size();
  } catch (const StorageError& e) {
    f["error"] = e.what();
    f["lines"] = json::array{};
  }
  return f;
}

}  // namespace jobmon::detail
