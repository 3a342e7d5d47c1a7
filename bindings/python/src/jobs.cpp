// Datatrove jobs from Python: Scanner, Job, aggregate, status.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <mutex>

#include "jobmon/cli/render.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/json.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/datatrove/summary_line.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/storage_factory.hpp"
#include "jobmon/training/run_report.hpp"
#include "json_to_python.hpp"
#include "registration.hpp"

namespace py = pybind11;

namespace jobmon::python {
namespace {

// pybind11 holders cannot be shared_ptr<const T>; Python gets read-only
// attributes only, so the const is kept in spirit.
using JobPtr = std::shared_ptr<JobState>;

std::vector<JobPtr> unconst(std::vector<std::shared_ptr<const JobState>> jobs) {
  std::vector<JobPtr> out;
  out.reserve(jobs.size());
  for (auto& j : jobs) out.push_back(std::const_pointer_cast<JobState>(std::move(j)));
  return out;
}

MarkerTimes parse_marker_times(const std::string& s) {
  if (s == "none") return MarkerTimes::none;
  if (s == "incomplete") return MarkerTimes::incomplete_jobs;
  if (s == "all") return MarkerTimes::all;
  throw UsageError("marker_times must be 'none', 'incomplete' or 'all', not '" + s + "'");
}

// A scan result kept together with its warnings, as Python sees it.
struct PyScan {
  std::vector<JobPtr> jobs;
  std::vector<Warning> warnings;
  ScanStats stats;
};

// The Scanner behind jobmon.Scanner: its storage is picked from the first
// targets it sees (s3:// or local) and kept, with its cache, while they stay of that kind.
struct PyScanner {
  ScanOptions options;
  std::unique_ptr<Scanner> scanner;
  bool on_s3 = false;
  std::mutex mutex;  // Python threads may share one Scanner; the GIL is released while it works

  ScanResult scan(const std::vector<std::string>& targets) {
    std::lock_guard lock(mutex);
    const bool s3 = !targets.empty() && targets.front().starts_with("s3://");
    if (!scanner || s3 != on_s3) {
      scanner = std::make_unique<Scanner>(storage_for_targets(targets), options);
      on_s3 = s3;
    }
    return scanner->scan(targets);
  }
};

py::list warnings_to_python(const std::vector<Warning>& warnings) {
  py::list out;
  for (const auto& w : warnings) out.append(to_python(to_json(w)));
  return out;
}

// Targets as the engine takes them: str (os.fsdecode's surrogates too), bytes or os.PathLike.
std::vector<std::string> target_bytes(const py::iterable& targets) {
  std::vector<std::string> out;
  for (const py::handle t : targets) out.push_back(fs_bytes(t));
  return out;
}

// A repr must print anywhere: the name as terminal_safe shows it (\xNN for bytes that are not UTF-8).
std::string job_repr(const JobState& j) {
  std::string s = fmt::format("<jobmon.Job {} {}/{} ({}%)", terminal_safe(j.name), j.completed, j.world_size,
                              whole_percent(j.completed, j.world_size));
  if (j.complete()) s += " complete";
  else if (j.failed_ranks() > 0) s += fmt::format(" {} failed", j.failed_ranks());
  if (!j.complete()) s += " incomplete: " + format_ranges(j.incomplete_ranges(), 8);
  return s + ">";
}

// A scanned Job has no aggregate: its row (status, ETA, reason) is made when
// asked, as of `now` (default: the wall clock), by the same aggregate() and
// to_json(JobRow) as jobmon-status, so nothing here judges a job itself.
Aggregate aggregate_one(const JobPtr& job, std::optional<double> now = std::nullopt) {
  return aggregate({job}, now.value_or(wall_clock_now()));
}

const JobRow& only_row(const Aggregate& a) { return a.rows.front(); }  // one job, no filter: one row

}  // namespace

void register_jobs(py::module_& m) {
  py::class_<JobState, JobPtr>(m, "Job", "One datatrove job directory as scanned.")
      .def_property_readonly("path", [](const JobState& j) { return fs_text(j.path); })
      .def_property_readonly("name", [](const JobState& j) { return fs_text(j.name); })
      .def_readonly("world_size", &JobState::world_size)
      .def_readonly("completed", &JobState::completed)
      .def_property_readonly("complete", &JobState::complete)
      .def_property_readonly("fraction", &JobState::fraction)
      .def_readonly("done_ranks", &JobState::done_ranks)
      .def_readonly("marker_mtimes", &JobState::marker_mtimes)
      .def_readonly("launched_at", &JobState::launched_at)
      .def_readonly("last_change_at", &JobState::last_change_at)
      .def_property_readonly("stray_entries", [](const JobState& j) {
        py::list out;
        for (const auto& name : j.stray_entries) out.append(fs_text(name));
        return out;
      })
      .def_readonly("out_of_range_ranks", &JobState::out_of_range_ranks)
      .def_readonly("pipeline_steps", &JobState::pipeline_steps)
      .def_property_readonly(
          "status", [](const JobPtr& j) { return std::string(to_string(only_row(aggregate_one(j)).status)); },
          "pending, running, stalled, failed or complete: the word jobmon-status shows, as of now.")
      .def_property_readonly(
          "state_reason", [](const JobPtr& j) { return only_row(aggregate_one(j)).state_reason; },
          "The evidence that decided the status, in words.")
      .def_property_readonly(
          "percent", [](const JobPtr& j) { return static_cast<std::int64_t>(only_row(aggregate_one(j)).percent); },
          "Percent complete, rounded down (100 only when complete).")
      .def_property_readonly(
          "eta", [](const JobPtr& j) { return only_row(aggregate_one(j)).eta.remaining_seconds; },
          "Seconds left: 0 when complete, None when nothing says when it ends (failed, stalled, pending, or no\n"
          "rate yet).")
      .def_property_readonly(
          "failed_ranks", [](const JobPtr& j) { return only_row(aggregate_one(j)).failed_ranks; },
          "Ranks of this attempt that failed (or finished without a marker): a lower bound when\n"
          "failed_ranks_exact is False.")
      .def_property_readonly(
          "failed_ranks_exact", [](const JobPtr& j) { return only_row(aggregate_one(j)).failed_ranks_exact; },
          "False when the log byte budget stopped the reading: failed_ranks is then a lower bound.")
      .def_property_readonly(
          "incomplete_ranks", [](const JobState& j) { return j.incomplete_ranks(json_max_listed_ranks); },
          "Ranks without a completion marker (at most 100,000; incomplete_ranges says them all).")
      .def_property_readonly("incomplete_ranges", [](const JobState& j) { return format_ranges(j.incomplete_ranges()); })
      .def_property_readonly("rank_issues", [](const JobState& j) { return to_python(rank_issues_json(j, nullptr)); })
      .def_property_readonly("warnings", [](const JobState& j) { return warnings_to_python(j.warnings); })
      .def(
          "to_dict",
          [](const JobPtr& j, std::optional<double> now) {
            const Aggregate a = aggregate_one(j, now);
            return to_python(to_json(only_row(a), a.now));
          },
          py::arg("now") = py::none(),
          "The job's object in jobmon-status --json (the same keys and values), as of `now` (epoch\n"
          "seconds; default: the current time).")
      .def("__repr__", &job_repr);

  py::class_<PyScan>(m, "ScanResult", "Jobs found by a scan, with warnings and counters.")
      .def_readonly("jobs", &PyScan::jobs)
      .def_property_readonly("warnings", [](const PyScan& s) { return warnings_to_python(s.warnings); })
      .def_property_readonly("stats", [](const PyScan& s) { return to_python(to_json(s.stats)); })
      .def("__len__", [](const PyScan& s) { return s.jobs.size(); })
      .def("__getitem__",
           [](const PyScan& s, std::ptrdiff_t i) {
             const auto n = static_cast<std::ptrdiff_t>(s.jobs.size());
             if (i < 0) i += n;
             if (i < 0 || i >= n) throw py::index_error("ScanResult index out of range");
             return s.jobs[static_cast<std::size_t>(i)];
           })
      .def("__iter__", [](const PyScan& s) { return py::iter(py::cast(s.jobs)); })
      .def("__repr__", [](const PyScan& s) {
        return fmt::format("<jobmon.ScanResult {} jobs, {} warnings>", s.jobs.size(), s.warnings.size());
      });

  py::class_<PyScanner>(m, "Scanner",
                        "Finds and reads datatrove job dirs (local paths or s3:// URLs); keeps a cache so "
                        "scanning again costs what changed.")
      .def(py::init([](bool recursive, unsigned threads, const std::string& marker_times, std::uint64_t log_bytes_per_job,
                       const py::handle& prefix) {
             auto s = std::make_unique<PyScanner>();
             s->options.recursive = recursive;
             s->options.prefix = fs_bytes(prefix);  // dirs it leaves out are neither read nor warned about
             s->options.threads = threads;
             s->options.marker_times = parse_marker_times(marker_times);
             s->options.log_bytes_per_job = log_bytes_per_job;
             return s;
           }),
           py::kw_only(), py::arg("recursive") = false, py::arg("threads") = 0u,
           py::arg("marker_times") = "incomplete", py::arg("log_bytes_per_job") = ScanOptions{}.log_bytes_per_job,
           py::arg("prefix") = "")
      .def(
          "scan", [](PyScanner& s, const py::iterable& target_list) {
            const std::vector<std::string> targets = target_bytes(target_list);
            ScanResult r;
            {
              py::gil_scoped_release release;  // pure I/O: let other Python threads run
              r = s.scan(targets);
            }
            return PyScan{unconst(std::move(r.jobs)), std::move(r.warnings), r.stats};
          },
          py::arg("targets"))
      .def("clear_cache", [](PyScanner& s) {
        py::gil_scoped_release release;  // a scan in another thread may hold the lock
        std::lock_guard lock(s.mutex);
        s.scanner.reset();
      })
      .def_property_readonly("threads", [](const PyScanner& s) {
        return s.scanner ? s.scanner->thread_count() : Scanner(std::make_shared<LocalStorage>(), s.options).thread_count();
      });

  py::class_<Aggregate>(m, "Aggregate", "Per-job rows and totals.")
      .def_property_readonly("rows", [](const Aggregate& a) {
        py::list out;
        for (const auto& row : a.rows) out.append(to_python(to_json(row, a.now)));
        return out;
      })
      .def_property_readonly("totals", [](const Aggregate& a) { return to_python(to_json(a.totals)); })
      .def_readonly("now", &Aggregate::now)
      .def("summary_line", [](const Aggregate& a) { return render_summary_line(a.totals); })
      .def(
          "to_dict", [](const Aggregate& a, const PyScan* scan) {
            std::vector<Warning> warnings;
            if (scan != nullptr) warnings = scan->warnings;
            warnings.insert(warnings.end(), a.warnings.begin(), a.warnings.end());
            for (const auto& row : a.rows) warnings.insert(warnings.end(), row.job->warnings.begin(), row.job->warnings.end());
            return to_python(status_document(a, warnings));
          },
          py::arg("scan") = nullptr, "The document jobmon-status --json prints, without training runs.")
      .def(
          "_status_document",
          [](const Aggregate& a, const PyScan& scan, const std::vector<std::string>& targets, const std::string& prefix,
             bool recursive, bool hide_complete) {
            // What jobmon-status --json prints: the jobs, and the training runs under the same targets.
            TrainingScanOptions options;
            options.prefix = prefix;
            options.recursive = recursive;
            TrainingScanResult training;
            {
              py::gil_scoped_release release;
              training = TrainingScanner(storage_for_targets(targets), options).scan(targets, a.now);
            }
            std::vector<Warning> warnings = without_training_dirs(scan.warnings, training.runs);
            warnings.insert(warnings.end(), a.warnings.begin(), a.warnings.end());
            for (const auto& row : a.rows) warnings.insert(warnings.end(), row.job->warnings.begin(), row.job->warnings.end());
            for (Warning& w : training_warnings(training)) warnings.push_back(std::move(w));
            TrainingRuns runs = training.runs;
            if (hide_complete) std::erase_if(runs, [](const auto& run) { return run->status == JobStatus::complete; });
            boost::json::value doc = status_document(a, warnings);
            doc.as_object()["training"] = to_json(runs);
            return to_python(doc);
          },
          py::arg("scan"), py::arg("targets"), py::arg("prefix"), py::arg("recursive"), py::arg("hide_complete"))
      .def("__repr__", [](const Aggregate& a) {
        return "<jobmon.Aggregate " + render_summary_line(a.totals) + ">";
      });

  m.def(
      "_aggregate",
      [](const std::vector<JobPtr>& jobs, std::optional<double> now, const py::handle& prefix, bool hide_complete,
         const std::string& sort, const std::string& scheduler) {
        AggregateOptions o;
        o.prefix = fs_bytes(prefix);  // names are bytes: a prefix from os.fsdecode matches them
        o.hide_complete = hide_complete;
        o.sort = parse_sort_order(sort);
        const auto choice = parse_scheduler_choice(scheduler);
        if (!choice) throw UsageError("scheduler must be 'slurm', 'auto' or 'none', not '" + scheduler + "'");
        const std::vector<std::shared_ptr<const JobState>> const_jobs(jobs.begin(), jobs.end());
        const double at = now.value_or(wall_clock_now());
        SchedulerView view;
        {
          py::gil_scoped_release release;  // squeue and sacct run here
          view = make_scheduler_join(*choice)->refresh(const_jobs, at);
        }
        return aggregate(const_jobs, at, o, &view);
      },
      py::arg("jobs"), py::arg("now") = py::none(), py::arg("prefix") = "", py::arg("hide_complete") = false,
      py::arg("sort") = "name", py::arg("scheduler") = "none");
}

}  // namespace jobmon::python
