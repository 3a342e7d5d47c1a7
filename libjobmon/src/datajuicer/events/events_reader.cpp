#include "datajuicer/events/events_reader.hpp"

#include <algorithm>
#include <cstring>

#include "jobmon/error.hpp"

namespace jobmon::detail {
namespace {
constexpr std::size_t head_size = 64;
}

bool EventsFileReader::replaced(const Storage& storage) const {
  const FileStat st = storage.stat(path_);
  if (st.type != EntryType::file) return true;
  if (st.size < offset_) return true;
  if (head_.empty()) return false;
  try {
    return storage.read_range(path_, 0, head_.size()) != head_;
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
  const std::uint64_t end = st.size;
  std::uint64_t pos = offset_;
  std::string carry;       // a line split across chunks (short so far)
  bool long_line = false;  // the split line went past the direct limit: streamed to the reducer
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
    if (pos == 0 && head_.empty()) head_ = chunk.substr(0, head_size);
    std::size_t i = 0;
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
    pos += chunk.size();
  }

  partial_ = long_line || !carry.empty();
  if (final && partial_) {
    // One-shot read: a last line without its newline is used when complete.
    Event parsed;
    const LineIssue issue = long_line ? parser.finish_long_line(parsed) : parser.parse(carry, parsed);
    if (issue == LineIssue::none) {
      event = parsed;
      deliver(issue);
      offset_ = pos;
      partial_ = false;
    }
  }
}

}  // namespace jobmon::detail
