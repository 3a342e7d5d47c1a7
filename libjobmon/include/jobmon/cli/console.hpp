// Where a command talks to: its output and diagnostic streams, and the file
// descriptors behind them, which decide colour, Unicode and whether a
// full-screen view is possible. Tests pass string streams; the executables
// pass Console::standard().
#pragma once

#include <iosfwd>

namespace jobmon {

struct Console {
  std::ostream& out;
  std::ostream& err;
  int out_fd = 1;  // the terminal (or not) that `out` writes to
  int err_fd = 2;  // the terminal (or not) that `err` writes to
  int in_fd = 0;   // keys for interactive views

  // std::cout and std::cerr on fds 1 and 2, keys from fd 0.
  static Console standard();
};

}  // namespace jobmon
