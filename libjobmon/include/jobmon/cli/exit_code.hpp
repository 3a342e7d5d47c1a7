// Process exit codes shared by every jobmon executable.
#pragma once

namespace jobmon {

enum class ExitCode : int {
  ok = 0,
  runtime_error = 1,  // could not do the work (unreadable input, I/O failure)
  usage = 2,          // bad command line
  incomplete = 3,     // --check: some job is not complete
  stopped = 4,        // the watched job is gone (hub progress: the slurm job vanished)
};

}  // namespace jobmon
