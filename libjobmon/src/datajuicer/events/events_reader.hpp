// EventsFileReader: reads one events file incrementally through a Storage,
// in chunks, and hands every complete line (parsed) to a consumer. Only the
// unterminated tail is carried between chunks; a huge line is streamed
// through the parser's reducer instead of being held whole.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/datajuicer/snapshot_events.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon::detail {

// find_events_files on a listing already made.
std::vector<std::string> events_files_among(const Storage& storage, const std::string& work_dir,
                                            const std::vector<DirEntry>& entries);
// Entries named like events files that are not regular files (a directory,
// a FIFO, a device such as a link to /dev/zero): never read (a FIFO would
// block, a device may never end): (path, why) for each, by path.
std::vector<std::pair<std::string, std::string>> unusable_events_entries(const Storage& storage, const std::string& work_dir,
                                                 const std::vector<DirEntry>& entries);

class LineConsumer {
 public:
  virtual ~LineConsumer() = default;
  // `issue` is none for a parsed event; line numbers are 1-based.
  virtual void on_line(const std::string& file, std::uint64_t line, LineIssue issue, const Event& event) = 0;
};

class EventsFileReader {
 public:
  explicit EventsFileReader(std::string path) : path_(std::move(path)) {}

  // True when what was read from the file no longer holds: it vanished, is
  // another file now (device+inode locally), shrank below the size last seen,
  // was written without growing (same size, another mtime), or grew while
  // its first bytes changed (the bytes just before the read offset are
  // checked by read(): see stale()). Appending keeps all of these; an
  // untouched file costs a stat and no read. Not seen: an in-place rewrite
  // within one mtime tick that keeps the size, or one that grows and keeps
  // both fingerprints.
  bool replaced(const Storage& storage) const;
  // Reads the complete lines appended since the last call. An unterminated
  // last line that parses as an event is used with `final` (one-shot), or
  // when the previous call saw the file end with it and the file has not
  // changed since (a writer that ended without a newline: a finished job
  // reads as finished under --follow too); else it waits. A newline that
  // arrives after such a line was used only ends it (no blank line); more
  // text on that line means it was not complete after all: stale(), and the
  // caller reads the file again from the start.
  // Reading on, it first checks the bytes before its offset, in the same
  // request: when they changed it reads nothing and stale() turns true.
  void read(const Storage& storage, EventLineParser& parser, LineConsumer& consumer, bool final,
            std::size_t chunk_size);

  const std::string& path() const { return path_; }
  // The file was rewritten under what was read: start over (a new reader).
  bool stale() const { return stale_; }
  EventsFileInfo info() const;

 private:
  std::string path_;
  std::uint64_t offset_ = 0;  // bytes consumed: just after the last complete line
  std::uint64_t lines_ = 0;
  std::uint64_t events_ = 0;
  std::string head_;          // first bytes, to notice a replaced file
  std::string tail_;          // the bytes just before offset_, likewise
  std::string identity_;      // Storage::directory_identity when first read (device+inode locally)
  std::uint64_t seen_size_ = 0;  // size and mtime at the last read
  double seen_mtime_ = 0;
  bool partial_ = false;
  bool stale_ = false;
  std::uint64_t held_end_ = 0;      // file size when a complete unterminated tail was last seen (0: none)
  bool unterminated_used_ = false;  // the last line used had no newline: offset_ is mid-line
  std::string error_;  // the last read's failure, if any
};

}  // namespace jobmon::detail
