// Runs a command several times and prints its median wall time and peak RSS
// (from wait4's rusage, so no external `time` is needed):
//   measure RUNS LABEL -- CMD ARGS...
// Output: one line "LABEL median_s=... min_s=... max_rss_mb=... runs=N".
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 5 || std::string(argv[3]) != "--") {
    std::fprintf(stderr, "usage: %s RUNS LABEL -- CMD ARGS...\n", argv[0]);
    return 2;
  }
  const int runs = std::max(1, std::atoi(argv[1]));
  const std::string label = argv[2];
  std::vector<double> seconds;
  long max_rss_kb = 0;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, STDOUT_FILENO);
      ::execvp(argv[4], argv + 4);
      std::perror("execvp");
      std::_Exit(127);
    }
    int status = 0;
    struct rusage usage {};
    ::wait4(pid, &status, 0, &usage);
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    max_rss_kb = std::max(max_rss_kb, usage.ru_maxrss);
    if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3)) {
      std::fprintf(stderr, "%s: command failed (status %d)\n", label.c_str(), status);
      return 1;
    }
  }
  std::vector<double> sorted = seconds;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted.size() % 2 ? sorted[sorted.size() / 2]
                                          : (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]) / 2;
  std::printf("%s median_s=%.4f min_s=%.4f max_rss_mb=%.1f runs=%d\n", label.c_str(), median, sorted.front(),
              static_cast<double>(max_rss_kb) / 1024.0, runs);
  return 0;
}
