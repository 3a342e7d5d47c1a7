// run_status_tool / run_status_command: the dispatch that used to live in
// jobmon-status's main(), and colour decided by the Console's fds (not by
// whatever fds 1 and 2 happen to be).
#include <catch2/catch.hpp>

#include <pty.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "jobmon/cli/status_command.hpp"
#include "jobmon/error.hpp"
#include "temp_tree.hpp"

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

TEST_CASE("StatusTool: datatrove's -hc is --hide-complete, before -- only", "[cli]") {
  using V = std::vector<std::string>;
  CHECK(with_datatrove_spellings(V{"--check", "-hc", "logs"}) == V{"--check", "--hide-complete", "logs"});
  CHECK(with_datatrove_spellings(V{"-p", "tok", "--hide_complete"}) == V{"-p", "tok", "--hide_complete"});
  CHECK(with_datatrove_spellings(V{"-hcx", "-h", "-c"}) == V{"-hcx", "-h", "-c"});  // only the exact token
  CHECK(with_datatrove_spellings(V{"-hc", "--", "-hc"}) == V{"--hide-complete", "--", "-hc"});  // a dir named -hc
  CHECK(with_datatrove_spellings(V{}).empty());
}

TEST_CASE("StatusTool: flags the dashboard cannot honour are usage errors naming both", "[cli]") {
  auto message = [](StatusCommandOptions o) -> std::string {
    std::ostringstream out, err;
    try {
      run_status_tool(o, Console{out, err});
    } catch (const UsageError& e) {
      return e.what();
    }
    return "(no usage error)";
  };
  auto with = [](auto&& set) {
    StatusCommandOptions o = options_for_fixtures();
    set(o);
    return o;
  };
  CHECK(message(with([](auto& o) { o.once = true; o.sort = SortOrder::progress; })).find("--sort does not combine with --once") == 0);
  CHECK(message(with([](auto& o) { o.watch = true; o.sort = SortOrder::name; })).find("--sort does not combine with --watch") == 0);
  CHECK(message(with([](auto& o) { o.once = true; o.show_failed = true; })).find("--failed does not combine with --once") == 0);
  CHECK(message(with([](auto& o) { o.watch = true; o.show_failed = true; })).find("--failed does not combine with --watch") == 0);
  CHECK(message(with([](auto& o) { o.watch = true; o.check = true; })).find("--check does not combine with --watch") == 0);
  CHECK(message(with([](auto& o) { o.once = true; o.watch = true; })).find("--once does not combine with --watch") == 0);
  CHECK(message(with([](auto& o) { o.once = true; o.json = true; })).find("--json does not combine with --once") == 0);
}

TEST_CASE("StatusTool: --check works with --once, with the report's rule", "[cli]") {
  std::ostringstream out, err;
  StatusCommandOptions o = options_for_fixtures();
  o.once = true;
  o.check = true;
  CHECK(run_status_tool(o, Console{out, err}) == ExitCode::incomplete);  // one fixture job is unfinished
  o.targets = {jobs_dir + "/tokenize_CC-MAIN-2023-40"};                  // the complete one
  CHECK(run_status_tool(o, Console{out, err}) == ExitCode::ok);
  o.targets = {jobs_dir + "/no_such_job"};                                // none found
  CHECK(run_status_tool(o, Console{out, err}) == ExitCode::incomplete);
  o.check = false;
  CHECK(run_status_tool(o, Console{out, err}) == ExitCode::ok);
}

TEST_CASE("StatusTool: hostile directory names reach stderr escaped", "[cli]") {
  test::TempTree tree;
  const std::string names[] = {"esc\x1b]0;pwned\x07\x1b[2J", "cr\rfake", "nl\nwarning: fake", "bytes\xff\xfe"};
  for (const std::string& name : names) tree.mkdir(name);  // no executor.json: each gets a warning
  std::ostringstream out, err;
  StatusCommandOptions o;
  o.targets = {tree.root()};
  o.color = ColorMode::never;
  CHECK(run_status_tool(o, Console{out, err}) == ExitCode::ok);
  const std::string e = err.str();
  CHECK(e.find('\x1b') == std::string::npos);
  CHECK(e.find('\x07') == std::string::npos);
  CHECK(e.find('\r') == std::string::npos);
  CHECK(e.find("\xff") == std::string::npos);
  CHECK(e.find("/esc\\x1b]0;pwned\\x07\\x1b[2J: not a job") != std::string::npos);
  CHECK(e.find("/cr\\rfake: not a job") != std::string::npos);
  CHECK(e.find("/nl\\nwarning: fake: not a job") != std::string::npos);
  CHECK(e.find("/bytes\\xff\\xfe: not a job") != std::string::npos);
  // One line per warning: a newline in a name cannot forge another.
  CHECK(std::count(e.begin(), e.end(), '\n') == 4);
  CHECK(render_warning_line(TermStyle{true, true}, Warning{"a\x1b[31m", "m\x1b"}) ==
        "\x1b[33mwarning: \x1b[0ma\\x1b[31m: m\\x1b");
}
