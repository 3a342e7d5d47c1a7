// Running an outside command (squeue, sacct) without a shell and without
// trusting it: its output is capped, its run time is bounded (the whole
// process group is killed at the deadline, so a hung squeue never hangs
// jobmon), and a missing program is an answer, not an exception.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobmon::detail {

struct CommandLimits {
  double timeout_seconds = 10;                  // from the start to the exit
  std::size_t max_output_bytes = 256u << 20;    // stdout; the command is killed past it (read or kept)
  std::size_t max_error_bytes = 64u << 10;      // stderr; the rest is dropped
  // Set (from another thread) to kill the command at once, e.g. on shutdown;
  // seen within 100 ms. Null: never.
  const std::atomic<bool>* cancel = nullptr;
};

struct CommandResult {
  bool started = false;           // false: not found or not executable (`problem` says which)
  bool timed_out = false;         // killed at the deadline
  bool output_too_large = false;  // killed past max_output_bytes
  bool stopped = false;           // killed because the output's reader wanted no more, or cancelled
  bool cancelled = false;         // killed because limits.cancel was set
  std::size_t out_bytes = 0;      // stdout bytes read (kept in `out`, or handed to the reader)
  std::optional<int> exit_code;   // when it exited
  std::optional<int> signal;      // when a signal ended it
  std::string out, err;
  std::string problem;            // why it did not run or was killed; empty otherwise

  // Started, exited 0, not killed.
  bool ok() const { return started && !timed_out && !output_too_large && !stopped && exit_code == 0; }
};

// Takes stdout as it arrives instead of `out` keeping it (so a big answer is
// never held whole); returning false stops the command.
using OutputReader = std::function<bool(std::string_view piece)>;

// Runs argv[0] (looked up on PATH) with argv, stdin from /dev/null, in its
// own process group, with this process's environment plus `extra_env`
// ("NAME=value" entries, which win over inherited ones). Never throws for
// the command's failures.
CommandResult run_command(const std::vector<std::string>& argv, const CommandLimits& limits = {},
                          const std::vector<std::string>& extra_env = {}, const OutputReader& read_output = {});

// Whether `name` is an executable file on PATH (or, with a '/', at that path).
bool program_on_path(const std::string& name);

}  // namespace jobmon::detail
