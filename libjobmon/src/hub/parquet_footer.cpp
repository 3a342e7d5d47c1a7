#include "jobmon/hub/parquet_footer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "hub/thrift_compact.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon {

namespace {

std::uint32_t little_endian_u32(std::string_view bytes) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<std::uint8_t>(bytes[static_cast<std::size_t>(i)]);
  return value;
}

// FileMetaData field ids (parquet.thrift).
constexpr std::int32_t field_version = 1;
constexpr std::int32_t field_num_rows = 3;
constexpr std::int32_t field_row_groups = 4;
constexpr std::int32_t field_created_by = 6;

[[noreturn]] void wrong_type(std::int32_t id, detail::ThriftType type) {
  throw FormatError(fmt::format("corrupt Parquet footer: FileMetaData field {} has type {}", id,
                                static_cast<int>(type)));
}

}  // namespace

std::uint32_t parquet_metadata_length(std::string_view trailer, std::uint64_t file_size) {
  // Smallest possible file: "PAR1" + metadata (>= 1 byte) + length + "PAR1".
  if (file_size < 12 || trailer.size() < parquet_trailer_size) {
    throw FormatError(fmt::format("not a Parquet file: too short ({} bytes)", file_size));
  }
  const std::string_view magic = trailer.substr(trailer.size() - 4);
  if (magic == "PARE") throw FormatError("encrypted Parquet footer (PARE) is not supported");
  if (magic != "PAR1") throw FormatError("not a Parquet file: no PAR1 magic at the end (partial upload?)");
  const std::uint32_t length = little_endian_u32(trailer.substr(trailer.size() - 8, 4));
  if (length == 0) throw FormatError("corrupt Parquet footer: metadata length is 0");
  if (static_cast<std::uint64_t>(length) + parquet_trailer_size + 4 > file_size) {
    throw FormatError(fmt::format("corrupt Parquet footer: metadata length {} exceeds the file size {}", length,
                                  file_size));
  }
  return length;
}

ParquetFooter parse_parquet_metadata(std::string_view metadata) {
  detail::ThriftCompactReader reader(metadata, parquet_max_nesting);
  ParquetFooter footer;
  footer.metadata_length = static_cast<std::uint32_t>(metadata.size());
  bool have_rows = false;
  std::int32_t previous = 0;
  for (;;) {
    const detail::ThriftFieldHeader field = reader.read_field_header(previous);
    if (field.type == detail::ThriftType::stop) break;
    previous = field.id;
    switch (field.id) {
      case field_version:
        if (field.type != detail::ThriftType::i32) wrong_type(field.id, field.type);
        footer.version = reader.read_zigzag32();
        break;
      case field_num_rows:
        if (field.type != detail::ThriftType::i64) wrong_type(field.id, field.type);
        footer.num_rows = reader.read_zigzag64();
        if (footer.num_rows < 0) throw FormatError("corrupt Parquet footer: negative num_rows");
        have_rows = true;
        break;
      case field_row_groups: {
        if (field.type != detail::ThriftType::list) wrong_type(field.id, field.type);
        const detail::ThriftListHeader list = reader.read_list_header();
        if (list.element != detail::ThriftType::struct_) wrong_type(field.id, list.element);
        for (std::uint64_t i = 0; i < list.size; ++i) reader.skip_struct_body(1);
        footer.row_groups = static_cast<std::int64_t>(list.size);
        break;
      }
      case field_created_by:
        if (field.type != detail::ThriftType::binary) wrong_type(field.id, field.type);
        footer.created_by = std::string(reader.read_binary());
        break;
      default:
        reader.skip(field.type);
    }
  }
  if (!have_rows) throw FormatError("corrupt Parquet footer: FileMetaData has no num_rows");
  return footer;
}

std::uint64_t parquet_tail_needed(std::string_view tail, std::uint64_t file_size) {
  return static_cast<std::uint64_t>(parquet_metadata_length(tail, file_size)) + parquet_trailer_size;
}

std::optional<ParquetFooter> parse_parquet_tail(std::string_view tail, std::uint64_t file_size) {
  if (tail.size() > file_size) throw UsageError("parse_parquet_tail: tail longer than the file");
  const std::uint64_t needed = parquet_tail_needed(tail, file_size);
  if (tail.size() < needed) return std::nullopt;
  const std::size_t length = static_cast<std::size_t>(needed - parquet_trailer_size);
  return parse_parquet_metadata(tail.substr(tail.size() - parquet_trailer_size - length, length));
}

ParquetFooter read_parquet_footer(const Storage& storage, const std::string& path) {
  const FileStat stat = storage.stat(path);
  if (stat.type != EntryType::file) throw StorageError(path, "not a file");
  const std::uint64_t first = std::min(stat.size, parquet_speculative_tail);
  std::string tail = storage.read_range(path, stat.size - first, first);
  if (tail.size() != first) throw StorageError(path, "short read");
  try {
    if (auto footer = parse_parquet_tail(tail, stat.size)) return *footer;
    const std::uint64_t needed = parquet_tail_needed(tail, stat.size);
    tail = storage.read_range(path, stat.size - needed, needed);
    if (tail.size() != needed) throw StorageError(path, "short read");
    return *parse_parquet_tail(tail, stat.size);
  } catch (const FormatError& e) {
    throw FormatError(path + ": " + e.what());
  }
}

}  // namespace jobmon
