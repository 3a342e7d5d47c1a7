// The Data-Juicer events line parser: one line parsed in place (with the
// padding simdjson wants), copied (no readable bytes after it), and streamed
// in pieces through the long-line reducer, plus the ISO-8601 timestamps.
#include <string>

#include "fuzz_input.hpp"
#include "jobmon/datajuicer/snapshot_events.hpp"

namespace {

void touch(const jobmon::Event& event, jobmon::LineIssue issue) {
  // Read every view: ASan notices one that outlived its buffer.
  std::size_t sum = jobmon::line_issue_name(issue).size() + jobmon::event_type_name(event.type).size();
  for (std::string_view s : {event.type_name, event.operation_name, event.status, event.job_id, event.error_message,
                             event.checkpoint_path, event.executor_type, event.checkpoint_strategy,
                             event.restart_reason, event.resume_operation}) {
    for (char c : s) sum += static_cast<unsigned char>(c);
  }
  if (sum == 1) std::abort();  // never true; keeps the reads
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static jobmon::EventLineParser parser;
  const std::string_view line = jobmon::fuzz::as_text(data, size);
  jobmon::Event event;

  touch(event, parser.parse(line, event, 0));

  std::string padded(line);
  padded.append(64, '\0');
  jobmon::Event in_place;
  touch(in_place, parser.parse(std::string_view(padded.data(), line.size()), in_place, 64));

  jobmon::fuzz::Prng prng(line);
  parser.begin_long_line();
  for (std::size_t at = 0; at < line.size();) {
    const std::size_t piece = 1 + prng.below(64);
    parser.feed_long_line(line.substr(at, piece));
    at += piece;
  }
  jobmon::Event streamed;
  touch(streamed, parser.finish_long_line(streamed));

  (void)jobmon::event_type_from_name(line);
  (void)jobmon::parse_iso8601(line);
  return 0;
}
