// AWS INI files (credentials, config) and the configuration built from them
// the AWS CLI way. The files are memfds named through /proc/self/fd, so the
// real loader reads them as it reads ~/.aws/*.
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "fuzz_input.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/s3_config.hpp"
#include "storage/s3_protocol.hpp"

namespace {

struct MemoryFile {
  explicit MemoryFile(const char* name) : fd(memfd_create(name, 0)) {
    if (fd < 0) jobmon::fuzz::fail("memfd_create failed");
  }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd); }
  void write(std::string_view bytes) const {
    if (ftruncate(fd, 0) != 0 || pwrite(fd, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
      jobmon::fuzz::fail("memfd write failed");
    }
  }
  int fd;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const MemoryFile credentials("credentials"), config("config");
  const auto parts = jobmon::fuzz::sections(jobmon::fuzz::as_text(data, size), 3);
  for (std::string_view part : parts) (void)jobmon::detail::parse_ini(part);

  credentials.write(parts[0]);
  config.write(parts.size() > 1 ? parts[1] : std::string_view());
  // The third section: environment variables, NAME=value per line.
  const std::string profile_line = parts.size() > 2 ? std::string(parts[2]) : std::string();
  const auto env = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "AWS_SHARED_CREDENTIALS_FILE") return credentials.path();
    if (name == "AWS_CONFIG_FILE") return config.path();
    if (name == "HOME") return std::string("/nonexistent");
    for (std::string_view line : jobmon::fuzz::lines(profile_line)) {
      if (line.size() > name.size() && line.substr(0, name.size()) == name && line[name.size()] == '=') {
        return std::string(line.substr(name.size() + 1));
      }
    }
    return std::nullopt;
  };
  try {
    const jobmon::S3Config loaded = jobmon::load_s3_config(env);
    (void)loaded.describe();
    (void)loaded.bucket_url("bucket");
  } catch (const jobmon::UsageError&) {
  }
  return 0;
}
