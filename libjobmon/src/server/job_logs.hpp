// The tails of a job's log files, as /api/jobs/<id>/logs lists them.
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

struct LogFile {
  std::string name;  // as listed
  std::string path;
  std::int64_t rank = -1;  // datatrove's task log of this rank; -1 for other files
};

// datatrove: logs/task_NNNNN.log of each rank.
std::vector<LogFile> rank_log_files(const Storage& storage, const std::string& logs_dir,
                                    const std::vector<std::int64_t>& ranks);
// Data-Juicer: the newest regular files of logs/ (links are skipped), at most max_files.
std::vector<LogFile> newest_log_files(const Storage& storage, const std::string& logs_dir, std::size_t max_files);

// {"name", "rank" (when >= 0), "lines", "truncated"} for one log file, read from
// at most its last `max_bytes`; {"name", "error", "lines": []} when it is missing,
// a symlink (never followed) or unreadable.
boost::json::object log_file_tail(const Storage& storage, const LogFile& file, std::size_t max_lines,
                                  std::uint64_t max_bytes);

}  // namespace jobmon::detail
