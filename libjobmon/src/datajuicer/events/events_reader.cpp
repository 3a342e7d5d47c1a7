#include "datajuicer/events/events_reader.hpp"

#include <algorithm>
#include <cstring>

#include "jobmon/error.hpp"

namespace jobmon::detail {
namespace {
// Bytes kept of the file's start and of what precedes the read offset.
constexpr std::size_t fingerprint_size = 64;

// The last `n` bytes of `a` followed by `b`.
std::string last_bytes(std::string_view a, std::string_view b, std::size_t n) {
  if (b.size() >= n) return std::string(b.substr(b.size() - n));
  const std::size_t from_a = std::min(a.size(), n - b.size());
  std::string out(a.substr(a.size() - from_a));
  out.append(b);
  return out;
}
}  // namespace

bool EventsFileReader::replaced(const Storage& storage) const {
  const FileStat st = storage.stat(path_);
  if (st.type != EntryType::file) return true;
  // A writer only appends: a file smaller than it was has been truncated or rewritten.
  if (st.size < offset_ || st.size < seen_size_) return true;
  if (offset_ == 0) return false;  // nothing used from it yet: reading on from 0 is right
  // Renamed over or deleted and recreated: another inode (S3 answers the path: no signal).
  if (!identity_.empty() && storage.directory_identity(path_) != identity_) return true;
  if (st.size == seen_size_) return st.mtime != seen_mtime_;  // untouched (no read), or rewritten in place
  // Grown: appended, or rewritten longer. Its start must be what was used;
  // read() checks the bytes before the offset in the request for the new ones.
  const std::string_view head = std::string_view(head_).substr(0, std::min<std::uint64_t>(head_.size(), offset_));
  try {
    return storage.read_range(path_, 0, head.size()) != head;
  } catch (const StorageError&) {
    return true;
  }
}

EventsFileInfo EventsFileReader::info() const {
  return EventsFileInfo{path_, offset_, lines_, events_, partial_, error_};
}

void EventsFileReader::read(const Storage& storage, EventLineParser& parser, LineConsumer& consumer, bool final,
                            std::size_t chunk_size) {
  const FileStat st = storage.stat(path_);
  error_.clear();
  if (st.type != EntryType::file) return;
  if (offset_ == 0) identity_ = storage.directory_identity(path_);  // the file about to be used
  seen_size_ = st.size;
  seen_mtime_ = st.mtime;
  const std::uint64_t end = st.size;
  // Reading on: the first request starts with the bytes before the offset,
  // which must be those used last time (else the file was rewritten: stale).
  std::size_t verify = offset_ > 0 && end > offset_ ? tail_.size() : 0;
  std::uint64_t pos = offset_ - verify;
  std::string carry;       // a line split across chunks (short so far)
  bool long_line = false;  // the split line went past the direct limit: streamed to the reducer
  // The last bytes before the chunk being read, for tail_: none at 0; reading
  // on, the first chunk starts with the verified tail, so it holds them.
  std::string before;
  Event event;
  auto deliver = [&](LineIssue issue) {
    ++lines_;
    if (issue == LineIssue::none) ++events_;
    consumer.on_line(path_, lines_, issue, event);
  };

  while (pos < end) {
    std::string chunk;
    try {
      chunk = storage.read_range(path_, pos, std::min<std::uint64_t>(chunk_size, end - pos));
    } catch (const StorageError& e) {
      error_ = e.what();  // vanished or unreadable: reported; the next update looks again
      break;
    }
    if (chunk.empty()) break;  // shrank while we read: the next update notices
    if (pos == 0 && head_.empty()) head_ = chunk.substr(0, fingerprint_size);
    std::size_t i = 0;
    if (verify > 0) {
      if (chunk.compare(0, verify, tail_) != 0) {
        stale_ = true;  // nothing read from it is used: the caller starts over
        return;
      }
      i = verify;
      verify = 0;
      if (unterminated_used_) {
        // The line used without its newline: the newline arriving now ends
        // it (not a blank line); anything else means it was not complete
        // after all, and what was made of it is wrong: start over.
        if (i < chunk.size() && chunk[i] != '\n') {
          stale_ = true;
          return;
        }
        if (i < chunk.size()) {
          ++i;
          offset_ = pos + i;
          unterminated_used_ = false;
        }
      }
    }
    while (i < chunk.size()) {
      const char* start = chunk.data() + i;
      const auto* newline = static_cast<const char*>(std::memchr(start, '\n', chunk.size() - i));
      if (newline == nullptr) {
        const std::string_view tail(start, chunk.size() - i);
        if (long_line) {
          parser.feed_long_line(tail);
        } else {
          carry.append(tail);
          if (carry.size() > EventLineParser::default_direct_limit) {
            parser.begin_long_line();
            parser.feed_long_line(carry);
            carry.clear();
            carry.shrink_to_fit();
            long_line = true;
          }
        }
        break;
      }
      const std::string_view line(start, static_cast<std::size_t>(newline - start));
      LineIssue issue;
      if (long_line) {
        parser.feed_long_line(line);
        issue = parser.finish_long_line(event);
        long_line = false;
      } else if (!carry.empty()) {
        carry.append(line);
        issue = parser.parse(carry, event);
        carry.clear();
      } else {
        issue = parser.parse(line, event, chunk.size() - (i + line.size()));
      }
      deliver(issue);
      i += line.size() + 1;
      offset_ = pos + i;
    }
    if (offset_ > pos) tail_ = last_bytes(before, std::string_view(chunk).substr(0, offset_ - pos), fingerprint_size);
    before = last_bytes(before, chunk, fingerprint_size);
    pos += chunk.size();
  }

  partial_ = long_line || !carry.empty();
  if (!partial_) {
    held_end_ = 0;
    return;
  }
  // A last line without its newline is used when it is a complete event
  // and either this is a one-shot read, or the file has not changed since
  // the previous read saw the same tail (a writer that ended without a
  // newline, not one caught mid-line).
  Event parsed;
  const LineIssue issue = long_line ? parser.finish_long_line(parsed) : parser.parse(carry, parsed);
  if (issue != LineIssue::none) {
    held_end_ = 0;
    return;
  }
  if (!final && held_end_ != end) {
    held_end_ = end;  // wait one refresh
    return;
  }
  event = parsed;
  deliver(issue);
  offset_ = pos;
  tail_ = before;
  partial_ = false;
  held_end_ = 0;
  unterminated_used_ = true;
}

}  // namespace jobmon::detail
