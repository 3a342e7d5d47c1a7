// Job ids in URLs (/job/<id>, /api/jobs/<id>): SipHash-2-4 of kind and path
// under a secret key, so they cannot be computed from a path; the key lives in
// a file so a bookmarked link survives a restart.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <string>

#include "jobmon/error.hpp"
#include "server/ids/job_id_key.hpp"
#include "server/ids/siphash.hpp"
#include "server/registry_entries.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
using namespace jobmon::detail;

namespace {

// Restores the process's key after a test changes it.
struct KeyGuard {
  SipKey saved = job_id_key();
  ~KeyGuard() { set_job_id_key(saved); }
};

std::string bytes_0_to(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(i));
  return s;
}

}  // namespace

TEST_CASE("siphash24: the reference vectors", "[server]") {
  // Key 00 01 .. 0f, messages 00 01 .. (n-1): the vectors of the SipHash paper and reference code.
  const SipKey key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
  CHECK(siphash24(key, "") == 0x726fdb47dd0e0e31ull);
  CHECK(siphash24(key, bytes_0_to(1)) == 0x74f839c593dc67fdull);
  CHECK(siphash24(key, bytes_0_to(8)) == 0x93f5f5799a932462ull);
  CHECK(siphash24(key, bytes_0_to(15)) == 0xa129ca6149be45e5ull);  // the paper's worked example
}

TEST_CASE("job_id_for: 16 hex digits that depend on the key, kind and path", "[server]") {
  KeyGuard guard;
  set_job_id_key(SipKey{1, 2});
  const std::string a = job_id_for(JobKind::datatrove, "/data/logs/tokenize");
  CHECK(a.size() == 16);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(job_id_for(JobKind::datatrove, "/data/logs/tokenize") == a);  // stable under one key
  CHECK(job_id_for(JobKind::data_juicer, "/data/logs/tokenize") != a);
  CHECK(job_id_for(JobKind::datatrove, "/data/logs/tokenizf") != a);
  CHECK(a == fmt::format("{:016x}", siphash24(SipKey{1, 2}, "datatrove\n/data/logs/tokenize")));
  set_job_id_key(SipKey{1, 3});  // another key: nobody without it can compute the id
  CHECK(job_id_for(JobKind::datatrove, "/data/logs/tokenize") != a);
}

TEST_CASE("sip_key_from_text: 32 hex digits are the key, other text is hashed, empty is refused", "[server]") {
  const SipKey key = sip_key_from_text("000102030405060708090a0b0c0d0e0f\n");
  CHECK(key.k0 == 0x0706050403020100ull);
  CHECK(key.k1 == 0x0f0e0d0c0b0a0908ull);
  const SipKey words = sip_key_from_text("  a passphrase of my own ");
  CHECK(words.k0 != 0);
  CHECK(words.k0 != words.k1);
  const SipKey same = sip_key_from_text("a passphrase of my own");
  CHECK(same.k0 == words.k0);
  CHECK(same.k1 == words.k1);
  CHECK_THROWS_WITH(sip_key_from_text(" \n\t"), Catch::Contains("empty"));
}

TEST_CASE("load_or_create_key_file: created once (0600), read back the same by the next process", "[server]") {
  test::TempTree tree;
  const std::string path = tree.path("state/jobmon/serve-id-key");  // its folders do not exist yet
  const SipKey first = load_or_create_key_file(path);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const SipKey again = load_or_create_key_file(path);  // a restart
  CHECK(again.k0 == first.k0);
  CHECK(again.k1 == first.k1);
  // A fresh file holds a fresh random key.
  const SipKey other = load_or_create_key_file(tree.path("other-key"));
  CHECK((other.k0 != first.k0 || other.k1 != first.k1));

  tree.write("empty-key", "\n");
  CHECK_THROWS_WITH(load_or_create_key_file(tree.path("empty-key")), Catch::Contains("empty-key") && Catch::Contains("empty"));
  REQUIRE(::mkfifo(tree.path("fifo-key").c_str(), 0600) == 0);
  CHECK_THROWS_AS(load_or_create_key_file(tree.path("fifo-key")), StorageError);  // refused, never a hang
  tree.mkdir("dir-key");
  CHECK_THROWS(load_or_create_key_file(tree.path("dir-key")));
  tree.write("file", "x");
  CHECK_THROWS(load_or_create_key_file(tree.path("file/below-a-file")));  // its folder cannot be made
}

TEST_CASE("default_id_key_file: XDG_STATE_HOME, else HOME", "[server]") {
  const char* state = std::getenv("XDG_STATE_HOME");
  const char* home = std::getenv("HOME");
  const std::string saved_state = state ? state : "", saved_home = home ? home : "";
  ::setenv("XDG_STATE_HOME", "/srv/state", 1);
  CHECK(default_id_key_file() == "/srv/state/jobmon/serve-id-key");
  ::unsetenv("XDG_STATE_HOME");
  ::setenv("HOME", "/home/ada", 1);
  CHECK(default_id_key_file() == "/home/ada/.local/state/jobmon/serve-id-key");
  ::unsetenv("HOME");
  CHECK(default_id_key_file().empty());
  if (state) ::setenv("XDG_STATE_HOME", saved_state.c_str(), 1);
  if (home) ::setenv("HOME", saved_home.c_str(), 1);
}
