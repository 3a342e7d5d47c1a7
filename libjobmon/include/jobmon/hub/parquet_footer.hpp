// ParquetFooter: the row count, row-group count and writer of a Parquet file,
// read from its last bytes only (so a remote shard costs one or two range
// reads). The footer is a Thrift compact-protocol FileMetaData; the reader is
// our own, checks every length against the bytes it has and bounds nesting,
// so a truncated, corrupt or hostile file gives a FormatError, never a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobmon {

class Storage;

struct ParquetFooter {
  std::int64_t num_rows = 0;
  std::int64_t row_groups = 0;
  std::optional<std::int32_t> version;
  std::string created_by;       // empty when the writer did not say
  std::uint32_t metadata_length = 0;  // bytes of FileMetaData (without the 8-byte trailer)
};

// The trailer is the last 8 bytes: u32 little-endian footer length + "PAR1".
inline constexpr std::size_t parquet_trailer_size = 8;
// How much of a file's end to fetch first: most footers fit, so one read does.
inline constexpr std::uint64_t parquet_speculative_tail = 64 * 1024;
// Deepest struct/list nesting accepted in the metadata.
inline constexpr int parquet_max_nesting = 64;

// Checks the trailer (the last 8 bytes of a file of `file_size` bytes) and
// returns the FileMetaData length. FormatError for a short file, a missing
// magic, an encrypted footer ("PARE") or a length that does not fit the file.
std::uint32_t parquet_metadata_length(std::string_view trailer, std::uint64_t file_size);

// Decodes a Thrift compact FileMetaData (exactly the metadata bytes).
ParquetFooter parse_parquet_metadata(std::string_view metadata);

// Decodes from `tail`, the last tail.size() bytes of a file of `file_size`
// bytes. Returns nothing when the tail is too short to hold the whole footer;
// then parquet_tail_needed() says how many bytes to fetch.
std::optional<ParquetFooter> parse_parquet_tail(std::string_view tail, std::uint64_t file_size);
std::uint64_t parquet_tail_needed(std::string_view tail, std::uint64_t file_size);

// Reads a local (or any Storage) file's footer with at most two range reads.
ParquetFooter read_parquet_footer(const Storage& storage, const std::string& path);

}  // namespace jobmon
