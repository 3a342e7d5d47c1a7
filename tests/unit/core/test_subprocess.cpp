// run_command: exit codes, signals, a missing program, the deadline (the
// whole process group is killed), the output cap, and arguments passed verbatim.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/system/subprocess.hpp"

using namespace jobmon::detail;

TEST_CASE("run_command: output, exit codes, signals", "[core]") {
  const auto ok = run_command({"sh", "-c", "printf 'out'; printf 'err' >&2"});
  CHECK(ok.ok());
  CHECK(ok.out == "out");
  CHECK(ok.err == "err");
  CHECK(ok.problem.empty());
  const auto failed = run_command({"sh", "-c", "exit 3"});
  CHECK_FALSE(failed.ok());
  CHECK(failed.exit_code == 3);
  const auto killed = run_command({"sh", "-c", "kill -9 $$"});
  CHECK_FALSE(killed.exit_code);
  CHECK(killed.signal == 9);
  // Arguments are never a shell's: quotes and $ pass verbatim.
  CHECK(run_command({"printf", "%s", "a b;$(x)'\""}).out == "a b;$(x)'\"");
  // stdin is /dev/null: a reader ends at once.
  CHECK(run_command({"cat"}).out.empty());
}

TEST_CASE("run_command: a missing program is an answer", "[core]") {
  const auto r = run_command({"jobmon-no-such-program"});
  CHECK_FALSE(r.started);
  CHECK(r.problem == "jobmon-no-such-program: not found");
  CHECK_FALSE(program_on_path("jobmon-no-such-program"));
  CHECK(program_on_path("sh"));
  CHECK(program_on_path("/bin/sh"));
  CHECK_FALSE(program_on_path("/etc/passwd"));  // not executable
  CHECK_FALSE(program_on_path("/"));
  CHECK_FALSE(program_on_path(""));
  CHECK(run_command({}).problem == "no command");
}

TEST_CASE("run_command: the deadline kills the command and what it started", "[core]") {
  CommandLimits limits;
  limits.timeout_seconds = 0.5;
  const auto start = std::chrono::steady_clock::now();
  // The grandchild holds the pipe open: only killing the group ends it.
  const auto r = run_command({"sh", "-c", "sleep 30 & sleep 30; wait"}, limits);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(took < 3);
  CHECK(r.timed_out);
  CHECK_FALSE(r.ok());
  CHECK(r.signal == 9);
  CHECK(r.problem == "sh: no answer within 0.5 s (killed)");
}

TEST_CASE("run_command: output past the cap kills the command", "[core]") {
  CommandLimits limits;
  limits.max_output_bytes = 1000;
  const auto r = run_command({"yes"}, limits);
  CHECK(r.output_too_large);
  CHECK(r.out.size() == 1000);
  CHECK_FALSE(r.ok());
  CHECK(r.problem == "yes: output over 1000 bytes (killed)");
  limits.max_error_bytes = 10;
  const auto e = run_command({"sh", "-c", "printf '0123456789abcdef' >&2"}, limits);
  CHECK(e.ok());
  CHECK(e.err == "0123456789");
}

TEST_CASE("run_command: a reader takes the output as it comes, and can stop it", "[core]") {
  std::string got;
  std::size_t pieces = 0;
  const auto r = run_command({"sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x; printf end"}, {}, {},
                             [&](std::string_view piece) {
                               got += piece;
                               ++pieces;
                               return true;
                             });
  CHECK(r.ok());
  CHECK(r.out.empty());  // handed over, not kept
  CHECK(r.out_bytes == 3000003);
  CHECK(got.size() == 3000003);
  CHECK(got.substr(got.size() - 4) == "xend");
  CHECK(pieces >= 3);  // never more than 1 MiB at a time
  // A reader that wants no more stops an endless command at once.
  std::size_t seen = 0;
  const auto stopped = run_command({"yes"}, {}, {}, [&](std::string_view piece) {
    seen += piece.size();
    return false;
  });
  CHECK(stopped.stopped);
  CHECK_FALSE(stopped.ok());
  CHECK(stopped.signal == 9);
  CHECK(seen == stopped.out_bytes);
  CHECK(stopped.problem == "yes: its output's reader stopped it");
  // The cap counts what the reader was handed.
  CommandLimits limits;
  limits.max_output_bytes = 5000;
  std::size_t capped = 0;
  const auto over = run_command({"yes"}, limits, {}, [&](std::string_view piece) {
    capped += piece.size();
    return true;
  });
  CHECK(over.output_too_large);
  CHECK(capped == 5000);
  CHECK(over.out_bytes == 5000);
}

TEST_CASE("run_command: a cancel from another thread kills a hung command at once", "[core]") {
  std::atomic<bool> cancel{false};
  CommandLimits limits;
  limits.timeout_seconds = 30;
  limits.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
  });
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_command({"sh", "-c", "sleep 30 & sleep 30; wait"}, limits);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  canceller.join();
  CHECK(took < 3);
  CHECK(r.cancelled);
  CHECK(r.stopped);
  CHECK_FALSE(r.timed_out);
  CHECK_FALSE(r.ok());
  CHECK(r.problem == "sh: cancelled");
  // Set before the start: nothing runs to the end.
  const auto again = run_command({"sleep", "30"}, limits);
  CHECK(again.cancelled);
}
