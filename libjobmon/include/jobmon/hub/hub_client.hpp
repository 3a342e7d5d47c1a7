// HubClient: the few Hugging Face Hub endpoints a progress monitor needs,
// over libcurl: tree listing (Link pagination), range reads (redirects to
// another host followed without the token), raw README reads, NDJSON commits
// with parentCommit (re-read, re-apply, retry when the branch moved),
// revision sha and the datasets-server size. Retries with backoff on
// 408/429/5xx honouring Retry-After / RateLimit; many range reads in flight
// at once (curl multi), capped. The token never appears in any message.
// Only http/https, redirects included. Every transfer has a whole-transfer
// timeout, and a deadline (set_deadline: one poll) caps the retries and
// Retry-After waits of everything sent before it; waits are reported through
// HubConfig::on_progress.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/error.hpp"

namespace jobmon {

struct HubRetryPolicy {
  int max_tries = 5;                // attempts per request, the first included
  double base_seconds = 1;          // first backoff; doubles each try
  double max_seconds = 8;           // backoff ceiling
  double max_retry_after = 60;      // longest server-requested wait honoured (longer asks are cut to this)
};

struct HubConfig {
  std::string endpoint = "https://huggingface.co";  // no trailing '/'
  bool endpoint_explicit = false;   // set from HF_ENDPOINT: a refused connection there is the user's setup
  std::string datasets_server = "https://datasets-server.huggingface.co";
  std::optional<std::string> token;
  bool offline = false;             // HF_HUB_OFFLINE: no HTTP at all
  HubRetryPolicy retry;
  int max_in_flight = 32;           // range reads running at once
  double connect_timeout = 30;      // seconds
  double stall_timeout = 60;        // seconds below min_speed before giving up on a transfer
  long min_speed = 1024;            // bytes per second (a body trickled at 2 B/s is dead)
  double request_timeout = 120;     // seconds for one whole transfer, headers and body
  std::uint64_t max_body = 64ull << 20;
  // A tree listing that never ends (a hostile or broken server) is refused
  // after this many pages or files. The Hub pages 1000 entries at a time and
  // a big dataset repo holds tens of thousands of files (100 pages); the
  // page limit only matters for pages that hold few files.
  std::uint64_t max_list_pages = 2'000;
  std::uint64_t max_list_files = 1'000'000;
  // Told about every retry and wait ("HTTP 429 from huggingface.co, retry
  // 2/4 in 30 s"), so a tool can show it; empty: silent.
  std::function<void(const std::string&)> on_progress;

  // From HF_ENDPOINT, HF_TOKEN / HUGGING_FACE_HUB_TOKEN / the token file
  // ($HF_TOKEN_PATH, else $HF_HOME/token, HF_HOME defaulting to
  // $XDG_CACHE_HOME/huggingface or ~/.cache/huggingface), HF_HUB_OFFLINE and
  // JOBMON_DATASETS_SERVER.
  static HubConfig from_environment();
};

// HubError::error_code() of a transport failure where the connection was refused.
inline constexpr std::string_view hub_connection_refused = "ConnectionRefused";

// An HTTP-level failure: the status (0 for a transport error) and the Hub's
// X-Error-Code / X-Error-Message, with a message that says what to do.
class HubError : public Error {
 public:
  HubError(const std::string& message, long status, std::string error_code = {})
      : Error(message), status_(status), error_code_(std::move(error_code)) {}
  long status() const noexcept { return status_; }
  const std::string& error_code() const noexcept { return error_code_; }

 private:
  long status_;
  std::string error_code_;
};

struct HubFile {
  std::string path;
  std::string oid;        // git blob oid; changes whenever the content does
  std::uint64_t size = 0;
  bool is_lfs = false;
  // Non-empty when the listing's entry cannot be used (a size that is not a
  // whole number of bytes: -5, 1e30, "12", none): callers skip the file with
  // this reason instead of failing the whole listing.
  std::string problem;
};

struct HubRange {
  std::string path;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// One range read's outcome: the bytes, or why there are none.
struct HubRangeResult {
  std::string data;
  std::optional<std::string> error;
};

struct HubCounters {
  std::uint64_t requests = 0;   // HTTP transfers started, retries and redirects included
  std::uint64_t list_pages = 0;
  std::uint64_t range_reads = 0;  // range reads asked for (before retries/redirects)
  std::uint64_t raw_reads = 0;
  std::uint64_t commits = 0;      // commit attempts
  std::uint64_t retries = 0;
  std::uint64_t redirects = 0;
};

struct HubCommitResult {
  bool committed = false;       // false: nothing changed
  std::string commit_oid;
  int attempts = 0;             // commit attempts (conflicts make more than one)
};

// Not thread-safe: one client per thread (its requests already run in parallel).
class HubClient {
 public:
  explicit HubClient(HubConfig config);
  ~HubClient();
  HubClient(const HubClient&) = delete;
  HubClient& operator=(const HubClient&) = delete;

  const HubConfig& config() const;
  void set_progress_hook(std::function<void(const std::string&)> hook);

  // Everything sent from now on ends by `deadline` (no retry or Retry-After
  // wait goes past it; a transfer still running then is cut off with a
  // message that says so). `seconds_from_now` nothing: no deadline.
  void set_deadline(std::optional<double> seconds_from_now);

  // Files under `path` (recursively), following Link pagination. A missing
  // folder (404 EntryNotFound) is an empty list; a missing repo throws.
  std::vector<HubFile> list_files(const std::string& repo, const std::string& revision, const std::string& path);

  // Commit sha the revision points at.
  std::string revision_sha(const std::string& repo, const std::string& revision);

  // A small text file (README.md) at a revision; nothing when it is absent.
  std::optional<std::string> read_raw(const std::string& repo, const std::string& revision, const std::string& path);

  // Many byte ranges, up to config.max_in_flight at once. Per-range errors
  // are returned, not thrown (a half-uploaded shard must not stop the rest);
  // errors that concern the whole repo (401, 403) throw.
  std::vector<HubRangeResult> read_ranges(const std::string& repo, const std::string& revision,
                                          const std::vector<HubRange>& ranges);

  // Reads `path` at `parent_sha` (empty: the branch head), applies `edit`
  // (nullopt input: file absent; nullopt output or the same text: nothing to
  // commit) and commits with that sha as parentCommit; when the branch moved
  // (409/412), reads the new head, edits and commits again (up to
  // retry.max_tries times).
  HubCommitResult update_file(const std::string& repo, const std::string& branch, const std::string& path,
                              const std::function<std::optional<std::string>(const std::optional<std::string>&)>& edit,
                              const std::string& summary, const std::string& parent_sha = {});

  // num_rows from the datasets-server /size endpoint for a dataset's config
  // (and split, when given); nothing when unknown or partial.
  std::optional<std::int64_t> dataset_size(const std::string& dataset, const std::string& config,
                                           const std::string& split);

  HubCounters counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses a Link header: the URL with rel="next", if any.
std::optional<std::string> parse_link_next(const std::string& link_header);
// Seconds a 429/503 asks us to wait: Retry-After (seconds), else the
// RateLimit header's t=N when r=0.
std::optional<double> parse_retry_wait(const std::string& retry_after, const std::string& rate_limit);
std::string base64_encode(std::string_view bytes);
// Whether a URL's host is this machine (localhost, 127.0.0.0/8, ::1).
bool is_loopback_url(const std::string& url);

}  // namespace jobmon
