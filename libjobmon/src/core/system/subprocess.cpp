// posix_spawnp + poll: no shell, no thread, a deadline on the whole run.
#include "core/system/subprocess.hpp"

#include <algorithm>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "core/system/environment.hpp"

extern char** environ;

namespace jobmon::detail {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  int read_end = -1, write_end = -1;
  ~Pipe() {
    if (read_end >= 0) close(read_end);
    if (write_end >= 0) close(write_end);
  }
  bool open() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return false;
    read_end = fds[0];
    write_end = fds[1];
    return true;
  }
  void close_write() {
    if (write_end >= 0) close(write_end);
    write_end = -1;
  }
  void close_read() {
    if (read_end >= 0) close(read_end);
    read_end = -1;
  }
};

// Reads what is there into `into` (up to `cap` bytes kept); false at EOF or error.
bool drain(int fd, std::string& into, std::size_t cap, bool& over) {
  char buffer[65536];
  const ssize_t n = read(fd, buffer, sizeof buffer);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  const auto got = static_cast<std::size_t>(n);
  if (into.size() + got > cap) {
    into.append(buffer, cap - into.size());
    over = true;
  } else {
    into.append(buffer, got);
  }
  return true;
}

// Reads stdout: kept in result.out, or handed to `reader` as it comes in
// `buffer`; false at EOF or error.
bool drain_output(int fd, std::vector<char>& buffer, const CommandLimits& limits, const OutputReader& reader,
                  CommandResult& result) {
  if (!reader) {
    const std::size_t before = result.out.size();
    const bool more = drain(fd, result.out, limits.max_output_bytes, result.output_too_large);
    result.out_bytes += result.out.size() - before;
    return more;
  }
  const ssize_t n = read(fd, buffer.data(), buffer.size());
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  auto got = static_cast<std::size_t>(n);
  if (result.out_bytes + got > limits.max_output_bytes) {
    got = limits.max_output_bytes - result.out_bytes;
    result.output_too_large = true;
  }
  result.out_bytes += got;
  if (!reader(std::string_view(buffer.data(), got))) result.stopped = true;
  return true;
}

}  // namespace

bool program_on_path(const std::string& name) {
  auto executable = [](const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
  };
  if (name.empty()) return false;
  if (name.find('/') != std::string::npos) return executable(name);
  const std::string path = env_or_empty("PATH");
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find(':', start), path.size());
    const std::string dir = end > start ? path.substr(start, end - start) : ".";
    if (executable(dir + "/" + name)) return true;
    start = end + 1;
  }
  return false;
}

CommandResult run_command(const std::vector<std::string>& argv, const CommandLimits& limits,
                          const std::vector<std::string>& extra_env, const OutputReader& read_output) {
  CommandResult result;
  if (argv.empty()) {
    result.problem = "no command";
    return result;
  }
  Pipe out, err;
  if (!out.open() || !err.open()) {
    result.problem = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end, 1);
  posix_spawn_file_actions_adddup2(&actions, err.write_end, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so a timeout kills whatever it started too.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<std::string> args = argv;
  std::vector<char*> raw;
  for (auto& a : args) raw.push_back(a.data());
  raw.push_back(nullptr);
  // The environment: extra_env's names replace inherited ones.
  std::vector<std::string> env_copy = extra_env;
  std::vector<char*> env;
  for (auto& e : env_copy) env.push_back(e.data());
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    const bool replaced = std::any_of(extra_env.begin(), extra_env.end(), [&](const std::string& x) {
      return x.size() > name.size() && x.compare(0, name.size(), name) == 0 && x[name.size()] == '=';
    });
    if (!replaced) env.push_back(*e);
  }
  env.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, raw[0], &actions, &attr, raw.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  out.close_write();
  err.close_write();
  if (rc != 0) {
    result.problem = argv[0] + ": " + (rc == ENOENT ? std::string("not found") : std::strerror(rc));
    return result;
  }
  result.started = true;
  // A reader takes big answers: read them in big pieces, through a bigger
  // pipe than the 64 KiB default (fewer wake-ups; refused past the system's
  // limit, which is harmless).
  std::vector<char> buffer;
  if (read_output) {
    buffer.resize(std::size_t{1} << 20);
    fcntl(out.read_end, F_SETPIPE_SZ, 1 << 20);
  }

  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(limits.timeout_seconds));
  bool err_over = false;
  while (out.read_end >= 0 || err.read_end >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      result.timed_out = true;
      break;
    }
    if (limits.cancel != nullptr && limits.cancel->load()) {
      result.cancelled = result.stopped = true;
      break;
    }
    pollfd fds[2];
    nfds_t count = 0;
    if (out.read_end >= 0) fds[count++] = {out.read_end, POLLIN, 0};
    if (err.read_end >= 0) fds[count++] = {err.read_end, POLLIN, 0};
    const int ready = poll(fds, count, static_cast<int>(std::min<long long>(left, limits.cancel ? 100 : 1000)));
    if (ready < 0 && errno != EINTR) break;
    for (nfds_t i = 0; i < count && ready > 0; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == out.read_end) {
        if (!drain_output(out.read_end, buffer, limits, read_output, result)) out.close_read();
      } else if (!drain(err.read_end, result.err, limits.max_error_bytes, err_over)) {
        err.close_read();
      }
    }
    if (result.output_too_large || result.stopped) break;
  }
  if (result.timed_out || result.output_too_large || result.stopped) kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  if (result.timed_out) {
    result.problem = fmt::format("{}: no answer within {:g} s (killed)", argv[0], limits.timeout_seconds);
  } else if (result.output_too_large) {
    result.problem = argv[0] + ": output over " + std::to_string(limits.max_output_bytes) + " bytes (killed)";
  } else if (result.cancelled) {
    result.problem = argv[0] + ": cancelled";
  } else if (result.stopped) {
    result.problem = argv[0] + ": its output's reader stopped it";
  } else if (result.exit_code == 127 && result.out_bytes == 0) {
    result.problem = argv[0] + ": could not be run";
  }
  return result;
}

}  // namespace jobmon::detail
