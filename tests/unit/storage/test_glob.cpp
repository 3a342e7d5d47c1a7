#include <catch2/catch.hpp>

#include "jobmon/error.hpp"
#include "jobmon/storage/glob.hpp"
#include "temp_tree.hpp"

using namespace jobmon;

TEST_CASE("Glob: component matching", "[storage]") {
  CHECK(glob_match("*", "abc"));
  CHECK(glob_match("a*c", "abc"));
  CHECK(glob_match("a*c", "ac"));
  CHECK_FALSE(glob_match("a*c", "abd"));
  CHECK(glob_match("tok_?", "tok_1"));
  CHECK_FALSE(glob_match("tok_?", "tok_12"));
  CHECK(glob_match("tok_[0-9][0-9]", "tok_42"));
  CHECK_FALSE(glob_match("tok_[!0-9]", "tok_4"));
  CHECK(glob_match("tok_[!0-9]", "tok_x"));
  CHECK(glob_match("*CC-MAIN-2023-*", "tokenize_CC-MAIN-2023-50"));
  CHECK(glob_match("a\\*b", "a*b"));
  CHECK_FALSE(glob_match("a\\*b", "axb"));
}

TEST_CASE("Glob: hidden names need an explicit dot", "[storage]") {
  CHECK_FALSE(glob_match("*", ".hidden"));
  CHECK(glob_match(".*", ".hidden"));
}

TEST_CASE("Glob: malformed and hostile patterns", "[storage]") {
  CHECK_THROWS_AS(glob_match("tok_[0-9", "tok_1"), UsageError);
  // Many stars against a long non-matching name must finish quickly (no exponential backtracking).
  const std::string name(5000, 'a');
  CHECK_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*b", name));
}

TEST_CASE("Glob: detects glob syntax", "[storage]") {
  CHECK(has_glob_chars("logs/*"));
  CHECK(has_glob_chars("logs/tok_[12]"));
  CHECK_FALSE(has_glob_chars("logs/plain"));
  CHECK_FALSE(has_glob_chars("logs/a\\*b"));
}

TEST_CASE("Glob: expansion through storage, including **", "[storage]") {
  test::TempTree tree;
  tree.mkdir("root/stage1/job_a");
  tree.mkdir("root/stage1/job_b");
  tree.mkdir("root/stage2/deep/job_c");
  tree.mkdir("root/.hidden/job_d");
  tree.write("root/stage1/file_not_dir", "x");
  LocalStorage storage;

  auto one_level = expand_glob(storage, tree.path("root/stage1/job_*"));
  REQUIRE(one_level.size() == 2);
  CHECK(one_level[0] == tree.path("root/stage1/job_a"));
  CHECK(one_level[1] == tree.path("root/stage1/job_b"));

  auto deep = expand_glob(storage, tree.path("root/**/job_*"));
  REQUIRE(deep.size() == 3);  // the hidden dir is not entered
  CHECK(deep[2] == tree.path("root/stage2/deep/job_c"));

  CHECK(expand_glob(storage, tree.path("root/nothing*")).empty());
  CHECK(expand_glob(storage, tree.path("root/stage1/file_*")).empty());  // files are not job dirs
}

TEST_CASE("Glob: a symlink loop under ** terminates", "[storage]") {
  test::TempTree tree;
  tree.mkdir("root/a");
  tree.symlink(tree.path("root"), "root/a/loop");
  LocalStorage storage;
  const auto found = expand_glob(storage, tree.path("root/**/a"));
  CHECK_FALSE(found.empty());
  CHECK(found.size() < 100);
}

TEST_CASE("Glob: ** never descends through a symlink; other components follow one", "[storage]") {
  test::TempTree tree;
  tree.mkdir("root/a");
  tree.symlink(tree.path("root"), "root/a/loop");
  tree.mkdir("elsewhere/b");
  tree.symlink(tree.path("elsewhere"), "root/a/link");  // not a loop, still not walked by **
  tree.symlink("/", "root/slash");                      // a walk through it would be the whole disk
  LocalStorage storage;
  CHECK(expand_glob(storage, tree.path("root/**/a")) == std::vector<std::string>{tree.path("root/a")});
  CHECK(expand_glob(storage, tree.path("root/**/b")).empty());
  CHECK(expand_glob(storage, tree.path("root/**")) ==
        std::vector<std::string>{tree.path("root"), tree.path("root/a")});
  // A link matched by a plain component is followed, like the shell does.
  CHECK(expand_glob(storage, tree.path("root/a/li*/b")) == std::vector<std::string>{tree.path("root/a/link/b")});
  CHECK(expand_glob(storage, tree.path("root/**/li*")) == std::vector<std::string>{tree.path("root/a/link")});
  CHECK(expand_glob(storage, tree.path("root/a/lo*")) == std::vector<std::string>{tree.path("root/a/loop")});
}

TEST_CASE("Glob: several ** list each directory a bounded number of times (fuzz regression)", "[storage]") {
  test::TempTree tree;
  // A chain of 15 directories: each `**` used to walk every suffix again, so
  // "**/**/**/**/x*" took 1,616 listings and 8 of them 42,537.
  std::string chain = "root";
  for (int i = 0; i < 14; ++i) {
    chain += "/d" + std::to_string(i);
    tree.mkdir(chain);
  }
  tree.mkdir(chain + "/xjob");
  LocalStorage storage;
  std::size_t listings = 0;
  const auto lister = [&](const std::string& dir) {
    ++listings;
    return storage.list(dir, ListOptions{false, false, true});
  };
  std::string pattern = tree.path("root");
  for (int i = 0; i < 8; ++i) pattern += "/**";
  const auto found = expand_glob(storage, pattern + "/x*", lister);
  REQUIRE(found.size() == 1);
  CHECK(found[0] == tree.path(chain.substr(0) + "/xjob"));
  CHECK(listings <= 16 * 2);
  // `**/d*/**/x*`: two `**` apart still list each directory at most once per component.
  listings = 0;
  const auto spread = expand_glob(storage, tree.path("root/**/d1*/**/x*"), lister);
  CHECK(spread.size() == 1);
  CHECK(listings <= 16 * 4);
}

TEST_CASE("Glob: '.' components are dropped and '..' after a glob component is refused (fuzz regression)", "[storage]") {
  test::TempTree tree;
  tree.mkdir("root/a/job_1");
  tree.mkdir("root/b/job_2");
  LocalStorage storage;
  // Found by fuzz_glob in CI: `**/../**/x*` listed the tree once per directory.
  CHECK_THROWS_AS(expand_glob(storage, tree.path("root/**/../**/job_*")), UsageError);
  CHECK_THROWS_AS(expand_glob(storage, tree.path("root/*/../job_*")), UsageError);
  const auto dotted = expand_glob(storage, tree.path("root/./**/./job_*"));
  REQUIRE(dotted.size() == 2);
  CHECK(dotted[0] == tree.path("root/a/job_1"));
  // '..' before any glob component is a plain path step, as before.
  CHECK(expand_glob(storage, tree.path("root/a/../b/job_*")).size() == 1);
}

TEST_CASE("Glob: links back up are walked once per directory, not once per spelling (fuzz regression)", "[storage]") {
  // Found by fuzz_glob in CI: four links to `.` and two directories made
  // `*/***/***/*/x*` (`***` matches as `*` does) list 511 times: every
  // component matched each link again, so each directory was reached under
  // 6, 36, 216 names. The walk now keys what it has walked by the directory
  // a linked path leads to.
  test::TempTree tree;
  tree.mkdir("root/a/xjob");
  tree.mkdir("root/b");
  for (const char* link : {"l1", "l2", "l3", "l4"}) tree.symlink(".", std::string("root/") + link);
  LocalStorage storage;
  std::size_t listings = 0;
  const auto lister = [&](const std::string& dir) {
    ++listings;
    return storage.list(dir, ListOptions{false, false, true});
  };
  // root, a, b and xjob: 4 directories, 5 components.
  const auto found = expand_glob(storage, tree.path("root/*/***/***/*/x*"), lister);
  CHECK(listings <= 4 * 5);
  // Four components down through links to `.`, ending at a/xjob: named once.
  REQUIRE(found.size() == 1);
  CHECK(found[0] == tree.path("root/l1/l1/l1/a/xjob"));
  // A longer pattern used to grow as 7^depth; it stays within directories x components.
  listings = 0;
  CHECK(expand_glob(storage, tree.path("root/*/*/*/*/*/*/*/*/x*"), lister).size() == 1);
  CHECK(listings <= 4 * 9);
}

TEST_CASE("Glob: a plain component that is a link back up counts as a link (no blow-up)", "[storage]") {
  // `up -> ..` in every directory: `*/up/*/up/...` spells each directory
  // anew at every step without any glob component matching a link.
  test::TempTree tree;
  for (const char* dir : {"root/a", "root/b", "root/c"}) {
    tree.mkdir(std::string(dir) + "/xjob");
    tree.symlink("..", std::string(dir) + "/up");
  }
  LocalStorage storage;
  std::size_t listings = 0;
  const auto lister = [&](const std::string& dir) {
    ++listings;
    return storage.list(dir, ListOptions{false, false, true});
  };
  std::string pattern = tree.path("root");
  for (int i = 0; i < 8; ++i) pattern += "/*/up";
  const auto found = expand_glob(storage, pattern + "/*/x*", lister);
  // root, a, b and c (a job dir is never listed: x* is matched in its parent) x 10 glob components.
  CHECK(listings <= 4 * 10);
  REQUIRE(found.size() == 3);
  CHECK(found[0] == tree.path("root/a/up/a/up/a/up/a/up/a/up/a/up/a/up/a/up/a/xjob"));
}

TEST_CASE("Glob: a link in the plain prefix keeps its spelling in every match", "[storage]") {
  test::TempTree tree;
  tree.mkdir("real/a/xjob");
  tree.mkdir("real/b/xjob");
  tree.symlink(tree.path("real"), "alias");
  LocalStorage storage;
  CHECK(expand_glob(storage, tree.path("alias/*/x*")) ==
        std::vector<std::string>{tree.path("alias/a/xjob"), tree.path("alias/b/xjob")});
  CHECK(expand_glob(storage, tree.path("alias/**/x*")) ==
        std::vector<std::string>{tree.path("alias/a/xjob"), tree.path("alias/b/xjob")});
}
