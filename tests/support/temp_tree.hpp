// Test helper: a temporary directory tree, removed on destruction, with
// helpers that write datatrove-shaped job directories.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace jobmon::test {

class TempTree {
 public:
  TempTree();
  ~TempTree();
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::string& root() const { return root_; }
  std::string path(const std::string& relative) const;

  void mkdir(const std::string& relative) const;
  void write(const std::string& relative, const std::string& content) const;
  void remove(const std::string& relative) const;
  void symlink(const std::string& target, const std::string& link_relative) const;
  // Sets a file's or directory's mtime (epoch seconds).
  void set_mtime(const std::string& relative, double epoch_seconds) const;

  // A datatrove job: executor.json with world_size and the given completed
  // ranks as markers (5-digit names).
  void make_job(const std::string& relative, std::int64_t world_size, const std::vector<std::int64_t>& done) const;
  void add_markers(const std::string& job_relative, const std::vector<std::int64_t>& ranks) const;

 private:
  std::string root_;
};

std::vector<std::int64_t> range(std::int64_t first, std::int64_t last_exclusive);
std::string read_text(const std::string& path);
// Copies a directory tree (files and directories only), keeping mtimes.
void copy_tree(const std::string& from, const std::string& to);

}  // namespace jobmon::test
