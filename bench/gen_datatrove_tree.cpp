// Generates a datatrove-shaped tree for benchmarks:
//   gen_datatrove_tree ROOT JOBS MARKERS [PARTIAL_EVERY]
// Every job gets executor.json (world_size = MARKERS) and MARKERS completion
// markers; every PARTIAL_EVERY-th job (0 = none) misses its last 10% of
// markers and has task logs for them, as a running job would.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <string>

namespace {

void make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    std::perror(path.c_str());
    std::exit(1);
  }
}

void write_file(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    std::perror(path.c_str());
    std::exit(1);
  }
  if (!content.empty() && ::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    std::perror(path.c_str());
    std::exit(1);
  }
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s ROOT JOBS MARKERS [PARTIAL_EVERY]\n", argv[0]);
    return 2;
  }
  const std::string root = argv[1];
  const long jobs = std::atol(argv[2]);
  const long markers = std::atol(argv[3]);
  const long partial_every = argc > 4 ? std::atol(argv[4]) : 0;
  make_dir(root);
  long files = 0;
  for (long j = 0; j < jobs; ++j) {
    const std::string job = fmt::format("{}/tok_CC-MAIN-{:05d}", root, j);
    make_dir(job);
    write_file(job + "/executor.json",
               fmt::format("{{\n    \"pipeline\": [{{\"name\": \"reader\"}}, {{\"name\": \"tokenizer\"}}],\n"
                           "    \"tasks\": {0},\n    \"workers\": -1,\n    \"world_size\": {0}\n}}",
                           markers));
    make_dir(job + "/completions");
    make_dir(job + "/logs");
    const bool partial = partial_every > 0 && j % partial_every == 0;
    const long done = partial ? markers - markers / 10 : markers;
    for (long r = 0; r < done; ++r) {
      write_file(fmt::format("{}/completions/{:05d}", job, r), "");
      ++files;
    }
    for (long r = done; r < markers; ++r) {
      write_file(fmt::format("{}/logs/task_{:05d}.log", job, r),
                 fmt::format("2026-11-22 10:00:00.000 | INFO     | datatrove:run:1 - Launching pipeline for rank={}\n", r));
    }
  }
  std::printf("generated %ld jobs, %ld markers under %s\n", jobs, files, root.c_str());
  return 0;
}
