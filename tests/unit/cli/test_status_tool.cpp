// run_status_tool / run_status_command: the dispatch that used to live in
// jobmon-status's main(), and colour decided by the Console's fds (not by
// whatever fds 1 and 2 happen to be).
#include <catch2/catch.hpp>

#include <pty.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "jobmon/cli/status_command.hpp"
#include "jobmon/error.hpp"

using namespace jobmon;

namespace {

const std::string jobs_dir = std::string(JOBMON_FIXTURES_DIR) + "/datatrove";

struct Pty {
  int master = -1, slave = -1;
  Pty() { REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0); }
  ~Pty() {
    ::close(master);
    ::close(slave);
  }
};

StatusCommandOptions options_for_fixtures() {
  StatusCommandOptions o;
  o.targets = {jobs_dir + "/*"};
  o.utc = true;
  return o;
}

}  // namespace

TEST_CASE("StatusTool: --json does not combine with --watch or --once", "[cli]") {
  std::ostringstream out, err;
  StatusCommandOptions o = options_for_fixtures();
  o.json = true;
  o.once = true;
  CHECK_THROWS_AS(run_status_tool(o, Console{out, err}), UsageError);
  o.once = false;
  o.watch = true;
  CHECK_THROWS_AS(run_status_tool(o, Console{out, err}), UsageError);
  CHECK(out.str().empty());
}

TEST_CASE("StatusTool: the report, or one dashboard frame with --once", "[cli]") {
  std::ostringstream report, frame, err;
  StatusCommandOptions o = options_for_fixtures();
  o.color = ColorMode::never;
  CHECK(run_status_tool(o, Console{report, err}) == ExitCode::ok);
  CHECK(report.str().find("Summary: 1/2 (50%) jobs completed") != std::string::npos);
  o.check = true;
  CHECK(run_status_tool(o, Console{report, err}) == ExitCode::incomplete);
  o.check = false;
  o.once = true;
  CHECK(run_status_tool(o, Console{frame, err}) == ExitCode::ok);
  CHECK(frame.str().find("Tracked jobs:") != std::string::npos);
}

TEST_CASE("StatusTool: colour follows the Console's fds", "[cli]") {
  const char* no_color = std::getenv("NO_COLOR");
  const std::string saved_no_color = no_color ? no_color : "";
  const char* term = std::getenv("TERM");
  const std::string saved_term = term ? term : "";
  ::unsetenv("NO_COLOR");
  ::setenv("TERM", "xterm-256color", 1);
  Pty tty;
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const StatusCommandOptions o = options_for_fixtures();  // ColorMode::automatic
  std::ostringstream on_tty, on_pipe, err;
  CHECK(run_status_command(o, Console{on_tty, err, tty.slave, tty.slave}) == ExitCode::ok);
  CHECK(run_status_command(o, Console{on_pipe, err, pipe_fds[1], pipe_fds[1]}) == ExitCode::ok);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  if (no_color) ::setenv("NO_COLOR", saved_no_color.c_str(), 1);
  if (term) ::setenv("TERM", saved_term.c_str(), 1);
  else ::unsetenv("TERM");
  CHECK(on_tty.str().find('\x1b') != std::string::npos);
  CHECK(on_pipe.str().find('\x1b') == std::string::npos);
}
