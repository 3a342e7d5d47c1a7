#include "jobmon/hub/hub_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <limits>
#include <cmath>

#include "core/system/curl.hpp"
#include "core/system/environment.hpp"
#include "core/system/read_file.hpp"
#include "core/text/text.hpp"
#include "hub/hub_http.hpp"
#include "jobmon/json.hpp"

namespace jobmon {

namespace json = boost::json;
using detail::HubHttpRequest;
using detail::HubHttpResponse;

namespace {

using detail::origin_of;

bool truthy(std::string_view text) {
  const std::string value = detail::ascii_upper(text);
  return value == "1" || value == "ON" || value == "YES" || value == "TRUE";
}

// Percent-encodes one URL component (a path segment, a revision).
std::string escape(const std::string& text) {
  char* out = curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size()));
  std::string result = out ? out : "";
  curl_free(out);
  return result;
}

// Encodes a path segment by segment, keeping the '/' separators.
std::string escape_path(const std::string& path) {
  std::string out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string::npos ? path.size() : slash;
    out += escape(path.substr(start, end - start));
    if (slash == std::string::npos) break;
    out += '/';
    start = slash + 1;
  }
  return out;
}

// "org/name": both parts encoded, the slash kept.
std::string escape_repo(const std::string& repo) { return escape_path(repo); }

std::string describe(const HubHttpRequest& request) {
  // The URL only: never the headers (the token lives there).
  return fmt::format("{} {}", request.method, request.url);
}

[[noreturn]] void throw_for(const HubHttpRequest& request, const HubHttpResponse& response, const std::string& what) {
  if (response.status == 0) {
    // Nothing listens there: a code the caller can stop on (no later poll will do better soon).
    throw HubError(fmt::format("{}: {} failed: {}", what, describe(request), response.error), 0,
                   response.refused ? std::string(hub_connection_refused) : std::string());
  }
  if (!response.error.empty()) {
    // Retries that ran out, the deadline, a refused redirect: say why.
    throw HubError(fmt::format("{}: {} failed: {}", what, describe(request), response.error), response.status);
  }
  const std::string code = response.header("x-error-code");
  std::string server_message = response.header("x-error-message");
  if (server_message.empty() && response.body.size() < 500) {
    boost::system::error_code ec;
    const json::value v = json::parse(response.body, ec);
    if (!ec && v.is_object() && v.as_object().contains("error") && v.at("error").is_string()) {
      server_message = std::string(v.at("error").as_string());
    }
  }
  std::string hint;
  switch (response.status) {
    case 401: hint = "authentication failed: set HF_TOKEN (or log in) with a valid token"; break;
    case 403: hint = "access denied: the token lacks permission for this repository"; break;
    case 404: hint = "not found: check the repository name and revision (a private repo needs a token)"; break;
    default: hint = fmt::format("HTTP {}", response.status); break;
  }
  std::string message = fmt::format("{}: {} ({} -> {})", what, hint, describe(request), response.status);
  if (!code.empty()) message += " [" + code + "]";
  if (!server_message.empty()) message += ": " + server_message;
  throw HubError(message, response.status, code);
}

json::value parse_json(const HubHttpRequest& request, const HubHttpResponse& response, const std::string& what) {
  boost::system::error_code ec;
  json::value v = json::parse(response.body, ec);
  if (ec) throw HubError(fmt::format("{}: {} returned invalid JSON ({})", what, describe(request), ec.message()), response.status);
  return v;
}

// A size or count that is a whole number of bytes/rows in range: -5, 1e30,
// 1.5, "12" and a missing value are not (Boost.JSON's to_number would throw
// "not exact" and take the whole listing down with it).
std::optional<std::uint64_t> exact_count(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64()) return v->get_int64() >= 0 ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(v->get_int64())) : std::nullopt;
  if (v->is_double()) {
    const double d = v->get_double();
    // 2^63: the largest any caller adds up as a signed count.
    if (std::isfinite(d) && d >= 0 && d < 9.2e18 && std::floor(d) == d) return static_cast<std::uint64_t>(d);
  }
  return std::nullopt;
}

std::string json_text(const json::value* v) {
  if (!v) return "none";
  std::string text = json::serialize(*v);
  if (text.size() > 40) text = text.substr(0, 40) + "...";
  return text;
}

// One entry of a tree page as a HubFile (path empty: not a file).
HubFile file_of(const json::object& o) {
  HubFile file;
  const json::value* type = o.if_contains("type");
  if (!type || !type->is_string() || type->as_string() != "file") return file;
  if (const auto* p = o.if_contains("path"); p && p->is_string()) file.path = std::string(p->as_string());
  if (const auto* p = o.if_contains("oid"); p && p->is_string()) file.oid = std::string(p->as_string());
  const json::value* size = o.if_contains("size");
  if (const auto* lfs = o.if_contains("lfs"); lfs && lfs->is_object()) {
    file.is_lfs = true;
    if (const auto* s = lfs->as_object().if_contains("size")) size = s;
  }
  if (const auto bytes = exact_count(size)) file.size = *bytes;
  else file.problem = "the listing gives no usable size (" + json_text(size) + ")";
  return file;
}

}  // namespace

HubConfig HubConfig::from_environment() {
  HubConfig config;
  std::string endpoint = detail::env_or_empty("HF_ENDPOINT");
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  if (!endpoint.empty()) {
    config.endpoint = endpoint;
    config.endpoint_explicit = true;
  }
  std::string server = detail::env_or_empty("JOBMON_DATASETS_SERVER");
  while (!server.empty() && server.back() == '/') server.pop_back();
  if (!server.empty()) config.datasets_server = server;
  config.offline = truthy(detail::env_or_empty("HF_HUB_OFFLINE"));

  std::string token = std::string(detail::trim(detail::env_or_empty("HF_TOKEN")));
  if (token.empty()) token = std::string(detail::trim(detail::env_or_empty("HUGGING_FACE_HUB_TOKEN")));
  if (token.empty()) {
    std::string path = detail::env_or_empty("HF_TOKEN_PATH");
    if (path.empty()) {
      std::string home = detail::env_or_empty("HF_HOME");
      if (home.empty()) {
        const std::string cache = detail::env_or_empty("XDG_CACHE_HOME");
        home = !cache.empty() ? cache + "/huggingface" : detail::env_or_empty("HOME") + "/.cache/huggingface";
      }
      path = home + "/token";
    }
    if (const auto text = detail::read_whole_file(path)) token = std::string(detail::trim(*text));
  }
  if (!token.empty()) config.token = token;
  return config;
}

std::optional<std::string> parse_link_next(const std::string& header) {
  // Link: <url1>; rel="next", <url2>; rel="last"
  std::size_t pos = 0;
  while (pos < header.size()) {
    const std::size_t open = header.find('<', pos);
    if (open == std::string::npos) return std::nullopt;
    const std::size_t close = header.find('>', open);
    if (close == std::string::npos) return std::nullopt;
    const std::size_t next_link = header.find('<', close);
    const std::string params = header.substr(close + 1, next_link == std::string::npos ? std::string::npos : next_link - close - 1);
    if (params.find("rel=\"next\"") != std::string::npos || params.find("rel=next") != std::string::npos) {
      return header.substr(open + 1, close - open - 1);
    }
    pos = close + 1;
  }
  return std::nullopt;
}

std::optional<double> parse_retry_wait(const std::string& retry_after, const std::string& rate_limit) {
  const auto number = [](const std::string& text) -> std::optional<double> {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || !std::isfinite(v) || v < 0) return std::nullopt;
    return v;
  };
  if (!retry_after.empty()) {
    if (auto v = number(retry_after)) return v;
  }
  // RateLimit: "api";r=0;t=55
  if (!rate_limit.empty() && rate_limit.find(";r=0") != std::string::npos) {
    const std::size_t t = rate_limit.find(";t=");
    if (t != std::string::npos) return number(rate_limit.substr(t + 3));
  }
  return std::nullopt;
}

std::string base64_encode(std::string_view bytes) { return detail::base64_encode(bytes); }

bool is_loopback_url(const std::string& url) {
  const std::string origin = origin_of(url);  // "scheme://host:port", lower case
  const std::size_t start = origin.find("://");
  if (start == std::string::npos) return false;
  const std::string host = origin.substr(start + 3, origin.rfind(':') - start - 3);
  return host == "localhost" || host.starts_with("127.") || host == "[::1]";
}

struct HubClient::Impl {
  explicit Impl(HubConfig c) : config(std::move(c)), session(config, counters) {}

  void check_online() const {
    if (config.offline) throw HubError("HF_HUB_OFFLINE is set: the Hub cannot be reached in offline mode", 0);
    check_url(config.endpoint, "the Hub endpoint (HF_ENDPOINT)");
  }
  // curl would read "notaurl" as http://notaurl/ and say "Could not resolve host".
  static void check_url(const std::string& url, const char* what) {
    if (!detail::is_http_url(url) || origin_of(url).empty()) {
      throw HubError(fmt::format("invalid URL for {}: '{}' (expected http://HOST[:PORT] or https://HOST[:PORT])", what,
                                 detail::clip(url, 200, "...")),
                     0, "InvalidURL");
    }
  }
  std::string api(const std::string& repo) const { return config.endpoint + "/api/datasets/" + escape_repo(repo); }

  HubConfig config;
  HubCounters counters;
  detail::HubHttpSession session;
};

HubClient::HubClient(HubConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
HubClient::~HubClient() = default;

const HubConfig& HubClient::config() const { return impl_->config; }

void HubClient::set_progress_hook(std::function<void(const std::string&)> hook) {
  impl_->config.on_progress = std::move(hook);
}

void HubClient::set_deadline(std::optional<double> seconds_from_now) {
  if (!seconds_from_now) {
    impl_->session.set_deadline(std::nullopt);
    return;
  }
  const auto at = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      std::chrono::duration<double>(std::max(0.0, *seconds_from_now)));
  impl_->session.set_deadline(detail::HubHttpSession::Deadline{at, *seconds_from_now});
}
HubCounters HubClient::counters() const { return impl_->counters; }

std::vector<HubFile> HubClient::list_files(const std::string& repo, const std::string& revision,
                                           const std::string& path) {
  impl_->check_online();
  std::vector<HubFile> files;
  HubHttpRequest request;
  request.url = impl_->api(repo) + "/tree/" + escape(revision) + "/" + escape_path(path) + "?recursive=true";
  const std::string listing = fmt::format("listing {} {}/", repo, path);
  for (std::uint64_t page = 1;; ++page) {
    // A listing that never ends (a hostile or broken server) is refused, not followed until memory runs out.
    if (page > impl_->config.max_list_pages) {
      throw HubError(fmt::format("{}: refused after {} pages ({} files): the listing does not end (max_list_pages "
                                 "is {})",
                                 listing, page - 1, files.size(), impl_->config.max_list_pages),
                     0);
    }
    ++impl_->counters.list_pages;
    const HubHttpResponse response = impl_->session.run_one(request);
    if (response.status == 404 && response.header("x-error-code") == "EntryNotFound") return files;
    if (response.status != 200) throw_for(request, response, "listing " + repo);
    const json::value v = parse_json(request, response, "listing " + repo);
    if (!v.is_array()) throw HubError("listing " + repo + ": expected a JSON array", response.status);
    for (const json::value& entry : v.as_array()) {
      if (!entry.is_object()) continue;
      HubFile file = file_of(entry.as_object());
      if (file.path.empty()) continue;
      if (files.size() >= impl_->config.max_list_files) {
        throw HubError(fmt::format("{}: refused after {} files on {} pages (max_list_files is {})", listing,
                                   files.size(), page, impl_->config.max_list_files),
                       0);
      }
      files.push_back(std::move(file));
    }
    auto next = parse_link_next(response.header("link"));
    if (!next) return files;
    // Pages must stay on the Hub: the token goes with them.
    if (detail::origin_of(*next) != detail::origin_of(impl_->config.endpoint)) {
      throw HubError("listing " + repo + ": next page points to another host", response.status);
    }
    request.url = *next;
  }
}

std::string HubClient::revision_sha(const std::string& repo, const std::string& revision) {
  impl_->check_online();
  HubHttpRequest request;
  request.url = impl_->api(repo) + "/revision/" + escape(revision);
  const HubHttpResponse response = impl_->session.run_one(request);
  if (response.status != 200) throw_for(request, response, "revision of " + repo);
  const json::value v = parse_json(request, response, "revision of " + repo);
  if (const auto* o = v.if_object(); o) {
    if (const auto* sha = o->if_contains("sha"); sha && sha->is_string()) return std::string(sha->as_string());
  }
  throw HubError("revision of " + repo + ": no sha in the answer", response.status);
}

std::optional<std::string> HubClient::read_raw(const std::string& repo, const std::string& revision,
                                               const std::string& path) {
  impl_->check_online();
  ++impl_->counters.raw_reads;
  HubHttpRequest request;
  request.url = impl_->config.endpoint + "/datasets/" + escape_repo(repo) + "/raw/" + escape(revision) + "/" + escape_path(path);
  const HubHttpResponse response = impl_->session.run_one(request);
  if (response.status == 200) return response.body;
  const std::string code = response.header("x-error-code");
  if (response.status == 404 && (code == "EntryNotFound" || code.empty())) {
    // A missing file, unless the whole repo is missing.
    if (code == "RepoNotFound") throw_for(request, response, "reading " + path);
    return std::nullopt;
  }
  throw_for(request, response, "reading " + path + " of " + repo);
}

std::vector<HubRangeResult> HubClient::read_ranges(const std::string& repo, const std::string& revision,
                                                   const std::vector<HubRange>& ranges) {
  impl_->check_online();
  std::vector<HubHttpRequest> requests;
  requests.reserve(ranges.size());
  for (const auto& r : ranges) {
    HubHttpRequest request;
    request.url = impl_->config.endpoint + "/datasets/" + escape_repo(repo) + "/resolve/" + escape(revision) + "/" +
                  escape_path(r.path);
    // Explicit ranges from the listed size, not suffix ranges (CDNs differ on those).
    const std::uint64_t last = r.length == 0 ? r.offset : r.offset + r.length - 1;
    request.headers.push_back(fmt::format("Range: bytes={}-{}", r.offset, last));
    requests.push_back(std::move(request));
  }
  impl_->counters.range_reads += ranges.size();
  const std::vector<HubHttpResponse> responses = impl_->session.run(requests, impl_->config.max_in_flight);
  std::vector<HubRangeResult> results(ranges.size());
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    const HubHttpResponse& response = responses[i];
    const HubRange& r = ranges[i];
    HubRangeResult& out = results[i];
    if (response.status == 401 || response.status == 403) throw_for(requests[i], response, "reading " + r.path);
    if (response.status == 206) {
      out.data = response.body;
    } else if (response.status == 200) {
      // The whole file: cut the range out ourselves.
      if (response.body.size() >= r.offset) out.data = response.body.substr(r.offset, r.length);
    } else if (response.status == 0) {
      out.error = response.error;
      continue;
    } else {
      out.error = fmt::format("HTTP {}{}{}", response.status,
                              response.header("x-error-code").empty() ? "" : " " + response.header("x-error-code"),
                              response.error.empty() ? "" : ": " + response.error);
      continue;
    }
    if (out.data.size() != r.length) {
      out.error = fmt::format("short read: {} of {} bytes", out.data.size(), r.length);
      out.data.clear();
    }
  }
  return results;
}

HubCommitResult HubClient::update_file(
    const std::string& repo, const std::string& branch, const std::string& path,
    const std::function<std::optional<std::string>(const std::optional<std::string>&)>& edit,
    const std::string& summary, const std::string& parent_sha) {
  impl_->check_online();
  HubCommitResult result;
  const int max_attempts = std::max(1, impl_->config.retry.max_tries);
  for (;;) {
    // Read at the sha we will name as parent, so the edit applies to exactly
    // that: the caller's on the first attempt (what it counted at), the
    // branch head after a conflict.
    const std::string sha = result.attempts == 0 && !parent_sha.empty() ? parent_sha : revision_sha(repo, branch);
    const std::optional<std::string> old = read_raw(repo, sha, path);
    const std::optional<std::string> updated = edit(old);
    if (!updated || (old && *updated == *old)) return result;

    json::object header{{"key", "header"},
                        {"value", json::object{{"summary", summary}, {"description", ""}, {"parentCommit", sha}}}};
    json::object file{{"key", "file"},
                      {"value", json::object{{"content", base64_encode(*updated)}, {"path", path}, {"encoding", "base64"}}}};
    HubHttpRequest request;
    request.method = "POST";
    request.url = impl_->api(repo) + "/commit/" + escape(branch);
    request.headers.push_back("Content-Type: application/x-ndjson");
    request.body = to_compact_json(header) + "\n" + to_compact_json(file) + "\n";
    ++result.attempts;
    ++impl_->counters.commits;
    const HubHttpResponse response = impl_->session.run_one(request);
    if ((response.status == 409 || response.status == 412) && result.attempts < max_attempts) continue;
    if (response.status != 200 && response.status != 201) throw_for(request, response, "committing " + path + " to " + repo);
    const json::value v = parse_json(request, response, "commit");
    if (const auto* o = v.if_object(); o) {
      if (const auto* oid = o->if_contains("commitOid"); oid && oid->is_string()) result.commit_oid = std::string(oid->as_string());
    }
    result.committed = true;
    return result;
  }
}

std::optional<std::int64_t> HubClient::dataset_size(const std::string& dataset, const std::string& config,
                                                    const std::string& split) {
  impl_->check_online();
  Impl::check_url(impl_->config.datasets_server, "the datasets-server (JOBMON_DATASETS_SERVER)");
  HubHttpRequest request;
  request.url = impl_->config.datasets_server + "/size?dataset=" + escape(dataset) + "&config=" + escape(config);
  const HubHttpResponse response = impl_->session.run_one(request);
  if (response.status != 200) throw_for(request, response, "size of " + dataset);
  const json::value v = parse_json(request, response, "size of " + dataset);
  const json::object* o = v.if_object();
  if (!o) return std::nullopt;
  if (const auto* partial = o->if_contains("partial"); partial && partial->is_bool() && partial->as_bool()) return std::nullopt;
  const json::value* size = o->if_contains("size");
  if (!size || !size->is_object()) return std::nullopt;
  const json::value* splits = size->as_object().if_contains("splits");
  if (!splits || !splits->is_array()) return std::nullopt;
  std::int64_t total = 0;
  bool found = false;
  for (const json::value& s : splits->as_array()) {
    const json::object* so = s.if_object();
    if (!so) continue;
    const json::value* name = so->if_contains("split");
    const json::value* cfg = so->if_contains("config");
    const auto rows = exact_count(so->if_contains("num_rows"));
    if (!rows) continue;
    if (cfg && cfg->is_string() && cfg->as_string() != config) continue;
    if (!split.empty() && !(name && name->is_string() && name->as_string() == split)) continue;
    if (*rows > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() - total)) return std::nullopt;
    total += static_cast<std::int64_t>(*rows);
    found = true;
  }
  if (!found) return std::nullopt;
  return total;
}

}  // namespace jobmon
