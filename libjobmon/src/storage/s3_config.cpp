// AWS-style configuration: environment variables, then the profile in
// ~/.aws/credentials and ~/.aws/config (the order the AWS CLI uses).
#include <cstdlib>

#include "core/system/read_file.hpp"
#include "core/text/text.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/s3_config.hpp"
#include "storage/s3_protocol.hpp"

namespace jobmon::detail {

IniFile parse_ini(std::string_view text) {
  IniFile out;
  std::string current;     // section name; "" before the first header
  std::string parent_key;  // "s3" in "s3 =\n  endpoint_url = ..."
  for (const std::string_view raw : split_lines(text)) {
    const bool indented = !raw.empty() && (raw.front() == ' ' || raw.front() == '\t');
    const std::string_view line = trim_line(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') continue;  // malformed header: skip it
      current = std::string(trim_line(line.substr(1, line.size() - 2)));
      out[current];
      parent_key.clear();
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string key(trim_line(line.substr(0, eq)));
    const std::string value(trim_line(line.substr(eq + 1)));
    if (key.empty()) continue;
    if (indented && !parent_key.empty()) {
      out[current][parent_key + "." + key] = value;
      continue;
    }
    parent_key = value.empty() ? key : std::string();
    if (!value.empty()) out[current][key] = value;
  }
  return out;
}

}  // namespace jobmon::detail

namespace jobmon {
using detail::IniFile;
using detail::parse_ini;
namespace {

std::optional<std::string> non_empty(const EnvLookup& env, const std::string& name) {
  auto value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

// Missing or unreadable files are simply absent, as for the AWS CLI.
std::optional<IniFile> read_ini(const std::string& path) {
  const auto text = detail::read_whole_file(path);
  if (!text) return std::nullopt;
  return parse_ini(*text);
}

const std::map<std::string, std::string>* section(const std::optional<IniFile>& file, const std::string& name) {
  if (!file) return nullptr;
  auto it = file->find(name);
  return it == file->end() ? nullptr : &it->second;
}

std::string lookup(const std::map<std::string, std::string>* keys, const std::string& key) {
  if (keys == nullptr) return {};
  auto it = keys->find(key);
  return it == keys->end() ? std::string() : it->second;
}

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

S3Config load_s3_config(const EnvLookup& env) {
  S3Config config;
  const auto home = non_empty(env, "HOME");
  const auto aws_dir = home ? *home + "/.aws/" : std::string(".aws/");
  const std::string credentials_path = non_empty(env, "AWS_SHARED_CREDENTIALS_FILE").value_or(aws_dir + "credentials");
  const std::string config_path = non_empty(env, "AWS_CONFIG_FILE").value_or(aws_dir + "config");
  const auto profile_env = non_empty(env, "AWS_PROFILE");
  config.profile = profile_env.value_or("default");

  const auto credentials_file = read_ini(credentials_path);
  const auto config_file = read_ini(config_path);
  const auto* cred_section = section(credentials_file, config.profile);
  const auto* conf_section = section(config_file, config.profile == "default" ? "default" : "profile " + config.profile);
  if (profile_env && cred_section == nullptr && conf_section == nullptr)
    throw UsageError("AWS profile '" + config.profile + "' not found in " + credentials_path + " or " + config_path);

  const auto env_key = non_empty(env, "AWS_ACCESS_KEY_ID");
  const auto env_secret = non_empty(env, "AWS_SECRET_ACCESS_KEY");
  if (env_key.has_value() != env_secret.has_value())
    throw UsageError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
  if (env_key) {
    config.access_key_id = *env_key;
    config.secret_access_key = *env_secret;
    config.session_token = non_empty(env, "AWS_SESSION_TOKEN").value_or("");
    config.credentials_source = "environment";
  } else {
    // Keys may sit in either file; the credentials file wins.
    for (const auto& [keys, path] : {std::pair{cred_section, credentials_path}, std::pair{conf_section, config_path}}) {
      const std::string id = lookup(keys, "aws_access_key_id");
      const std::string secret = lookup(keys, "aws_secret_access_key");
      if (id.empty() && secret.empty()) continue;
      if (id.empty() || secret.empty())
        throw UsageError("profile '" + config.profile + "' in " + path + " has only half of a key pair");
      config.access_key_id = id;
      config.secret_access_key = secret;
      config.session_token = lookup(keys, "aws_session_token");
      config.credentials_source = path;
      break;
    }
  }

  if (auto region = non_empty(env, "AWS_REGION")) config.region = *region;
  else if (auto default_region = non_empty(env, "AWS_DEFAULT_REGION")) config.region = *default_region;
  else if (auto from_file = lookup(conf_section, "region"); !from_file.empty()) config.region = from_file;

  std::string endpoint = non_empty(env, "AWS_ENDPOINT_URL_S3").value_or(non_empty(env, "AWS_ENDPOINT_URL").value_or(""));
  if (endpoint.empty()) endpoint = lookup(conf_section, "s3.endpoint_url");
  if (endpoint.empty()) endpoint = lookup(conf_section, "endpoint_url");
  if (endpoint.empty()) {
    config.endpoint = "https://s3." + config.region + ".amazonaws.com";
    config.path_style = false;
  } else {
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    if (!endpoint.starts_with("http://") && !endpoint.starts_with("https://"))
      throw UsageError("S3 endpoint must start with http:// or https://: " + endpoint);
    config.endpoint = endpoint;
    config.path_style = true;  // custom stores (MinIO, Ceph, R2, s3rver) all take path-style
  }
  return config;
}

}  // namespace jobmon
