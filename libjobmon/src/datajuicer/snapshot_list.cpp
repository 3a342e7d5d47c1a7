// list_jobs (every job under an outputs root) and load_events (all events
// of a work dir as JSON, for scripts).
#include <algorithm>
#include <boost/json.hpp>

#include "datajuicer/events/events_reader.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/storage_factory.hpp"

namespace jobmon {
namespace json = boost::json;
namespace {

// A job dir: one with an events*.jsonl entry (a regular file or not: an
// unreadable one is listed with its error). A dir that cannot be listed may
// be a job too: listed, with why it could not be read, never dropped.
bool maybe_job(const Storage& storage, const std::string& dir) {
  try {
    const auto entries = storage.list(dir);
    return !detail::events_files_among(storage, dir, entries).empty() ||
           !detail::unusable_events_entries(storage, dir, entries).empty();
  } catch (const StorageError&) {
    return true;
  }
}

JobListing listing_of(const std::string& dir, double now, const std::shared_ptr<const Storage>& storage) {
  JobListing j;
  j.work_dir = dir;
  j.job_id = base_name(dir);
  try {
    const Snapshot s = analyze_work_dir(dir, now, storage);
    j.job_id = s.job_id;
    j.status = s.overall_status;
    j.start_time = s.start_time;
    j.last_event_time = s.last_event_time;
    j.completed_partitions = s.completed_partitions;
    j.total_partitions = s.total_partitions;
    j.overall_percentage = s.overall_percentage;
    j.state = s.state;
    j.last_event_age = s.last_event_age;
  } catch (const Error& e) {
    j.error = e.what();
  }
  return j;
}

// Collects events as JSON objects; the line was parsed already, so only
// the fields jobmon knows are kept (config and op_args never are).
class EventCollector : public detail::LineConsumer {
 public:
  explicit EventCollector(std::size_t max) : max_(max) {}
  void on_line(const std::string&, std::uint64_t, LineIssue issue, const Event& e) override {
    if (issue != LineIssue::none || (max_ != 0 && events.size() >= max_)) return;
    json::object o;
    o["event_type"] = e.type_name;
    o["timestamp"] = e.timestamp ? json::value(*e.timestamp) : json::value(nullptr);
    if (!e.job_id.empty()) o["job_id"] = e.job_id;
    if (e.partition_id) o["partition_id"] = *e.partition_id;
    if (e.operation_idx) o["operation_idx"] = *e.operation_idx;
    if (!e.operation_name.empty()) o["operation_name"] = e.operation_name;
    if (!e.status.empty()) o["status"] = e.status;
    if (e.duration) o["duration"] = *e.duration;
    if (e.input_rows) o["input_rows"] = *e.input_rows;
    if (e.output_rows) o["output_rows"] = *e.output_rows;
    if (!e.error_message.empty()) o["error_message"] = e.error_message;
    if (!e.checkpoint_path.empty()) o["checkpoint_path"] = e.checkpoint_path;
    if (e.retry_count) o["retry_count"] = *e.retry_count;
    if (e.success != Tri::unset) o["success"] = e.success == Tri::yes;
    if (e.num_partitions) o["num_partitions"] = *e.num_partitions;
    events.push_back(std::move(o));
  }
  std::vector<json::object> events;

 private:
  std::size_t max_;
};

}  // namespace

std::vector<JobListing> list_jobs(const std::string& root, double now, std::shared_ptr<const Storage> storage) {
  if (!storage) storage = storage_for(root);
  const FileStat st = storage->stat(root);
  if (st.type != EntryType::directory) throw StorageError(root, st.type == EntryType::missing ? "no such directory" : "not a directory");
  std::vector<JobListing> jobs;
  if (maybe_job(*storage, root)) jobs.push_back(listing_of(root, now, storage));
  std::vector<std::string> names;
  for (const auto& e : storage->list(root))
    if (e.type == EntryType::directory) names.push_back(e.name);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    const std::string dir = storage->join(root, name);
    if (maybe_job(*storage, dir)) jobs.push_back(listing_of(dir, now, storage));
  }
  return jobs;
}

std::vector<json::object> load_events(const std::string& work_dir, std::size_t max_events,
                                      std::shared_ptr<const Storage> storage) {
  if (!storage) storage = storage_for(work_dir);
  const FileStat st = storage->stat(work_dir);
  if (st.type != EntryType::directory) throw StorageError(work_dir, "no such directory");
  EventLineParser parser;
  EventCollector collector(max_events);
  for (const auto& path : find_events_files(*storage, work_dir)) {
    detail::EventsFileReader reader(path);
    reader.read(*storage, parser, collector, true, 4u << 20);
  }
  return std::move(collector.events);
}

}  // namespace jobmon
