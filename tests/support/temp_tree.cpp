#include "temp_tree.hpp"

#include <vector>
#include <fcntl.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace jobmon::test {

TempTree::TempTree() {
  std::string templ = (fs::temp_directory_path() / "jobmon-test-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_ = templ;
}

TempTree::~TempTree() {
  std::error_code ec;
  // Make everything writable first: tests may copy read-only fixtures.
  for (auto it = fs::recursive_directory_iterator(root_, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_symlink()) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  }
  fs::remove_all(root_, ec);
}

std::string TempTree::path(const std::string& relative) const {
  return relative.empty() ? root_ : root_ + "/" + relative;
}

void TempTree::mkdir(const std::string& relative) const { fs::create_directories(path(relative)); }

void TempTree::write(const std::string& relative, const std::string& content) const {
  const fs::path p = path(relative);
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

void TempTree::remove(const std::string& relative) const { fs::remove_all(path(relative)); }

void TempTree::symlink(const std::string& target, const std::string& link_relative) const {
  fs::create_symlink(target, path(link_relative));
}

void TempTree::set_mtime(const std::string& relative, double epoch_seconds) const {
  struct timespec times[2];
  times[0].tv_sec = static_cast<time_t>(std::floor(epoch_seconds));
  times[0].tv_nsec = static_cast<long>((epoch_seconds - std::floor(epoch_seconds)) * 1e9);
  times[1] = times[0];
  if (::utimensat(AT_FDCWD, path(relative).c_str(), times, 0) != 0) throw std::runtime_error("utimensat failed");
}

void TempTree::make_job(const std::string& relative, std::int64_t world_size, const std::vector<std::int64_t>& done) const {
  std::ostringstream executor;
  executor << "{\n    \"pipeline\": [],\n    \"tasks\": " << world_size << ",\n    \"world_size\": " << world_size << "\n}";
  write(relative + "/executor.json", executor.str());
  mkdir(relative + "/completions");
  add_markers(relative, done);
}

void TempTree::add_markers(const std::string& job_relative, const std::vector<std::int64_t>& ranks) const {
  char name[32];
  for (auto r : ranks) {
    std::snprintf(name, sizeof name, "%05lld", static_cast<long long>(r));
    write(job_relative + "/completions/" + name, "");
  }
}

std::vector<std::int64_t> range(std::int64_t first, std::int64_t last_exclusive) {
  std::vector<std::int64_t> out;
  for (auto i = first; i < last_exclusive; ++i) out.push_back(i);
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void copy_tree(const std::string& from, const std::string& to) {
  fs::copy(from, to, fs::copy_options::recursive);
  // Keep the times too (as cp -a does): the state model reads them, and a
  // log that seems older than executor.json belongs to an earlier attempt.
  std::vector<std::pair<fs::path, fs::file_time_type>> times;
  for (const auto& entry : fs::recursive_directory_iterator(from))
    times.emplace_back(fs::path(to) / fs::relative(entry.path(), from), entry.last_write_time());
  times.emplace_back(fs::path(to), fs::last_write_time(from));
  for (auto it = times.rbegin(); it != times.rend(); ++it) fs::last_write_time(it->first, it->second);  // children first
}

}  // namespace jobmon::test
