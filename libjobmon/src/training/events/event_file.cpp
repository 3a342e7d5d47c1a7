// TFRecord framing and the incremental reader. Frame: u64 length (LE),
// u32 masked CRC32C of those 8 bytes, the Event, u32 masked CRC32C of it.
#include "jobmon/training/event_file.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <utility>

#include "training/events/crc32c.hpp"
#include "training/events/event_decode.hpp"
#include "training/events/protobuf_wire.hpp"

namespace jobmon {
namespace {

constexpr std::size_t header_bytes = 12;   // length + its CRC
constexpr std::size_t trailer_bytes = 4;   // the data's CRC
constexpr std::size_t head_keep = 64;      // first bytes kept to notice a replaced file

struct Framing {
  bool& lost;           // a wrong length CRC was seen: looking for the next good header
  std::uint64_t& skip;  // bytes of an oversized record past the end of the buffer
  std::uint64_t max_record_bytes;
};

bool header_valid(const char* p) {
  return masked_crc32c({p, 8}) == detail::load_le32(p + 8);
}

// Consumes from the front of `buf` every whole record, skipped span and
// byte passed over while the framing is lost; returns the bytes consumed.
// What is left is a torn record (or under a header's worth while lost),
// waiting for more bytes. An oversized record running past `buf` sets
// framing.skip to the bytes after `buf` that still belong to it. Each byte
// costs at most one 8-byte CRC while lost, so garbage is passed over in
// linear time.
std::size_t consume_records(std::string_view buf, Framing framing, EventSink& sink, EventFileStats& stats) {
  std::size_t pos = 0;
  while (buf.size() - pos >= header_bytes) {
    const char* p = buf.data() + pos;
    const std::size_t left = buf.size() - pos;
    if (!header_valid(p)) {
      if (!framing.lost) ++stats.crc_failures;
      framing.lost = true;
      ++pos;
      continue;
    }
    if (framing.lost) {
      framing.lost = false;
      ++stats.resyncs;
    }
    const std::uint64_t length = detail::load_le64(p);
    if (length > framing.max_record_bytes) {
      // Skipped unread, never allocated; the length CRC vouches for the span.
      ++stats.oversized;
      const std::uint64_t after_header = length > std::numeric_limits<std::uint64_t>::max() - trailer_bytes
                                             ? std::numeric_limits<std::uint64_t>::max()
                                             : length + trailer_bytes;
      if (after_header <= left - header_bytes) {
        pos += header_bytes + static_cast<std::size_t>(after_header);
        continue;
      }
      framing.skip = after_header - (left - header_bytes);
      return buf.size();
    }
    if (length > left - header_bytes || left - header_bytes - length < trailer_bytes) break;  // torn: wait
    const std::string_view data(p + header_bytes, static_cast<std::size_t>(length));
    pos += header_bytes + data.size() + trailer_bytes;
    if (masked_crc32c(data) != detail::load_le32(data.data() + data.size())) {
      ++stats.crc_failures;
      continue;
    }
    ++stats.records;
    if (!detail::decode_event(data, sink, stats)) ++stats.malformed;
  }
  return pos;
}

// Bytes to add to a held partial record before it can move on: the rest of
// its header, the rest of its record, or (while lost) a header's worth.
std::size_t bytes_wanted(const std::string& held, bool lost) {
  if (lost) return header_bytes - 1;
  if (held.size() < header_bytes) return header_bytes - held.size();
  // A valid header (consume_records left it), its length within max_record_bytes.
  const std::uint64_t length = detail::load_le64(held.data());
  const std::uint64_t record = length > std::numeric_limits<std::size_t>::max() - header_bytes - trailer_bytes
                                   ? std::numeric_limits<std::size_t>::max()
                                   : length + header_bytes + trailer_bytes;
  return static_cast<std::size_t>(record - held.size());
}

// A torn record longer than this is not held in memory while it waits.
constexpr std::size_t kMaxHeldBytes = 1u << 20;

}  // namespace

std::uint32_t masked_crc32c(std::string_view data) { return detail::mask_crc32c(detail::crc32c(data)); }

std::string frame_tfrecord(std::string_view data) {
  std::string out;
  out.reserve(header_bytes + data.size() + trailer_bytes);
  auto put = [&out](std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
  };
  put(data.size(), 8);
  put(masked_crc32c(out), 4);
  out.append(data);
  put(masked_crc32c(data), 4);
  return out;
}

EventFileStats read_event_records(std::string_view bytes, EventSink& sink, std::uint64_t max_record_bytes) {
  EventFileStats stats;
  bool lost = false;
  std::uint64_t skip = 0;
  const std::size_t used = consume_records(bytes, Framing{lost, skip, max_record_bytes}, sink, stats);
  stats.offset = used;
  stats.pending_bytes = bytes.size() - used;
  return stats;
}

EventFileReader::EventFileReader(std::string path, std::uint64_t max_record_bytes)
    : path_(std::move(path)), max_record_bytes_(max_record_bytes) {}

std::uint64_t EventFileReader::read(const Storage& storage, EventSink& sink, std::size_t chunk_bytes) {
  stats_.error.clear();
  const FileStat st = storage.stat(path_);
  if (st.type != EntryType::file) {
    // Only regular files are opened: a FIFO would block, a device may never end.
    if (st.type == EntryType::missing) stats_.error = st.error.empty() ? "missing" : st.error;
    else stats_.error = st.type == EntryType::directory ? "a directory, not an event file" : "not a regular file";
    return 0;
  }
  std::uint64_t fetched = stats_.offset + carry_.size();
  if (st.size < fetched) {
    stats_.error = "the file shrank below what was read (replaced?)";
    return 0;
  }
  if (held_record_ > 0) {
    // A torn record too big to hold: read again from its start once whole.
    if (st.size - stats_.offset < held_record_) {
      stats_.pending_bytes = st.size - stats_.offset;
      return 0;
    }
    held_record_ = 0;
  }
  const std::uint64_t chunk = std::clamp<std::uint64_t>(chunk_bytes, 1, Storage::default_max_read);
  const Framing framing{lost_, skip_, max_record_bytes_};
  std::uint64_t read_bytes = 0;
  while (true) {
    if (skip_ > 0) {  // the rest of an oversized record: passed over unread
      const std::uint64_t n = std::min(skip_, st.size - fetched);
      skip_ -= n;
      fetched += n;
      stats_.offset = fetched;
      if (skip_ > 0) break;  // the file is not that long yet
    }
    if (fetched >= st.size) break;
    std::string data;
    try {
      data = storage.read_range(path_, fetched, std::min(chunk, st.size - fetched));
    } catch (const std::exception& e) {
      stats_.error = e.what();
      break;
    }
    if (data.empty()) break;  // truncated since the stat: the next call sees it
    if (head_.size() < head_keep && fetched == head_.size())
      head_.append(data, 0, std::min<std::size_t>(head_keep - head_.size(), data.size()));
    read_bytes += data.size();
    fetched += data.size();

    // A record held from the last chunk: complete it with only the bytes it
    // needs, so the rest of the chunk is decoded in place, never copied.
    std::string_view rest = data;
    while (!carry_.empty() && !rest.empty() && skip_ == 0) {
      const std::size_t take = std::min(rest.size(), bytes_wanted(carry_, lost_));
      carry_.append(rest.data(), take);
      rest.remove_prefix(take);
      const std::size_t left = carry_.size() - consume_records(carry_, framing, sink, stats_);
      if (left <= take) {  // what is left came from this chunk: read it from there
        rest = std::string_view(rest.data() - left, rest.size() + left);
        carry_.clear();
      } else {
        carry_.erase(0, carry_.size() - left);
      }
    }
    if (skip_ > 0) {
      const std::uint64_t n = std::min<std::uint64_t>(skip_, rest.size());
      skip_ -= n;
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (carry_.empty() && skip_ == 0) {
      const std::size_t used = consume_records(rest, framing, sink, stats_);
      if (skip_ == 0) carry_.assign(rest.substr(used));
    }
    stats_.offset = fetched - carry_.size();
  }
  stats_.pending_bytes = carry_.size();
  if (carry_.size() > kMaxHeldBytes && !lost_) {
    // Keep only where the record starts and how long it is (its header is
    // valid: consume_records checked it), not its bytes: files whose big
    // last record never completes would otherwise hold it all, each.
    held_record_ = carry_.size() + bytes_wanted(carry_, false);
    carry_.clear();
    carry_.shrink_to_fit();
  }
  return read_bytes;
}

bool EventFileReader::replaced(const Storage& storage) const {
  const std::uint64_t fetched = stats_.offset + carry_.size();
  const FileStat st = storage.stat(path_);
  if (st.inaccessible()) return false;  // cannot tell; read() reports why
  if (st.type != EntryType::file) return fetched > 0;
  if (st.size < fetched) return true;
  if (head_.empty()) return false;
  try {
    return storage.read_range(path_, 0, head_.size()) != head_;
  } catch (const std::exception&) {
    return false;  // unreadable now: read() reports why
  }
}

}  // namespace jobmon
