// The Hub client against an in-process server whose answers are the input:
// tree listings (JSON pages with Link pagination), the revision sha, a raw
// README, the datasets-server size and range reads. Each section is one
// answer: a status line ("200"), header lines, an empty line, the body;
// "{origin}" stands for the server's own origin (so Link and Location can
// point back at it), "{gopher}" for a gopher:// URL of the same server and
// "{canary}" for a file:// URL of a local canary file; any other Location is
// dropped (a fuzzer must not reach other hosts). Whatever the server says,
// the client may only throw HubError, may only speak HTTP to the server and
// may never hand back a local file's bytes.
#include <sys/mman.h>
#include <unistd.h>

#include <cctype>
#include <string>
#include <vector>

#include "canned_http_server.hpp"
#include "fuzz_input.hpp"
#include "jobmon/hub/hub_client.hpp"

namespace {

constexpr std::string_view canary_text = "jobmon-fuzz-canary: a local file";

// A local file a protocol redirect could make the client read.
std::string canary_url() {
  static const std::string url = [] {
    const int fd = memfd_create("canary", 0);
    if (fd < 0 || write(fd, canary_text.data(), canary_text.size()) != static_cast<ssize_t>(canary_text.size())) {
      jobmon::fuzz::fail("cannot write the canary file");
    }
    return "file:///proc/self/fd/" + std::to_string(fd);
  }();
  return url;
}

std::string gopher_of(const std::string& origin) { return "gopher://" + origin.substr(origin.find("://") + 3); }

std::string replace_all(std::string text, std::string_view key, const std::string& value) {
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size())) text.replace(at, key.size(), value);
  return text;
}

std::string replace_origin(std::string_view text, const std::string& origin) {
  return replace_all(replace_all(replace_all(std::string(text), "{origin}", origin), "{gopher}", gopher_of(origin)),
                     "{canary}", canary_url());
}

bool allowed_location(std::string_view value, const std::string& origin) {
  for (const std::string& prefix : {origin, gopher_of(origin), canary_url(), std::string("/")}) {
    if (value.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

void check_local(std::string_view bytes) {
  if (bytes.find(canary_text) != std::string_view::npos) jobmon::fuzz::fail("a redirect made the client read a local file");
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
      if (value == std::string::npos || !allowed_location(std::string_view(line).substr(value), origin)) continue;
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
  } catch (const std::exception&) {
    if (!jobmon::fuzz::tolerated("hub-sizes")) throw;  // anything but HubError is a finding
  }
  try {
    (void)client.revision_sha("org/name", "main");
  } catch (const jobmon::HubError&) {
  }
  try {
    if (const auto readme = client.read_raw("org/name", "main", "README.md")) check_local(*readme);
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
      check_local(result.data);
    }
  } catch (const jobmon::HubError&) {
  }
  for (const std::string& line : server.request_lines()) {
    if (!(line.starts_with("GET ") || line.starts_with("POST ") || line.starts_with("HEAD ")) &&
        !jobmon::fuzz::tolerated("hub-protocols")) {
      jobmon::fuzz::fail("a redirect made the client speak another protocol to the server", line);
    }
  }
  return 0;
}
