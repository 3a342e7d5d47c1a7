// What the registry's per-kind builders share: ids, the common summary keys,
// completion curves and the /api/jobs page.
#include "server/registry_entries.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <fmt/format.h>

#include "jobmon/clock.hpp"
#include "server/ids/job_id_key.hpp"

namespace jobmon {

const char* to_string(JobKind kind) {
  switch (kind) {
    case JobKind::datatrove: return "datatrove";
    case JobKind::data_juicer: return "data_juicer";
  }
  return "datatrove";
}

std::optional<JobKind> parse_job_kind(std::string_view word) {
  for (JobKind k : {JobKind::datatrove, JobKind::data_juicer}) {
    if (word == to_string(k)) return k;
  }
  return std::nullopt;
}

}  // namespace jobmon

namespace jobmon::detail {
namespace json = boost::json;

std::string job_id_for(JobKind kind, const std::string& path) {
  std::string message = to_string(kind);
  message += '\n';
  message += path;
  return fmt::format("{:016x}", siphash24(job_id_key(), message));
}

json::object summary_fields(const RegistryEntry& e) {
  json::object o;
  o["id"] = e.id;
  o["kind"] = to_string(e.kind());
  o["name"] = e.name;
  o["path"] = e.path;
  o["status"] = to_string(e.status);
  o["current"] = e.current;
  o["done"] = e.done;
  o["total"] = e.total;
  o["percent"] = static_cast<std::int64_t>(std::floor(100 * e.fraction));
  o["failed"] = e.failed;
  o["eta_seconds"] = e.eta_seconds ? json::value(*e.eta_seconds) : json::value(nullptr);
  return o;
}

json::array completion_curve(const std::vector<double>& times, std::size_t max_points) {
  json::array curve;
  if (times.empty()) return curve;
  const std::size_t step = std::max<std::size_t>(1, times.size() / std::max<std::size_t>(1, max_points));
  for (std::size_t i = 0; i < times.size(); i += step) curve.push_back(json::array{times[i], static_cast<std::int64_t>(i + 1)});
  if ((times.size() - 1) % step != 0) curve.push_back(json::array{times.back(), static_cast<std::int64_t>(times.size())});
  return curve;
}

std::string render_jobs_page(const std::vector<RegistryEntry>& entries,
                             const std::function<bool(const RegistryEntry&)>& keep, std::int64_t offset,
                             std::int64_t limit, double generated_at) {
  std::int64_t matches = 0, returned = 0;
  std::string body = "{\"jobs\":[";
  for (const auto& e : entries) {
    if (!keep(e)) continue;
    if (matches++ < offset || returned >= limit) continue;
    if (returned++) body += ',';
    body += *e.summary_text;
  }
  const std::string next = offset + returned < matches ? std::to_string(offset + returned) : "null";
  body += fmt::format("],\"count\":{},\"returned\":{},\"offset\":{},\"limit\":{},\"next_offset\":{},\"generated_at\":\"{}\"}}",
                      matches, returned, offset, limit, next, format_iso8601(generated_at));
  return body;
}

}  // namespace jobmon::detail
