// What a user needs to build an S3Storage: the configuration and how to load
// it the AWS way (environment, ~/.aws/credentials, ~/.aws/config).
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace jobmon {

struct S3Config {
  std::string region = "us-east-1";
  std::string endpoint;       // scheme://host[:port], no trailing slash
  bool path_style = false;    // bucket in the path (custom endpoints) or in the host name
  std::string access_key_id;  // empty: unsigned (anonymous) requests
  std::string secret_access_key;
  std::string session_token;
  std::string profile = "default";
  std::string credentials_source;  // where the keys came from, for messages ("environment", a file path)

  // Base URL for a bucket, e.g. "http://127.0.0.1:4569/bucket" (path style)
  // or "https://bucket.s3.eu-west-1.amazonaws.com".
  std::string bucket_url(const std::string& bucket) const;
  // Endpoint, region, profile and where the keys came from; never the secrets.
  std::string describe() const;
};

// Looks a variable up; nullopt when unset. Tests pass a map, the tools getenv.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_environment();

// Builds the configuration the way the AWS CLI does: environment first,
// then the profile (AWS_PROFILE, else "default") in the credentials file and
// the config file. Throws UsageError when AWS_PROFILE names a profile found
// in neither file, or when only half of a key pair is set.
S3Config load_s3_config(const EnvLookup& env);

}  // namespace jobmon
