// Terminal session and signal flags (see jobmon/terminal.hpp). Everything a
// signal handler touches is a lock-free atomic or a plain fd, and the handlers
// call only async-signal-safe functions (write, tcsetattr, _exit, raise).
#include "jobmon/cli/terminal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>

#include "jobmon/error.hpp"

namespace jobmon {
namespace {

std::atomic<int> g_quit_signal{0};
std::atomic<bool> g_resize{false};
std::atomic<bool> g_suspend{false};
int g_wake_pipe[2] = {-1, -1};

// What the one restore path needs, captured when the session starts.
std::atomic<bool> g_screen_taken{false};
int g_out_fd = -1;
int g_in_fd = -1;
bool g_have_termios = false;
struct termios g_saved_termios {};

// End a pending synchronized update, reset colours, line wrap on, cursor
// visible, back to the main screen (which brings back what was there).
constexpr char restore_sequence[] = "\x1b[?2026l\x1b[0m\x1b[?7h\x1b[?25h\x1b[?1049l";
constexpr char enter_sequence[] = "\x1b[?1049h\x1b[?25l\x1b[?7l\x1b[H\x1b[2J";

bool write_all(int fd, const char* data, std::size_t size) noexcept {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The one restore path: normal exit, quit signals and crash signals all end
// here. Async-signal-safe, and runs at most once per session.
void restore_terminal_now() noexcept {
  if (!g_screen_taken.exchange(false)) return;
  const int saved_errno = errno;
  if (g_have_termios) ::tcsetattr(g_in_fd, TCSANOW, &g_saved_termios);
  write_all(g_out_fd, restore_sequence, sizeof restore_sequence - 1);
  errno = saved_errno;
}

void wake() noexcept {
  const int saved_errno = errno;
  if (g_wake_pipe[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(g_wake_pipe[1], &byte, 1);  // full pipe: already awake
  }
  errno = saved_errno;
}

extern "C" void on_quit_signal(int sig) {
  // A second Ctrl-C before the first was acted on: the loop is stuck (a hung
  // filesystem), so leave now, terminal restored.
  if (sig == SIGINT && g_quit_signal.load() == SIGINT) {
    restore_terminal_now();
    ::_exit(128 + SIGINT);
  }
  g_quit_signal.store(sig);
  wake();
}

extern "C" void on_resize_signal(int) {
  g_resize.store(true);
  wake();
}

extern "C" void on_suspend_signal(int) {
  g_suspend.store(true);
  wake();
}

// SA_RESETHAND has put the default action back: re-raising after the
// restore still dumps core / reports the crash as usual.
extern "C" void on_crash_signal(int sig) {
  restore_terminal_now();
  ::raise(sig);
}

constexpr int quit_signals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

struct SavedHandlers {
  struct sigaction quit[3]{}, resize{}, suspend{};
  bool suspend_caught = false;
} g_saved_signal_handlers;
struct sigaction g_saved_crash_handlers[5]{};
std::atomic<bool> g_watch_alive{false};

void install(int sig, void (*handler)(int), int flags, struct sigaction* old) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = flags;  // no SA_RESTART: poll() must wake up
  ::sigaction(sig, &action, old);
}

int parse_env_int(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return 0;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  return end != v && *end == '\0' && n > 0 && n < 100000 ? static_cast<int>(n) : 0;
}

}  // namespace

TerminalSize terminal_size(int fd) {
  TerminalSize size;
  struct winsize ws {};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    size.columns = ws.ws_col;
    size.rows = ws.ws_row;
    return size;
  }
  if (const int c = parse_env_int("COLUMNS"); c > 0) size.columns = c;
  if (const int r = parse_env_int("LINES"); r > 0) size.rows = r;
  return size;
}

SignalWatch::SignalWatch(bool catch_suspend) {
  if (g_watch_alive.exchange(true)) throw UsageError("only one SignalWatch may exist at a time");
  if (::pipe(g_wake_pipe) != 0) {
    g_watch_alive.store(false);
    throw Error("cannot create a pipe for signal wake-ups");
  }
  for (int fd : g_wake_pipe) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  g_quit_signal.store(0);
  g_resize.store(false);
  g_suspend.store(false);
  for (std::size_t i = 0; i < 3; ++i) install(quit_signals[i], on_quit_signal, 0, &g_saved_signal_handlers.quit[i]);
  install(SIGWINCH, on_resize_signal, 0, &g_saved_signal_handlers.resize);
  g_saved_signal_handlers.suspend_caught = catch_suspend;
  if (catch_suspend) install(SIGTSTP, on_suspend_signal, 0, &g_saved_signal_handlers.suspend);
}

SignalWatch::~SignalWatch() {
  for (std::size_t i = 0; i < 3; ++i) ::sigaction(quit_signals[i], &g_saved_signal_handlers.quit[i], nullptr);
  ::sigaction(SIGWINCH, &g_saved_signal_handlers.resize, nullptr);
  if (g_saved_signal_handlers.suspend_caught) ::sigaction(SIGTSTP, &g_saved_signal_handlers.suspend, nullptr);
  const int r = g_wake_pipe[0], w = g_wake_pipe[1];
  g_wake_pipe[0] = g_wake_pipe[1] = -1;
  ::close(r);
  ::close(w);
  g_watch_alive.store(false);
}

bool SignalWatch::quit_requested() const { return g_quit_signal.load() != 0; }
int SignalWatch::quit_signal() const { return g_quit_signal.load(); }

SignalWatch::Event SignalWatch::wait(double seconds, int input_fd) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::duration_cast<clock::duration>(
                                           std::chrono::duration<double>(std::max(0.0, seconds)));
  for (;;) {
    if (g_quit_signal.load() != 0) return Event::quit;
    if (g_suspend.exchange(false)) return Event::suspend;
    if (g_resize.exchange(false)) return Event::resize;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left <= 0) return Event::timeout;
    struct pollfd fds[2] = {{g_wake_pipe[0], POLLIN, 0}, {input_fd, POLLIN, 0}};
    const int n = ::poll(fds, input_fd >= 0 ? 2 : 1, static_cast<int>(std::min<long long>(left, 60'000)));
    if (n < 0 && errno != EINTR) return Event::timeout;
    if (n <= 0) continue;
    if (fds[0].revents != 0) {
      char drain[64];
      while (::read(g_wake_pipe[0], drain, sizeof drain) > 0) {
      }
    }
    if (input_fd >= 0 && fds[1].revents != 0) return Event::input;
  }
}

TerminalSession::TerminalSession(int in_fd, int out_fd) : in_fd_(in_fd), out_fd_(out_fd) { enter(); }

TerminalSession::~TerminalSession() { restore(); }

void TerminalSession::enter() {
  struct termios saved {};
  input_raw_ = ::isatty(in_fd_) == 1 && ::tcgetattr(in_fd_, &saved) == 0;
  g_in_fd = in_fd_;
  g_out_fd = out_fd_;
  g_have_termios = input_raw_;
  if (input_raw_) {
    g_saved_termios = saved;
    // Keys without Enter and without echo; ISIG stays on so Ctrl-C and
    // Ctrl-Z remain signals.
    struct termios raw = saved;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    ::tcsetattr(in_fd_, TCSANOW, &raw);
  }
  for (std::size_t i = 0; i < 5; ++i)
    install(crash_signals[i], on_crash_signal, SA_RESETHAND, &g_saved_crash_handlers[i]);
  g_screen_taken.store(true);
  active_ = true;
  write_all(out_fd_, enter_sequence, sizeof enter_sequence - 1);
}

void TerminalSession::restore() {
  if (!active_) return;
  active_ = false;
  restore_terminal_now();
  for (std::size_t i = 0; i < 5; ++i) ::sigaction(crash_signals[i], &g_saved_crash_handlers[i], nullptr);
}

void TerminalSession::suspend() {
  restore();
  ::kill(::getpid(), SIGSTOP);  // execution continues here on SIGCONT (fg)
  enter();
}

bool TerminalSession::draw(const std::string& frame) {
  // Each line is addressed absolutely and cleared first: no scrolling, and
  // nothing left over from a longer previous frame. With line wrap off a
  // line that is too wide cannot spill into the next one.
  std::string buffer = "\x1b[?2026h";
  int row = 1;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = frame.find('\n', start);
    buffer += "\x1b[" + std::to_string(row) + ";1H\x1b[2K";
    buffer.append(frame, start, end == std::string::npos ? std::string::npos : end - start);
    if (end == std::string::npos) break;
    start = end + 1;
    ++row;
  }
  if (row < size().rows) buffer += "\x1b[" + std::to_string(row + 1) + ";1H\x1b[J";
  buffer += "\x1b[?2026l";
  return write_all(out_fd_, buffer.data(), buffer.size());
}

TerminalSize TerminalSession::size() const { return terminal_size(out_fd_); }

int TerminalSession::input_fd() const { return input_raw_ ? in_fd_ : -1; }

std::string TerminalSession::read_keys() {
  if (!input_raw_) return {};
  std::string keys;
  char buffer[64];
  for (;;) {
    const ssize_t n = ::read(in_fd_, buffer, sizeof buffer);
    if (n > 0) {
      keys.append(buffer, static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < sizeof buffer) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    // Readable but nothing to read (or an error): the terminal hung up.
    // Stop waiting on it; SIGHUP, if any, ends the session.
    if (keys.empty()) input_raw_ = false;
    break;
  }
  return keys;
}

}  // namespace jobmon
