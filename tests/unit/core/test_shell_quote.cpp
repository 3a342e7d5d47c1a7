// shell_quote (jobmon/format.hpp): one shell word that bash reads back byte
// for byte, and that is safe to print. Proven by running bash on it.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "jobmon/format.hpp"

using jobmon::shell_quote;

namespace {

// What bash makes of `word` (printf %s of it), via a script file so that
// nothing but bash parses the word.
std::string through_bash(const std::string& word) {
  char script[] = "/tmp/jobmon_shell_quote_XXXXXX";
  const int fd = ::mkstemp(script);
  REQUIRE(fd >= 0);
  const std::string text = "printf %s " + word + "\n";
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
  FILE* pipe = ::popen(("bash " + std::string(script)).c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[256];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  ::pclose(pipe);
  std::remove(script);
  return out;
}

}  // namespace

TEST_CASE("shell_quote: plain words as they are, others quoted", "[core]") {
  CHECK(shell_quote("/outputs/job-1/config.yaml") == "/outputs/job-1/config.yaml");
  CHECK(shell_quote("a=b,c+d@e%f:g") == "a=b,c+d@e%f:g");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("my conf.yaml") == "'my conf.yaml'");
  CHECK(shell_quote("it's") == R"('it'\''s')");
  CHECK(shell_quote("$(rm -rf ~)") == "'$(rm -rf ~)'");
  CHECK(shell_quote("caf\xc3\xa9 dir") == "'caf\xc3\xa9 dir'");  // printable UTF-8 stays readable
  CHECK(shell_quote("a\x1b[31mb") == R"($'a\x1b[31mb')");
  CHECK(shell_quote("bad\xff'\\") == R"($'bad\xff\'\\')");
  CHECK(shell_quote("two\nlines") == R"($'two\x0alines')");
}

TEST_CASE("shell_quote: bash reads every word back byte for byte", "[core]") {
  const std::string hostile[] = {"plain", "", "my conf's.yaml", "$HOME `id` \"q\" \\ * ? [a] ; & | < > ( ) { } ! #",
                                 "caf\xc3\xa9", "esc\x1b]0;pwn\x07", "line1\nline2\r\t", "not utf8 \xff\xfe\x80",
                                 "'''", "\\'\\"};
  for (const std::string& word : hostile) {
    INFO("word: " << word);
    const std::string quoted = shell_quote(word);
    for (const char c : quoted) CHECK((static_cast<unsigned char>(c) >= 0x20 && c != 0x7f));  // safe to print
    CHECK(through_bash(quoted) == word);
  }
}
