// S3Storage: listings with delimiter '/' stand in for directories. Each
// listing is kept for a short time (listing_ttl_seconds) so that stat() of
// its children costs no request: a job's executor.json and completions/ are
// answered by one listing of the job's prefix.
#include "jobmon/storage/s3_storage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <unordered_set>

#include "jobmon/clock.hpp"
#include "jobmon/error.hpp"
#include "storage/s3_http.hpp"
#include "storage/s3_protocol.hpp"

namespace jobmon {
using namespace detail;
namespace {

constexpr std::uint64_t max_listing_page_bytes = 32ull << 20;

std::string parent_key(const std::string& key) {
  const auto slash = key.rfind('/');
  return slash == std::string::npos ? std::string() : key.substr(0, slash);
}

std::string last_component(const std::string& key) {
  const auto slash = key.rfind('/');
  return slash == std::string::npos ? key : key.substr(slash + 1);
}

// What an S3 answer (an HTTP status and error body) means, in words a user
// can act on; never shows a secret.
std::string explain_answer(const HttpResult& r, const S3Location& loc, const S3Config& config) {
  const S3ErrorInfo err = parse_s3_error(r.body);
  const std::string detail = err.code.empty() ? "HTTP " + std::to_string(r.status)
                                              : err.code + (err.message.empty() ? "" : ": " + err.message);
  if (err.code == "NoSuchBucket") return "bucket '" + loc.bucket + "' does not exist (" + detail + ")";
  if (err.code == "InvalidAccessKeyId")
    return "bad credentials: the access key id is not known to " + config.endpoint + " (" + detail + "; " +
           config.describe() + ")";
  if (err.code == "SignatureDoesNotMatch")
    return "bad credentials: the secret key does not match the access key id (" + detail + "; " + config.describe() + ")";
  if (err.code == "AccessDenied" || r.status == 403)
    return "access denied to bucket '" + loc.bucket + "' (" + detail + "; " + config.describe() + ")";
  if (r.status == 301 || err.code == "PermanentRedirect" || err.code == "AuthorizationHeaderMalformed")
    return "bucket '" + loc.bucket + "' is in another region than " + config.region + " (" + detail +
           "); set AWS_REGION";
  return "S3 request failed (" + detail + ")";
}

// Why a request failed: the answer, or what happened when none came, with
// the tries made and whether `limit` ("the listing deadline of 600 s") cut
// them short.
std::string explain_failure(const HttpResult& r, const S3Location& loc, const S3Config& config,
                            const std::string& limit, double request_deadline) {
  if (r.status == 0 && r.attempts == 0) return "not sent: " + limit + " had passed";
  const std::string tries = r.attempts == 1 ? "1 try" : std::to_string(r.attempts) + " tries";
  const std::string by = r.own_deadline ? fmt::format("the request deadline of {:g} s", request_deadline) : limit;
  const std::string stopped = r.deadline_hit ? "; stopped by " + by : "";
  // No connection at all, or a server that answered and then stalled: they need different fixes.
  if (r.status == 0 && r.connect_failed)
    return "cannot reach S3 endpoint " + config.endpoint + ": " + r.transport_error + " (" + tries + ")" + stopped;
  if (r.status == 0) return "S3 endpoint " + config.endpoint + " " + r.transport_error + " (" + tries + ")" + stopped;
  const std::string answer = explain_answer(r, loc, config);
  return r.attempts > 1 || r.deadline_hit ? answer + " (" + tries + ")" + stopped : answer;
}

}  // namespace

struct S3Storage::Impl {
  S3Config config;
  S3Options options;
  S3Http http;
  mutable std::atomic<std::uint64_t> list_pages{0}, heads{0}, gets{0};

  struct Listing {
    double fetched_at = 0;
    std::map<std::string, FileStat> children;  // name -> what it is
  };
  mutable std::mutex mutex;  // guards listings
  mutable std::map<std::string, std::shared_ptr<const Listing>> listings;  // "bucket/key" -> listing of that prefix
  // Every prefix ever seen as a directory ("bucket/key"). Only a hint that
  // listing it is worthwhile, so it never expires; it stays small (one entry
  // per directory, never per file).
  mutable std::unordered_set<std::string> known_directories;

  Impl(S3Config c, S3Options o) : config(std::move(c)), options(o), http(config, options) {}

  static std::string cache_key(const S3Location& loc) { return loc.bucket + "/" + loc.key; }

  // Why a single request (not a listing) failed.
  std::string explain(const HttpResult& r, const S3Location& loc) const {
    const std::string limit = fmt::format("the request deadline of {:g} s", options.request_deadline_seconds);
    return explain_failure(r, loc, config, limit, options.request_deadline_seconds);
  }

  std::string object_url(const S3Location& loc) const {
    return config.bucket_url(loc.bucket) + "/" + uri_encode(loc.key, true);
  }

  std::shared_ptr<const Listing> cached(const std::string& key, double now) const {
    std::lock_guard lock(mutex);
    auto it = listings.find(key);
    if (it == listings.end() || now - it->second->fetched_at > options.listing_ttl_seconds) return nullptr;
    return it->second;
  }

  // What is known about loc's parent: missing when a fresh listing of the
  // grandparent lacks it, directory when it was ever seen as one, nullopt
  // when nothing is known (the bucket root is never listed just for this:
  // it may hold a great many prefixes).
  std::optional<EntryType> parent_type_from_cache(const S3Location& loc, double now) const {
    const std::string parent = parent_key(loc.key);
    if (parent.empty()) return std::nullopt;
    if (const auto grand = cached(loc.bucket + "/" + parent_key(parent), now)) {
      auto it = grand->children.find(last_component(parent));
      return it == grand->children.end() ? EntryType::missing : it->second.type;
    }
    std::lock_guard lock(mutex);
    if (known_directories.count(loc.bucket + "/" + parent) != 0) return EntryType::directory;
    return std::nullopt;
  }

  // Lists a prefix completely (all pages). Throws StorageError with a clear
  // message when S3 refuses; an empty listing is not an error here.
  // A listing that never ends (IsTruncated forever with new tokens) is
  // refused after max_list_pages pages, max_list_keys keys or its deadline,
  // with the prefix and the limit in the message; only the direct children
  // are kept, so memory follows what the listing holds, not its pages.
  std::shared_ptr<const Listing> fetch_listing(const S3Location& loc) const {
    const std::string prefix = loc.key.empty() ? std::string() : loc.key + "/";
    Listing listing;
    listing.fetched_at = wall_clock_now();
    std::string token;
    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                        std::chrono::duration<double>(options.listing_deadline_seconds));
    const std::string limit = fmt::format("the listing deadline of {:g} s", options.listing_deadline_seconds);
    std::uint64_t keys = 0;
    for (std::uint64_t pages = 0;; ++pages) {
      const std::string url = "s3://" + loc.bucket + "/" + prefix;
      if (pages >= options.max_list_pages) {
        throw StorageError(url, fmt::format("S3 listing refused after {} pages ({} keys): it does not end "
                                            "(max_list_pages is {})",
                                            pages, keys, options.max_list_pages));
      }
      if (pages > 0 && std::chrono::steady_clock::now() >= deadline) {
        throw StorageError(url, fmt::format("S3 listing not complete after {:g} s ({} pages, {} keys read): {} "
                                            "has passed",
                                            options.listing_deadline_seconds, pages, keys, limit));
      }
      // Query parameters in SigV4 canonical (sorted) order, values encoded.
      std::string query = "?";
      if (!token.empty()) query += "continuation-token=" + uri_encode(token, false) + "&";
      query += "delimiter=%2F&list-type=2&max-keys=1000&prefix=" + uri_encode(prefix, false);
      list_pages.fetch_add(1, std::memory_order_relaxed);
      const HttpResult r =
          http.send("GET", config.bucket_url(loc.bucket) + "/" + query, {}, max_listing_page_bytes, deadline);
      if (r.body_too_large) throw StorageError(url, "S3 listing page larger than 32 MiB");
      if (r.status != 200)
        throw StorageError(url, explain_failure(r, loc, config, limit, options.request_deadline_seconds));
      S3ListPage page;
      try {
        page = parse_list_objects(r.body);
      } catch (const FormatError& e) {
        throw StorageError(url, e.what());
      }
      keys += page.common_prefixes.size() + page.objects.size();
      if (keys > options.max_list_keys) {
        throw StorageError(url, fmt::format("S3 listing refused after {} keys on {} pages (max_list_keys is {})",
                                            keys, pages + 1, options.max_list_keys));
      }
      for (const std::string& p : page.common_prefixes) {
        if (!p.starts_with(prefix) || p.size() < prefix.size() + 2) continue;
        const std::string name = p.substr(prefix.size(), p.size() - prefix.size() - 1);
        // A directory's "mtime" is when it was seen: S3 has none, and a
        // recent value tells the Scanner's cache that it may have changed.
        listing.children[name] = FileStat{EntryType::directory, 0, listing.fetched_at};
      }
      for (const S3Object& o : page.objects) {
        if (!o.key.starts_with(prefix) || o.key.size() == prefix.size()) continue;  // "dir/" marker objects
        const std::string name = o.key.substr(prefix.size());
        if (name.find('/') != std::string::npos) continue;
        listing.children.emplace(name, FileStat{EntryType::file, o.size, o.mtime});
      }
      if (!page.truncated) break;
      if (page.next_token == token) throw StorageError(url, "S3 listing repeats its continuation token");
      token = page.next_token;
    }
    std::lock_guard lock(mutex);
    // Expired listings go when new ones arrive: memory stays bounded by what
    // a scan touches in one TTL.
    for (auto it = listings.begin(); it != listings.end();) {
      if (listing.fetched_at - it->second->fetched_at > options.listing_ttl_seconds) it = listings.erase(it);
      else ++it;
    }
    auto shared = std::make_shared<const Listing>(std::move(listing));
    listings[cache_key(loc)] = shared;
    const std::string base = loc.key.empty() ? loc.bucket + "/" : loc.bucket + "/" + loc.key + "/";
    for (const auto& [name, st] : shared->children) {
      if (st.type == EntryType::directory) known_directories.insert(base + name);
    }
    if (!shared->children.empty()) known_directories.insert(cache_key(loc));
    return shared;
  }

  std::shared_ptr<const Listing> listing_of(const S3Location& loc) const {
    if (auto hit = cached(cache_key(loc), wall_clock_now())) return hit;
    return fetch_listing(loc);
  }
};

S3Storage::S3Storage(S3Config config, S3Options options)
    : impl_(std::make_unique<Impl>(std::move(config), options)) {}

S3Storage::~S3Storage() = default;

const S3Config& S3Storage::config() const { return impl_->config; }

std::uint64_t S3Storage::requests() const { return impl_->http.requests(); }

Storage::Counters S3Storage::counters() const {
  return Counters{impl_->list_pages.load(), impl_->heads.load(), impl_->gets.load()};
}

void S3Storage::check_access(const std::string& dir) const { impl_->listing_of(parse_s3_url(dir)); }

std::vector<DirEntry> S3Storage::list(const std::string& dir, const ListOptions& options) const {
  const S3Location loc = parse_s3_url(dir);
  const auto listing_ptr = impl_->listing_of(loc);
  const Impl::Listing& listing = *listing_ptr;
  if (listing.children.empty()) {
    // S3 has no empty directories: nothing below the prefix means no directory.
    if (!loc.key.empty()) throw StorageError(dir, "no such directory (no keys below this prefix)");
  }
  std::vector<DirEntry> entries;
  entries.reserve(listing.children.size());
  for (const auto& [name, st] : listing.children) {
    if (options.directories_only && st.type != EntryType::directory) continue;
    DirEntry entry;
    entry.name = name;
    entry.type = st.type;
    entry.mtime = st.mtime;  // free with the listing, so always given
    entries.push_back(std::move(entry));
  }
  return entries;
}

FileStat S3Storage::stat(const std::string& path) const {
  S3Location loc;
  try {
    loc = parse_s3_url(path);
  } catch (const UsageError&) {
    return FileStat{};
  }
  const double now = wall_clock_now();
  try {
    if (!loc.key.empty()) {
      // 1. The parent's listing knows its children.
      const std::string parent = loc.bucket + "/" + parent_key(loc.key);
      std::shared_ptr<const Impl::Listing> listing = impl_->cached(parent, now);
      if (!listing) {
        const auto parent_type = impl_->parent_type_from_cache(loc, now);
        if (parent_type && *parent_type != EntryType::directory) return FileStat{};  // no parent, no child
        if (parent_type) listing = impl_->fetch_listing(S3Location{loc.bucket, parent_key(loc.key)});
      }
      if (listing) {
        auto it = listing->children.find(last_component(loc.key));
        return it == listing->children.end() ? FileStat{} : it->second;
      }
    }
    // 2. A directory is a prefix with keys below it: list it (kept for later).
    const auto own = impl_->listing_of(loc);
    if (!own->children.empty() || loc.key.empty()) return FileStat{EntryType::directory, 0, own->fetched_at};
  } catch (const StorageError& e) {
    // stat never throws: the refusal (access denied, no such bucket, no
    // answer) is the reason the path cannot be examined.
    FileStat refused;
    refused.error = e.what();
    if (const std::string lead = e.path() + ": "; refused.error.starts_with(lead)) refused.error.erase(0, lead.size());
    return refused;
  }
  // 3. Otherwise it can only be an object.
  impl_->heads.fetch_add(1, std::memory_order_relaxed);
  const HttpResult r = impl_->http.send("HEAD", impl_->object_url(loc), {}, 0);
  if (r.status == 404) return FileStat{};
  if (r.status != 200) {
    FileStat refused;
    refused.error = r.status == 0 ? "S3 request failed: " + r.transport_error : "HTTP status " + std::to_string(r.status);
    return refused;
  }
  return FileStat{EntryType::file, r.content_length.value_or(0), r.last_modified.value_or(0)};
}

std::string S3Storage::read(const std::string& path, std::uint64_t max_bytes) const {
  const S3Location loc = parse_s3_url(path);
  impl_->gets.fetch_add(1, std::memory_order_relaxed);
  const HttpResult r = impl_->http.send("GET", impl_->object_url(loc), {}, max_bytes);
  if (r.body_too_large) throw StorageError(path, "file too large (limit " + std::to_string(max_bytes) + " bytes)");
  if (r.status == 404) throw StorageError(path, "no such object");
  if (r.status != 200) throw StorageError(path, impl_->explain(r, loc));
  return r.body;
}

std::string S3Storage::read_range(const std::string& path, std::uint64_t offset, std::uint64_t length) const {
  if (length == 0) return {};
  if (length > default_max_read) throw StorageError(path, "range too large");
  const S3Location loc = parse_s3_url(path);
  impl_->gets.fetch_add(1, std::memory_order_relaxed);
  const std::string range = "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
  const HttpResult r = impl_->http.send("GET", impl_->object_url(loc), range, length);
  if (r.status == 416) return {};  // offset at or past the end
  if (r.body_too_large) throw StorageError(path, "server ignored the Range header");
  if (r.status == 404) throw StorageError(path, "no such object");
  if (r.status != 206 && r.status != 200)
    throw StorageError(path, impl_->explain(r, loc));
  if (r.status == 200) return r.body.substr(std::min<std::size_t>(r.body.size(), offset), length);  // server ignored Range
  return r.body;
}

}  // namespace jobmon
