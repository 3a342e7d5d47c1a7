#include "server/ids/job_id_key.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>

#include "core/text/text.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon::detail {
namespace {

std::mutex key_mutex;
std::optional<SipKey> key_in_use;  // guarded by key_mutex

std::optional<std::uint64_t> hex_word_le(std::string_view hex16) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 16; i += 2) {
    unsigned byte = 0;
    for (const char c : hex16.substr(i, 2)) {
      const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return std::nullopt;
      byte = byte * 16 + static_cast<unsigned>(d);
    }
    v |= static_cast<std::uint64_t>(byte) << (4 * i);  // byte i/2 of the word, little-endian
  }
  return v;
}

std::string key_text(const SipKey& key) {
  std::string out;
  for (const std::uint64_t word : {key.k0, key.k1})
    for (int i = 0; i < 8; ++i) out += fmt::format("{:02x}", (word >> (8 * i)) & 0xff);
  return out;
}

void write_all(int fd, const std::string& text, const std::string& path) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
    written += static_cast<std::size_t>(n);
  }
}

// Writes a new key beside `path` and links it into place; false when another
// process created `path` first (its key is then the one to read).
bool create_key_file(const std::string& path, const SipKey& key) {
  const std::filesystem::path target(path);
  if (target.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(target.parent_path(), ec);
    if (ec) throw std::runtime_error(fmt::format("{}: cannot create its folder: {}", path, ec.message()));
  }
  const std::string temp = fmt::format("{}.{}.tmp", path, ::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(fmt::format("{}: cannot create: {}", temp, std::strerror(errno)));
  try {
    write_all(fd, key_text(key) + "\n", temp);
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  ::close(fd);
  // link() never replaces: of two processes starting at once, one key wins.
  const int linked = ::link(temp.c_str(), path.c_str());
  const int link_error = errno;
  ::unlink(temp.c_str());
  if (linked == 0) return true;
  if (link_error == EEXIST) return false;
  throw std::runtime_error(fmt::format("{}: cannot create: {}", path, std::strerror(link_error)));
}

}  // namespace

SipKey job_id_key() {
  const std::lock_guard lock(key_mutex);
  if (!key_in_use) key_in_use = random_sip_key();
  return *key_in_use;
}

void set_job_id_key(const SipKey& key) {
  const std::lock_guard lock(key_mutex);
  key_in_use = key;
}

SipKey random_sip_key() {
  std::random_device source;  // the kernel's random source (getrandom) on Linux
  auto word = [&] { return (static_cast<std::uint64_t>(source()) << 32) | source(); };
  SipKey key;
  key.k0 = word();
  key.k1 = word();
  return key;
}

SipKey sip_key_from_text(std::string_view text) {
  const std::string_view key = trim(text, " \t\r\n");
  if (key.empty()) throw std::runtime_error("the id key is empty");
  if (key.size() == 32) {
    const auto k0 = hex_word_le(key.substr(0, 16)), k1 = hex_word_le(key.substr(16));
    if (k0 && k1) return SipKey{*k0, *k1};
  }
  // Any other text: hashed under a fixed key into the two words.
  const SipKey fixed{0x6a6f626d6f6e2069ull, 0x64206b6579207631ull};
  return SipKey{siphash24(fixed, std::string("0\n").append(key)), siphash24(fixed, std::string("1\n").append(key))};
}

SipKey load_or_create_key_file(const std::string& path) {
  LocalStorage storage;
  // The process that loses a race to create it reads the winner's key below, like any existing file.
  if (storage.lstat(path).type == EntryType::missing) create_key_file(path, random_sip_key());
  const std::string text = storage.read(path, 4096);  // a FIFO or a huge file is refused (StorageError)
  try {
    return sip_key_from_text(text);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("{}: {}", path, e.what()));
  }
}

std::string default_id_key_file() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state) return fmt::format("{}/jobmon/serve-id-key", state);
  if (const char* home = std::getenv("HOME"); home && *home) return fmt::format("{}/.local/state/jobmon/serve-id-key", home);
  return {};
}

}  // namespace jobmon::detail
