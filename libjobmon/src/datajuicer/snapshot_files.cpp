// Finding a work dir's events files, in the order they were written.
#include <algorithm>

#include "datajuicer/events/events_reader.hpp"
#include "datajuicer/snapshot_sources.hpp"
#include "jobmon/datajuicer/snapshot.hpp"

namespace jobmon {
namespace {

bool is_events_file(std::string_view name) {
  if (name == "events.jsonl") return true;
  return name.size() > 13 && name.substr(0, 7) == "events_" && name.substr(name.size() - 6) == ".jsonl";
}

}  // namespace

std::vector<std::string> find_events_files(const Storage& storage, const std::string& work_dir) {
  return detail::events_files_among(storage, work_dir, storage.list(work_dir));
}

namespace detail {

std::vector<std::string> events_files_among(const Storage& storage, const std::string& work_dir,
                                            const std::vector<DirEntry>& entries) {
  std::vector<std::string> names;
  for (const auto& entry : entries)
    if (entry.type == EntryType::file && is_events_file(entry.name)) names.push_back(entry.name);
  // events.jsonl (older writers) first; events_<UTC timestamp>.jsonl sort by time.
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    const bool a_plain = a == "events.jsonl", b_plain = b == "events.jsonl";
    if (a_plain != b_plain) return a_plain;
    return a < b;
  });
  std::vector<std::string> paths;
  paths.reserve(names.size());
  for (const auto& name : names) paths.push_back(storage.join(work_dir, name));
  return paths;
}

std::string not_regular_file_reason(EntryType type, std::string_view what) {
  if (type == EntryType::directory) return "a directory, not " + std::string(what);
  return "not a regular file (a FIFO, device or socket)";
}

std::vector<std::pair<std::string, std::string>> unusable_events_entries(const Storage& storage,
                                                                        const std::string& work_dir,
                                                                        const std::vector<DirEntry>& entries) {
  std::vector<std::pair<std::string, std::string>> messages;
  for (const auto& entry : entries) {
    if (entry.type == EntryType::file || !is_events_file(entry.name)) continue;
    const std::string path = storage.join(work_dir, entry.name);
    messages.emplace_back(path, not_regular_file_reason(entry.type, "an events file") + "; not read");
  }
  std::sort(messages.begin(), messages.end());
  return messages;
}

}  // namespace detail

}  // namespace jobmon
