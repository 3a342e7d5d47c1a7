#include "fake_hub.hpp"

#include <curl/curl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace jobmon::test {

namespace {
std::size_t append(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// Starts a Python server script; its first stdout line is a JSON object of its ports.
boost::json::object spawn_server(std::vector<std::string> args, pid_t& pid) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw std::runtime_error("could not start " + args[1]);
  }
  std::string line;
  char c;
  while (read(fds[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  close(fds[0]);
  boost::system::error_code ec;
  const auto v = boost::json::parse(line, ec);
  if (ec || !v.is_object()) {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    throw std::runtime_error(args[1] + " did not report its ports: " + line);
  }
  return v.as_object();
}

void stop_server(pid_t pid) {
  if (pid > 0) {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }
}

}  // namespace

FakeHub::FakeHub(const std::string& root, const std::string& token, int page_size) {
  const std::string script = std::string(JOBMON_TEST_SUPPORT_DIR) + "/fake_hub.py";
  std::vector<std::string> args = {"/usr/bin/python3", script, "--root", root, "--page-size", std::to_string(page_size)};
  if (!token.empty()) {
    args.push_back("--token");
    args.push_back(token);
  }
  const auto ports = spawn_server(args, pid_);
  port_ = static_cast<int>(ports.at("port").as_int64());
  cdn_port_ = static_cast<int>(ports.at("cdn_port").as_int64());
}

FakeHub::~FakeHub() { stop_server(pid_); }

HostileServer::HostileServer(const std::string& parquet) {
  std::vector<std::string> args = {"/usr/bin/python3", std::string(JOBMON_TEST_SUPPORT_DIR) + "/hostile_http.py"};
  if (!parquet.empty()) {
    args.push_back("--parquet");
    args.push_back(parquet);
  }
  const auto ports = spawn_server(args, pid_);
  port_ = static_cast<int>(ports.at("port").as_int64());
  sink_port_ = static_cast<int>(ports.at("sink_port").as_int64());
}

HostileServer::~HostileServer() { stop_server(pid_); }

boost::json::object HostileServer::sink() const {
  CURL* easy = curl_easy_init();
  std::string out;
  const std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/_control/sink";
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &out);
  const CURLcode rc = curl_easy_perform(easy);
  curl_easy_cleanup(easy);
  if (rc != CURLE_OK) throw std::runtime_error("hostile server control request failed");
  return boost::json::parse(out).as_object();
}

std::string FakeHub::control(const std::string& method, const std::string& path, const std::string& body) const {
  CURL* easy = curl_easy_init();
  std::string out;
  const std::string url = endpoint() + "/_control/" + path;
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &out);
  if (method == "POST") {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  const CURLcode rc = curl_easy_perform(easy);
  curl_easy_cleanup(easy);
  if (rc != CURLE_OK) throw std::runtime_error("fake hub control request failed");
  return out;
}

void FakeHub::fault(const std::string& match, int status, int count, const std::string& method,
                    const boost::json::object& headers, const std::string& port) {
  boost::json::object f{{"match", match}, {"status", status}, {"count", count}, {"headers", headers}};
  if (!method.empty()) f["method"] = method;
  if (!port.empty()) f["port"] = port;
  control("POST", "fault", boost::json::serialize(f));
}

boost::json::array FakeHub::log() const { return boost::json::parse(control("GET", "log")).as_array(); }
void FakeHub::reset() const { control("POST", "reset"); }
void FakeHub::set_cdn_delay(double seconds) const {
  control("POST", "delay", boost::json::serialize(boost::json::object{{"seconds", seconds}}));
}
void FakeHub::set_ignore_range(bool on) const {
  control("POST", "ignore_range", boost::json::serialize(boost::json::object{{"on", on}}));
}
boost::json::object FakeHub::stats() const { return boost::json::parse(control("GET", "stats")).as_object(); }
void FakeHub::move_branch(const std::string& repo) const { control("POST", "move?repo=" + repo); }
void FakeHub::push_after_listing(const std::string& repo, const boost::json::object& copy) const {
  control("POST", "after_tree", boost::json::serialize(boost::json::object{{"repo", repo}, {"copy", copy}}));
}

}  // namespace jobmon::test
