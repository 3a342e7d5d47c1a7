// TerminalSession and SignalWatch (jobmon/terminal.hpp) on a real
// pseudo-terminal and real signals.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>

#include "jobmon/cli/terminal.hpp"

using namespace jobmon;

namespace {

struct Pty {
  int master = -1, slave = -1;
  Pty(unsigned short columns, unsigned short rows) {
    struct winsize ws {};
    ws.ws_col = columns;
    ws.ws_row = rows;
    REQUIRE(::openpty(&master, &slave, nullptr, nullptr, &ws) == 0);
    ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);
  }
  ~Pty() {
    ::close(master);
    ::close(slave);
  }
  // Everything the program wrote to the terminal so far.
  std::string drain() const {
    std::string out;
    char buffer[4096];
    for (;;) {
      struct pollfd p = {master, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) break;
      const ssize_t n = ::read(master, buffer, sizeof buffer);
      if (n <= 0) break;
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }
  bool canonical() const {
    struct termios t {};
    ::tcgetattr(slave, &t);
    return (t.c_lflag & ICANON) != 0 && (t.c_lflag & ECHO) != 0;
  }
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST_CASE("Terminal: a session takes the screen and gives it back exactly once", "[cli]") {
  Pty pty(90, 20);
  REQUIRE(pty.canonical());
  {
    TerminalSession session(pty.slave, pty.slave);
    const std::string entered = pty.drain();
    CHECK(entered.find("\x1b[?1049h") != std::string::npos);  // alternate screen
    CHECK(entered.find("\x1b[?25l") != std::string::npos);    // cursor hidden
    CHECK_FALSE(pty.canonical());                             // keys without Enter, no echo
    CHECK(session.input_fd() == pty.slave);
    CHECK(session.size().columns == 90);
    CHECK(session.size().rows == 20);

    REQUIRE(session.draw("first line\nsecond"));
    const std::string drawn = pty.drain();
    CHECK(drawn.rfind("\x1b[?2026h", 0) == 0);  // one synchronized update
    CHECK(drawn.find("\x1b[1;1H\x1b[2Kfirst line") != std::string::npos);
    CHECK(drawn.find("\x1b[2;1H\x1b[2Ksecond") != std::string::npos);
    CHECK(drawn.find("\x1b[3;1H\x1b[J") != std::string::npos);  // the rest cleared
    CHECK(drawn.size() >= 8);
    CHECK(drawn.substr(drawn.size() - 8) == "\x1b[?2026l");

    REQUIRE(::write(pty.master, "q", 1) == 1);
    struct pollfd p = {pty.slave, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 2000) == 1);  // the pty delivers asynchronously
    CHECK(session.read_keys() == "q");

    session.restore();
    const std::string restored = pty.drain();
    CHECK(restored.find("\x1b[?25h") != std::string::npos);    // cursor visible
    CHECK(restored.find("\x1b[?1049l") != std::string::npos);  // main screen
    CHECK(restored.find("\x1b[?2026l") != std::string::npos);  // no update left open
    CHECK(pty.canonical());
  }
  CHECK(pty.drain().empty());  // the destructor does not restore twice
}

TEST_CASE("Terminal: terminal_size falls back to COLUMNS/LINES, then 80x24", "[cli]") {
  ::setenv("COLUMNS", "123", 1);
  ::setenv("LINES", "45", 1);
  TerminalSize size = terminal_size(-1);
  CHECK(size.columns == 123);
  CHECK(size.rows == 45);
  ::setenv("COLUMNS", "garbage", 1);
  ::unsetenv("LINES");
  size = terminal_size(-1);
  CHECK(size.columns == 80);
  CHECK(size.rows == 24);
  ::unsetenv("COLUMNS");
}

TEST_CASE("Terminal: signals wake the wait at once and are reported as events", "[cli]") {
  SignalWatch signals(/*catch_suspend=*/true);
  auto t = std::chrono::steady_clock::now();
  CHECK(signals.wait(0.05) == SignalWatch::Event::timeout);
  CHECK(seconds_since(t) >= 0.045);

  ::raise(SIGWINCH);
  t = std::chrono::steady_clock::now();
  CHECK(signals.wait(5) == SignalWatch::Event::resize);
  CHECK(seconds_since(t) < 1);
  CHECK(signals.wait(0.01) == SignalWatch::Event::timeout);  // reported once

  ::raise(SIGTSTP);  // caught: the process does not stop
  CHECK(signals.wait(5) == SignalWatch::Event::suspend);

  Pty pty(80, 24);
  REQUIRE(::write(pty.master, "x\n", 2) == 2);  // canonical mode: a whole line
  CHECK(signals.wait(5, pty.slave) == SignalWatch::Event::input);

  CHECK_FALSE(signals.quit_requested());
  ::raise(SIGTERM);  // caught: the process does not end
  t = std::chrono::steady_clock::now();
  CHECK(signals.wait(5) == SignalWatch::Event::quit);
  CHECK(seconds_since(t) < 1);
  CHECK(signals.quit_signal() == SIGTERM);
  CHECK(signals.wait(5) == SignalWatch::Event::quit);  // stays requested
}

TEST_CASE("Terminal: only one SignalWatch at a time, and handlers are put back", "[cli]") {
  struct sigaction before {};
  ::sigaction(SIGTERM, nullptr, &before);
  {
    SignalWatch first;
    CHECK_THROWS(SignalWatch());
  }
  struct sigaction after {};
  ::sigaction(SIGTERM, nullptr, &after);
  CHECK(after.sa_handler == before.sa_handler);
  SignalWatch again;  // the slot is free again
  CHECK_FALSE(again.quit_requested());
}
