// WebApi::handle, the jobmon-serve request handler, over a registry of
// fixture jobs (a complete and a failing datatrove job, a Data-Juicer job)
// held in memory. The input is a request: method, path, Authorization, Host
// and query lines "key=value"; "{complete}", "{failing}" and "{dj}" in the
// path stand for those jobs' ids (opaque hashes a fuzzer cannot guess). A second section, when
// present, replaces the failing job's task log, so /logs sees hostile bytes.
// Every JSON answer must parse; every answer must carry a real status;
// without a token, a Host that is not loopback is never served.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "json_check.hpp"
#include "jobmon/server/host_resources.hpp"
#include "jobmon/server/job_registry.hpp"
#include "jobmon/server/web_api.hpp"
#include "memory_storage.hpp"

namespace {

constexpr double launched = 1.7e9;
const char* const failing_log = "failing/logs/task_00001.log";

std::shared_ptr<jobmon::test::MemoryStorage> fixture_tree() {
  auto s = std::make_shared<jobmon::test::MemoryStorage>();
  const std::string root = "/jobs/";
  s->put_file(root + "complete/executor.json", R"({"pipeline": [{"name": "Reader"}, {}], "tasks": 3, "world_size": 3})", launched);
  for (const char* rank : {"00000", "00001", "00002"}) s->put_file(root + "complete/completions/" + rank, "", launched + 60);
  s->put_file(root + "failing/executor.json", R"({"tasks": 4, "world_size": 4})", launched);
  s->put_file(root + "failing/completions/00000", "", launched + 30);
  s->put_file(root + failing_log,
              "2026-01-01 00:00:00.000 | INFO     | datatrove.executor.base:_run_for_rank:85 - Launching pipeline for rank=1\n"
              "2026-01-01 00:00:09.000 | ERROR    | datatrove.executor.base:_run_for_rank:108 - boom\n"
              "RuntimeError: boom (rank=1)\n",
              launched + 90);
  s->put_file(root + "failing/logs/task_00002.log", "2026-01-01 00:00:00.000 | INFO | x - working\n", launched + 95);
  s->put_file(root + "dj/events.jsonl",
              R"({"event_type":"job_start","timestamp":1700000000.0,"job_id":"dj_job","metadata":{"num_partitions":2}})" "\n"
              R"({"event_type":"partition_start","timestamp":1700000001.0,"partition_id":0})" "\n"
              R"({"event_type":"op_start","timestamp":1700000001.5,"partition_id":0,"operation_name":"clean_email_mapper","operation_idx":0})" "\n"
              R"({"event_type":"op_failed","timestamp":1700000002.0,"partition_id":0,"operation_name":"clean_email_mapper","operation_idx":0,"error_message":"bad \u001b[2J row"})" "\n",
              launched + 100);
  return s;
}

struct Fixture {
  std::shared_ptr<jobmon::test::MemoryStorage> storage = fixture_tree();
  jobmon::JobRegistry registry{storage, {"/jobs"}};
  jobmon::HostResources resources{{"/"}, "/nonexistent-proc"};
  jobmon::WebApi open{registry, resources};
  jobmon::WebApi guarded{registry, resources, [] {
                           jobmon::WebApiOptions o;
                           o.token = "s3cret";
                           o.max_log_lines = 20;
                           o.max_log_bytes = 4096;
                           return o;
                         }()};
  std::vector<std::pair<std::string, std::string>> ids;  // {"{name}", id}
  Fixture() {
    registry.refresh(launched + 200);
    for (const auto& entry : registry.entries()) ids.emplace_back("{" + jobmon::base_name(entry.path) + "}", entry.id);
    if (ids.size() != 3) jobmon::fuzz::fail("the fixture registry does not hold its three jobs");
  }
};

std::string with_ids(std::string_view path, const std::vector<std::pair<std::string, std::string>>& ids) {
  std::string out(path);
  for (const auto& [key, id] : ids) {
    for (auto at = out.find(key); at != std::string::npos; at = out.find(key, at + id.size())) out.replace(at, key.size(), id);
  }
  return out;
}

// The harness's own idea of a loopback Host (name or literal, any port):
// "localhost" (any case, with or without the root's dot), or an address
// inet_pton reads as 127.0.0.0/8 or ::1.
bool strictly_loopback(std::string_view host) {
  if (host.empty()) return true;  // HTTP/1.0 clients send none
  std::string name(host);
  if (name.front() == '[') {
    const auto close = name.find(']');
    if (close == std::string::npos || (close + 1 < name.size() && name[close + 1] != ':')) return false;
    name = name.substr(1, close - 1);
    in6_addr v6{};
    return inet_pton(AF_INET6, name.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
  }
  if (const auto colon = name.find(':'); colon != std::string::npos) {
    if (name.find(':', colon + 1) != std::string::npos) return false;
    name.resize(colon);
  }
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  in_addr v4{};
  return name == "localhost" || name == "localhost." || (inet_pton(AF_INET, name.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  const auto parts = jobmon::fuzz::sections(jobmon::fuzz::as_text(data, size), 2);
  const auto request_lines = jobmon::fuzz::lines(parts[0]);
  const auto line = [&](std::size_t i) { return i < request_lines.size() ? std::string(request_lines[i]) : std::string(); };

  jobmon::HttpRequest request;
  request.method = line(0);
  request.path = with_ids(line(1), fixture.ids);
  request.authorization = line(2);
  request.host = line(3);
  for (std::size_t i = 4; i < request_lines.size(); ++i) {
    const std::string_view q = request_lines[i];
    const auto eq = q.find('=');
    request.query.emplace(std::string(q.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(q.substr(eq + 1)));
  }
  if (parts.size() > 1) fixture.storage->put_file(std::string("/jobs/") + failing_log, std::string(parts[1]), launched + 90);

  (void)jobmon::loopback_host(request.host);
  (void)jobmon::loopback_address(request.host);
  for (jobmon::WebApi* api : {&fixture.open, &fixture.guarded}) {
    (void)api->authorized(request);
    const jobmon::HttpResponse response = api->handle(request);
    if (std::getenv("JOBMON_FUZZ_VERBOSE") != nullptr) {
      std::printf("%s %s -> %d %.300s\n", request.method.c_str(), request.path.c_str(), response.status, response.body.c_str());
    }
    if (response.status < 100 || response.status > 599) jobmon::fuzz::fail("a response with no real status");
    if (response.content_type.starts_with("application/json")) {
      if (const std::string why = jobmon::fuzz::json_error(response.body); !why.empty()) {
        jobmon::fuzz::fail("a JSON answer that does not parse", request.path + " -> " + why + "\n" + response.body);
      }
    }
    // Without a token only loopback names are served (DNS rebinding).
    if (api == &fixture.open && response.status == 200 && !strictly_loopback(request.host)) {
      jobmon::fuzz::fail("served a non-loopback Host without a token", request.host);
    }
    for (const auto& [name, value] : response.headers) {
      if (name.find_first_of("\r\n") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) {
        jobmon::fuzz::fail("a header with a line break", name + ": " + value);
      }
    }
  }
  return 0;
}
