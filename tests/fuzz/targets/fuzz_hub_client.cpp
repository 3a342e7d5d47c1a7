// The Hub client against an in-process server whose answers are the input:
// tree listings (JSON pages with Link pagination), the revision sha, a raw
// README, the datasets-server size and range reads. Each section is one
// answer: a status line ("200"), header lines, an empty line, the body;
// "{origin}" stands for the server's own origin (so Link and Location can
// point back at it; a Location elsewhere is dropped: a fuzzer must not reach
// other hosts). Whatever the server says, the client may only throw HubError.
#include <cctype>
#include <string>
#include <vector>

#include "canned_http_server.hpp"
#include "fuzz_input.hpp"
#include "jobmon/hub/hub_client.hpp"

namespace {

std::string replace_origin(std::string_view text, const std::string& origin) {
  std::string out;
  for (std::size_t at = 0; at < text.size();) {
    const auto hit = text.find("{origin}", at);
    out.append(text.substr(at, hit == std::string_view::npos ? std::string_view::npos : hit - at));
    if (hit == std::string_view::npos) break;
    out.append(origin);
    at = hit + 8;
  }
  return out;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

std::string response_from(std::string_view section, const std::string& origin) {
  const auto blank = section.find("\n\n");
  const std::string_view head = section.substr(0, blank);
  const std::string body = blank == std::string_view::npos ? std::string() : replace_origin(section.substr(blank + 2), origin);
  const auto head_lines = jobmon::fuzz::lines(head);
  std::string status = head_lines.empty() ? std::string("200") : std::string(head_lines[0]);
  if (status.size() < 3 || status.find_first_not_of("0123456789") != std::string::npos) status = "200";
  std::string out = "HTTP/1.1 " + status.substr(0, 3) + " X\r\n";
  for (std::size_t i = 1; i < head_lines.size(); ++i) {
    std::string line = replace_origin(head_lines[i], origin);
    if (line.find('\r') != std::string::npos) continue;
    if (starts_with_nocase(line, "location:")) {
      const auto value = line.find_first_not_of(' ', 9);
      if (value == std::string::npos || (line.compare(value, origin.size(), origin) != 0 && line[value] != '/')) continue;
    }
    if (starts_with_nocase(line, "content-length:") || starts_with_nocase(line, "transfer-encoding:")) continue;
    out += line + "\r\n";
  }
  out += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static jobmon::fuzz::CannedHttpServer server;
  static jobmon::HubClient client([] {
    jobmon::HubConfig config;
    config.endpoint = server.origin();
    config.datasets_server = server.origin();
    config.token = "hf_fuzz_token";
    config.retry.max_tries = 1;  // no backoff sleeps: each answer is used once
    config.connect_timeout = 5;
    config.stall_timeout = 5;
    config.max_body = 1u << 20;
    return config;
  }());

  std::vector<std::string> answers;
  for (std::string_view section : jobmon::fuzz::sections(jobmon::fuzz::as_text(data, size), 12)) {
    answers.push_back(response_from(section, server.origin()));
  }
  server.serve(std::move(answers),
               "HTTP/1.1 404 X\r\nX-Error-Code: EntryNotFound\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

  try {
    for (const jobmon::HubFile& file : client.list_files("org/name", "main", "data")) {
      if (file.path.empty()) jobmon::fuzz::fail("a listed file without a path");
    }
  } catch (const jobmon::HubError&) {
  }
  try {
    (void)client.revision_sha("org/name", "main");
  } catch (const jobmon::HubError&) {
  }
  try {
    (void)client.read_raw("org/name", "main", "README.md");
  } catch (const jobmon::HubError&) {
  }
  try {
    (void)client.dataset_size("org/name", "default", "train");
  } catch (const jobmon::HubError&) {
  }
  try {
    const auto results = client.read_ranges("org/name", "main", {{"data/a.parquet", 0, 8}, {"data/b.parquet", 100, 16}});
    for (const auto& result : results) {
      if (!result.error && result.data.size() > 16) jobmon::fuzz::fail("a range read longer than asked");
    }
  } catch (const jobmon::HubError&) {
  }
  return 0;
}
