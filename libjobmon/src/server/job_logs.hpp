// The tails of a job's log files, as /api/jobs/<id>/logs lists them. Whoever
// can write a job dir must not make the server read other files (logs/ ->
// ~/.ssh, task_00003.log -> a key), also by swapping a file for a link while
// it is being served: every listing and read goes through the storage's
// confined calls (list_beneath, read_tail_beneath), which never follow a link
// below the job dir.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
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

// {"name", "rank" (when >= 0), "lines", "truncated"} for one log file, read from
// at most its last `max_bytes`; {"name", "error", "lines": []} when it is missing,
// a symlink or below one (never followed), not a regular file or unreadable.
boost::json::object log_file_tail(const Storage& storage, const std::string& job_dir, const LogFile& file,
                                  std::size_t max_lines, std::uint64_t max_bytes);

}  // namespace jobmon::detail
