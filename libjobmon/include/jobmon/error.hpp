// Exceptions thrown by libjobmon. A problem with one job is data (a Warning
// in that job's state), never an exception; exceptions are for misuse and for
// conditions the caller must handle (a path that cannot be read at all).
#pragma once

#include <stdexcept>
#include <string>

namespace jobmon {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file or directory could not be read through a Storage.
class StorageError : public Error {
 public:
  StorageError(std::string path, const std::string& message)
      : Error(path + ": " + message), path_(std::move(path)) {}
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

// The file exists but its content is not what the format says.
class FormatError : public Error {
 public:
  using Error::Error;
};

// Bad arguments from the caller (a malformed glob, an unknown sort order...).
class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace jobmon
