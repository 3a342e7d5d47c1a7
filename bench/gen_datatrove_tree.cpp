// Generates a datatrove-shaped tree for benchmarks:
//   gen_datatrove_tree ROOT JOBS MARKERS [PARTIAL_EVERY]
// Every job gets executor.json (world_size = MARKERS) and MARKERS completion
// markers; every PARTIAL_EVERY-th job (0 = none) misses its last 10% of
// markers and has task logs for them, as a running job would.
//   gen_datatrove_tree --failed ROOT FAILED DONE
// One job (ROOT/tok_failed, world_size FAILED + DONE) whose first DONE ranks
// completed (marker, and a log that ends with the stats) and whose FAILED
// ranks died: logs of 3-25 KB of progress lines ending in loguru's ERROR
// line, a traceback and the exception line; one in ten tracebacks is longer
// than 4 KiB. executor.json is dated an hour before the logs (one attempt).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
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

std::string executor_json(long world_size) {
  return fmt::format("{{\n    \"pipeline\": [{{\"name\": \"reader\"}}, {{\"name\": \"tokenizer\"}}],\n"
                     "    \"tasks\": {0},\n    \"workers\": -1,\n    \"world_size\": {0}\n}}",
                     world_size);
}

std::string progress_lines(long rank, long lines) {
  std::string out = fmt::format("2026-11-22 10:00:00.000 | INFO     | datatrove.utils.logging:add_task_logger:76 - "
                                "Launching pipeline for rank={}\n", rank);
  for (long i = 0; i < lines; ++i)
    out += fmt::format("2026-11-22 10:{:02d}:{:02d}.{:03d} | INFO     | datatrove.pipeline.readers.base:read:77 - "
                       "rank={} read shard {:05d} of CC-MAIN-2023-50 (1000 documents, {} tokens)\n",
                       i / 60 % 60, i % 60, (rank * 7 + i) % 1000, rank, i, 1000000 + rank * 31 + i);
  return out;
}

// loguru's diagnose traceback: a frame line, the source line and the values.
std::string traceback(long rank, long frames) {
  std::string out = fmt::format("2026-11-22 10:59:59.189 | ERROR    | datatrove.executor.base:_run_for_rank:150 - "
                                "shard 17 of CC-MAIN-2023-50 is corrupt (rank={})\nTraceback (most recent call last):\n\n",
                                rank);
  for (long f = 0; f < frames; ++f)
    out += fmt::format("  File \"/home/user/.venv/lib/python3.11/site-packages/datatrove/pipeline/base.py\", line {}, in run\n"
                       "    for doc in self.read_file(filepath):\n"
                       "        │          │         └ 's3://bucket/CC-MAIN-2023-50/shard-{:05d}.jsonl.gz'\n"
                       "        │          └ <function JsonlReader.read_file at 0x7f3229a784a0>\n"
                       "        └ <datatrove.pipeline.readers.jsonl.JsonlReader object at 0x7f3228ac91d0>\n\n",
                       100 + f * 13, 17);
  out += fmt::format("ValueError: corrupt gzip stream in shard-00017.jsonl.gz (rank={})\n", rank);
  return out;
}

int generate_failed_job(const std::string& root, long failed, long done) {
  make_dir(root);
  const std::string job = root + "/tok_failed";
  make_dir(job);
  make_dir(job + "/completions");
  make_dir(job + "/logs");
  const long world_size = failed + done;
  write_file(job + "/executor.json", executor_json(world_size));
  // One attempt, launched an hour before its logs were written.
  const struct timespec times[2] = {{std::time(nullptr) - 3600, 0}, {std::time(nullptr) - 3600, 0}};
  ::utimensat(AT_FDCWD, (job + "/executor.json").c_str(), times, 0);
  for (long r = 0; r < done; ++r) {
    write_file(fmt::format("{}/completions/{:05d}", job, r), "");
    write_file(fmt::format("{}/logs/task_{:05d}.log", job, r),
               progress_lines(r, 40) + fmt::format("2026-11-22 10:59:59.000 | SUCCESS  | datatrove.executor.base:_run_for_rank:140 - "
                                                   "Processing done for rank={}\n", r));
  }
  for (long r = done; r < world_size; ++r) {
    const long lines = 20 + (r * 37) % 180;        // 3-25 KB logs
    const long frames = r % 10 == 0 ? 12 : 3;      // one in ten tracebacks is over 4 KiB
    write_file(fmt::format("{}/logs/task_{:05d}.log", job, r), progress_lines(r, lines) + traceback(r, frames));
  }
  std::printf("generated %s: world_size %ld, %ld markers, %ld failed ranks\n", job.c_str(), world_size, done, failed);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--failed")
    return generate_failed_job(argv[2], std::atol(argv[3]), std::atol(argv[4]));
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s ROOT JOBS MARKERS [PARTIAL_EVERY]\n       %s --failed ROOT FAILED DONE\n", argv[0], argv[0]);
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
    write_file(job + "/executor.json", executor_json(markers));
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
