// The tails of a job's log files, as /api/jobs/<id>/logs lists them. Whoever
// can write a job dir must not make the server read other files (logs/ ->
// ~/.ssh, task_00003.log -> a key), also by swapping a file for a link while
// it is being served: every listing and read goes through the storage's
// confined calls (list_beneath, read_tail_beneath), which never follow a link
// below the job dir.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "jobmon/storage/storage.hpp"

namespace jobmon::detail {

// The last `max_lines` lines of text (a final newline ends the last line, it does not start an empty one).
// It bounds lines only: callers bound the bytes by what they read.
std::vector<std::string> tail_lines(const std::string& text, std::size_t max_lines);

// A job's log folder, below its dir (datatrove's and Data-Juicer's alike).
inline constexpr const char* logs_dir_name = "logs";

struct LogFile {
  std::string name;        // in the job's logs/
  std::int64_t rank = -1;  // datatrove's task log of this rank; -1 for other files
};

// datatrove: logs/task_NNNNN.log of each rank.
std::vector<LogFile> rank_log_files(const std::vector<std::int64_t>& ranks);
// Data-Juicer: the newest regular files of the job's logs/ (links are skipped), at most max_files.
std::vector<LogFile> newest_log_files(const Storage& storage, const std::string& job_dir, std::size_t max_files);

// One file of a job's log folders, as the page's picker lists it.
struct LogFileInfo {
  std::string path;        // relative to the job dir: "logs/task_00007.log"
  std::int64_t rank = -1;  // datatrove's rank when the name is a task log's
  double mtime = 0;
};

// The log folders the page reads: datatrove's and newer Data-Juicer's logs/,
// older Data-Juicer's log/.
inline constexpr const char* log_dir_names[] = {"logs", "log"};

// Every regular file directly in the job's log folders (links skipped, never
// followed), newest first; at most max_files (`total` says how many there were).
struct LogListing {
  std::vector<LogFileInfo> files;
  std::size_t total = 0;
  std::string error;  // why a folder could not be listed ("a symlink: not followed")
};
LogListing list_log_files(const Storage& storage, const std::string& job_dir, std::size_t max_files);

// True for "logs/<name>" or "log/<name>" with a plain file name (no "/", "..", NUL).
bool valid_log_path(std::string_view relative);

// Lines of a log file from a byte offset on, for following a growing file.
// Without an offset: the last max_lines lines. Only whole lines are returned
// (a line still being written waits for the next read); next_offset is where
// the next read starts. A file shorter than the offset was truncated or
// replaced: reading starts over at its tail (reset). More than max_bytes
// appended since the offset: the bytes between are skipped (skipped_bytes).
struct LogChunk {
  std::vector<std::string> lines;
  std::uint64_t offset = 0, next_offset = 0, size = 0, skipped_bytes = 0;
  double mtime = 0;
  bool reset = false;
  std::string error;  // missing, a symlink, not a regular file, unreadable
};
LogChunk read_log_from(const Storage& storage, const std::string& job_dir, const std::string& relative,
                       std::optional<std::uint64_t> offset, std::size_t max_lines, std::uint64_t max_bytes);
boost::json::object to_json(const LogChunk& chunk);

// {"name", "rank" (when >= 0), "lines", "truncated"} for one log file, read from
// at most its last `max_bytes`; {"name", "error", "lines": []} when it is missing,
// a symlink or below one (never followed), not a regular file or unreadable.
boost::json::object log_file_tail(const Storage& storage, const std::string& job_dir, const LogFile& file,
                                  std::size_t max_lines, std::uint64_t max_bytes);

}  // namespace jobmon::detail
