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

LogListing list_log_files(const Storage& storage, const std::string& job_dir, std::size_t max_files) {
  LogListing out;
  for (const char* dir : log_dir_names) {
    std::vector<DirEntry> listed;
    try {
      listed = storage.list_beneath(job_dir, dir, true);  // links stay links (and are skipped)
    } catch (const StorageError& e) {
      // An absent folder is the usual case; a refused one is worth saying.
      if (storage.lstat(storage.join(job_dir, dir)).type != EntryType::missing) out.error = std::string(dir) + "/: " + e.what();
      continue;
    }
    for (const auto& f : listed) {
      if (f.type != EntryType::file) continue;
      LogFileInfo info{std::string(dir) + "/" + f.name, -1, f.mtime.value_or(0)};
      if (f.name.starts_with("task_") && f.name.ends_with(".log")) {
        if (auto rank = parse_rank_name(f.name.substr(5, f.name.size() - 9))) info.rank = *rank;
      }
      out.files.push_back(std::move(info));
    }
  }
  out.total = out.files.size();
  std::sort(out.files.begin(), out.files.end(), [](const LogFileInfo& a, const LogFileInfo& b) {
    return a.mtime != b.mtime ? a.mtime > b.mtime : a.path < b.path;
  });
  if (out.files.size() > max_files) out.files.resize(max_files);
  return out;
}

bool valid_log_path(std::string_view relative) {
  for (const char* dir : log_dir_names) {
    const std::string prefix = std::string(dir) + "/";
    if (!relative.starts_with(prefix)) continue;
    const std::string_view name = relative.substr(prefix.size());
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
           name.find('\0') == std::string_view::npos;
  }
  return false;
}

LogChunk read_log_from(const Storage& storage, const std::string& job_dir, const std::string& relative,
                       std::optional<std::uint64_t> offset, std::size_t max_lines, std::uint64_t max_bytes) {
  LogChunk c;
  c.offset = offset.value_or(0);
  FileTail tail;
  try {
    tail = storage.read_tail_beneath(job_dir, relative, max_bytes);
  } catch (const StorageError& e) {
    c.error = e.what();
    return c;
  }
  const FileStat& st = tail.stat;
  if (st.type != EntryType::file) {
    c.error = st.type == EntryType::symlink ? "a symlink: not followed"
              : st.type == EntryType::missing ? (st.error.empty() ? "no such log file" : st.error)
                                              : "not a regular file: not read";
    return c;
  }
  c.size = st.size;
  c.mtime = st.mtime;
  // The bytes read are the file's [start, size); a shrunk file starts over.
  const std::uint64_t start = st.size - std::min<std::uint64_t>(st.size, tail.data.size());
  std::string_view data = tail.data;
  if (offset && *offset > st.size) {
    c.reset = true;
    offset.reset();
  }
  std::uint64_t from = start;
  if (offset) {
    if (*offset >= start) {
      from = *offset;
      data.remove_prefix(static_cast<std::size_t>(*offset - start));
    } else {
      c.skipped_bytes = start - *offset;
    }
  }
  // A read that starts mid-file (a tail, or after skipped bytes) drops its first, partial line.
  if (from > 0 && (!offset || c.skipped_bytes > 0)) {
    const auto nl = data.find('\n');
    const std::size_t cut = nl == std::string_view::npos ? data.size() : nl + 1;
    data.remove_prefix(cut);
    from += cut;
  }
  // Only whole lines: an unterminated last line is read again next time.
  const auto last_nl = data.rfind('\n');
  const std::size_t whole = last_nl == std::string_view::npos ? 0 : last_nl + 1;
  c.next_offset = from + whole;
  c.lines = tail_lines(std::string(data.substr(0, whole)), offset ? SIZE_MAX : max_lines);
  if (offset && c.lines.size() > max_lines) c.lines.erase(c.lines.begin(), c.lines.end() - static_cast<std::ptrdiff_t>(max_lines));
  return c;
}

json::object to_json(const LogChunk& c) {
  json::array lines;
  for (const auto& l : c.lines) lines.push_back(json::value(l));
  json::object o{{"lines", std::move(lines)}, {"offset", c.offset}, {"next_offset", c.next_offset}, {"size", c.size},
                 {"reset", c.reset}, {"skipped_bytes", c.skipped_bytes}};
  o["mtime"] = c.mtime > 0 ? json::value(c.mtime) : json::value(nullptr);
  if (!c.error.empty()) o["error"] = c.error;
  return o;
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
