// Prometheus text exposition format (version 0.0.4) for the registry.
#include <fmt/format.h>

#include "core/text/utf8.hpp"
#include "jobmon/server/web_api.hpp"

namespace jobmon {
namespace {

// Label values escape backslash, double quote and newline.
// Label values are UTF-8 with \\, \" and \n escaped. A byte that is not
// UTF-8 becomes U+FFFD (one bad name must not break the whole scrape; the
// id label still tells jobs apart), other controls a space.
std::string label_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      const detail::Utf8Char u = detail::decode_utf8(s, i);
      if (u.length == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(s, i, u.length);
        i += u.length;
      }
      continue;
    }
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) out += ' ';
    else out += c;
    ++i;
  }
  return out;
}

}  // namespace

std::string prometheus_metrics(const std::vector<RegistryEntry>& entries, const Totals& totals, double now) {
  std::string out;
  out += "# HELP jobmon_jobs Jobs by status.\n# TYPE jobmon_jobs gauge\n";
  const std::pair<const char*, std::int64_t> by_status[] = {{"running", totals.jobs_running},
                                                            {"failed", totals.jobs_failed},
                                                            {"stalled", totals.jobs_stalled},
                                                            {"pending", totals.jobs_pending},
                                                            {"complete", totals.jobs_completed}};
  for (const auto& [status, n] : by_status) out += fmt::format("jobmon_jobs{{status=\"{}\"}} {}\n", status, n);
  out += "# HELP jobmon_tasks Tasks (ranks) by state, over all jobs.\n# TYPE jobmon_tasks gauge\n";
  out += fmt::format("jobmon_tasks{{state=\"done\"}} {}\n", totals.tasks_completed);
  out += fmt::format("jobmon_tasks{{state=\"failed\"}} {}\n", totals.tasks_failed);
  out += fmt::format("jobmon_tasks{{state=\"remaining\"}} {}\n",
                     totals.tasks_total - totals.tasks_completed - totals.tasks_failed);
  out += "# HELP jobmon_job_progress_ratio Fraction of a job's tasks done.\n# TYPE jobmon_job_progress_ratio gauge\n";
  for (const auto& e : entries) {
    out += fmt::format("jobmon_job_progress_ratio{{id=\"{}\",name=\"{}\",kind=\"{}\",status=\"{}\"}} {}\n", e.id,
                       label_escape(e.name), to_string(e.kind()), to_string(e.status), e.fraction);
  }
  out += "# HELP jobmon_job_eta_seconds Estimated seconds until a running job finishes.\n# TYPE jobmon_job_eta_seconds gauge\n";
  for (const auto& e : entries) {
    if (e.status == JobStatus::complete || !e.eta_seconds) continue;
    out += fmt::format("jobmon_job_eta_seconds{{id=\"{}\",name=\"{}\"}} {}\n", e.id, label_escape(e.name), *e.eta_seconds);
  }
  out += "# HELP jobmon_job_tasks_done Tasks done per job (ranks, or partition-operations).\n# TYPE jobmon_job_tasks_done gauge\n";
  for (const auto& e : entries)
    out += fmt::format("jobmon_job_tasks_done{{id=\"{}\",name=\"{}\"}} {}\n", e.id, label_escape(e.name), e.done);
  out += "# HELP jobmon_job_tasks_total Tasks per job.\n# TYPE jobmon_job_tasks_total gauge\n";
  for (const auto& e : entries)
    out += fmt::format("jobmon_job_tasks_total{{id=\"{}\",name=\"{}\"}} {}\n", e.id, label_escape(e.name), e.total);
  // The scheduler's word per job: the incomplete ranks by joined state
  // (timeout, out_of_memory, cancelled, pending, ...), the same words as the
  // JSON's rank_issues; jobs the scheduler was not asked about have none.
  out += "# HELP jobmon_job_scheduler_ranks Incomplete ranks per job by the scheduler's joined state.\n"
         "# TYPE jobmon_job_scheduler_ranks gauge\n";
  for (const auto& e : entries) {
    const JobRow* row = std::get_if<JobRow>(&e.source);
    if (row == nullptr || !row->scheduling) continue;
    for (const auto& [state, n] : row->scheduling->states)
      out += fmt::format("jobmon_job_scheduler_ranks{{id=\"{}\",name=\"{}\",scheduler=\"{}\",state=\"{}\"}} {}\n", e.id,
                         label_escape(e.name), label_escape(row->scheduling->kind), state, n);
  }
  out += "# HELP jobmon_scrape_timestamp_seconds When these numbers were produced.\n# TYPE jobmon_scrape_timestamp_seconds gauge\n";
  out += fmt::format("jobmon_scrape_timestamp_seconds {:.3f}\n", now);
  return out;
}

}  // namespace jobmon
