// Terminal handling for full-screen views, done the btop way: alternate
// screen, hidden cursor, synchronized output, raw-ish input (keys without
// Enter, Ctrl-C still a signal), redraw on SIGWINCH, and ONE restore path
// used by the normal exit, by quit signals (via flags) and by crash signals.
#pragma once

#include <string>

namespace jobmon {

struct TerminalSize {
  int columns = 80;
  int rows = 24;
};

// Size of the terminal on `fd`; else $COLUMNS/$LINES; else 80x24.
TerminalSize terminal_size(int fd);

// Signals a long-running command reacts to. Handlers only set flags and
// write a byte to a self-pipe, so wait() wakes at once (no lost wake-ups).
// SIGINT, SIGTERM and SIGHUP ask to quit; a second SIGINT while the first is
// not yet handled (a hung scan) restores the terminal and exits at once.
// With catch_suspend, Ctrl-Z (SIGTSTP) is an event too, so a full-screen
// view can put the terminal back before the process stops.
// One instance at a time; the destructor puts the previous handlers back.
class SignalWatch {
 public:
  explicit SignalWatch(bool catch_suspend = false);
  ~SignalWatch();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

  enum class Event { timeout, quit, resize, input, suspend };
  // Waits up to `seconds` for a quit signal, a resize, or input on
  // `input_fd` (-1: none). Pending events are reported first.
  Event wait(double seconds, int input_fd = -1);
  bool quit_requested() const;
  int quit_signal() const;  // the signal that asked to quit, 0 for none
};

// A full-screen session on a terminal. The constructor enters the alternate
// screen and hides the cursor; restore() (also run by the destructor and, on
// SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGABRT, by the crash handler) leaves it
// exactly as found: main screen, cursor visible, line wrap and termios back.
class TerminalSession {
 public:
  TerminalSession(int in_fd, int out_fd);
  ~TerminalSession();
  TerminalSession(const TerminalSession&) = delete;
  TerminalSession& operator=(const TerminalSession&) = delete;

  // Replaces the screen with `frame` (lines separated by '\n') in one
  // synchronized update. Returns false when the terminal is gone.
  bool draw(const std::string& frame);
  TerminalSize size() const;
  // The fd to wait on for keys, or -1 when input is not a terminal.
  int input_fd() const;
  // Keys typed since the last call (non-blocking).
  std::string read_keys();
  // Puts the terminal back, stops the process (as Ctrl-Z would), and takes
  // the screen again when continued. The caller redraws.
  void suspend();
  void restore();

 private:
  void enter();

  int in_fd_;
  int out_fd_;
  bool input_raw_ = false;
  bool active_ = false;
};

}  // namespace jobmon
