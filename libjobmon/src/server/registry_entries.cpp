// What the registry's per-kind builders share: ids, the common summary keys,
// completion curves and the /api/jobs page.
#include "server/registry_entries.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <fmt/format.h>

#include "core/text/text.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "server/ids/job_id_key.hpp"

namespace jobmon {

const char* to_string(JobKind kind) {
  switch (kind) {
    case JobKind::datatrove: return "datatrove";
    case JobKind::data_juicer: return "data_juicer";
    case JobKind::training: return "training";
  }
  return "datatrove";
}

std::optional<JobKind> parse_job_kind(std::string_view word) {
  for (JobKind k : {JobKind::datatrove, JobKind::data_juicer, JobKind::training}) {
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

std::string state_reason_of(const RegistryEntry& e) {
  if (const JobRow* row = std::get_if<JobRow>(&e.source)) return row->state_reason;
  if (const auto* s = std::get_if<std::shared_ptr<const Snapshot>>(&e.source)) return *s ? (*s)->state_reason : std::string();
  const auto& run = std::get<std::shared_ptr<const TrainingRun>>(e.source);
  return run ? run->state_reason : std::string();
}

std::optional<double> last_progress_of(const RegistryEntry& e) {
  if (const JobRow* row = std::get_if<JobRow>(&e.source)) return row->last_activity_at;
  if (const auto* s = std::get_if<std::shared_ptr<const Snapshot>>(&e.source)) return *s ? (*s)->last_event_time : std::nullopt;
  const auto& run = std::get<std::shared_ptr<const TrainingRun>>(e.source);
  return run ? run->updated_at : std::nullopt;
}

namespace {

const char* unit_of(JobKind kind) {
  switch (kind) {
    case JobKind::datatrove: return "ranks";
    case JobKind::data_juicer: return "partition_operations";
    case JobKind::training: return "steps";
  }
  return "ranks";
}

}  // namespace

std::string jobs_csv(const std::vector<RegistryEntry>& entries) {
  std::string out = "id,kind,name,path,status,done,total,unit,percent,failed,eta_seconds,last_progress_at,state_reason\r\n";
  for (const RegistryEntry& e : entries) {
    const std::optional<double> last_progress = last_progress_of(e);
    const std::string reason = state_reason_of(e);
    const std::vector<std::string> fields = {
        e.id,
        to_string(e.kind()),
        csv_field(e.name),
        csv_field(e.path),
        to_string(e.status),
        std::to_string(e.done),
        std::to_string(e.total),
        unit_of(e.kind()),
        csv_number(static_cast<double>(static_cast<std::int64_t>(e.fraction * 100))),
        std::to_string(e.failed),
        e.eta_seconds ? csv_number(*e.eta_seconds) : std::string(),
        last_progress ? format_iso8601(*last_progress) : std::string(),
        csv_field(reason),
    };
    out += join(fields, ",") + "\r\n";
  }
  return out;
}

}  // namespace jobmon::detail
