#include <catch2/catch.hpp>

#include "job_state_builder.hpp"
#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/error.hpp"

using namespace jobmon;

namespace {

std::shared_ptr<JobState> job(const std::string& name, std::int64_t world, std::int64_t done) {
  auto j = test::job_state(name, world, done);
  j->launched_at = 1000;
  j->last_change_at = 1000 + static_cast<double>(done) * 10;
  return j;
}

std::vector<std::shared_ptr<const JobState>> list(std::initializer_list<std::shared_ptr<JobState>> jobs) {
  return {jobs.begin(), jobs.end()};
}

}  // namespace

TEST_CASE("Aggregator: totals match the reference summary's meaning", "[datatrove]") {
  const auto agg = aggregate(list({job("a", 64, 64), job("b", 64, 63)}), 5000);
  CHECK(agg.totals.jobs_total == 2);
  CHECK(agg.totals.jobs_completed == 1);
  CHECK(agg.totals.tasks_total == 128);
  CHECK(agg.totals.tasks_completed == 127);
  REQUIRE(agg.rows.size() == 2);
  CHECK(agg.rows[0].status == JobStatus::complete);
  CHECK(agg.rows[0].finished_at == Approx(1640));
  CHECK(agg.rows[1].percent == 98);
}

TEST_CASE("Aggregator: prefix filter and hide-complete", "[datatrove]") {
  const auto jobs = list({job("tok_a", 4, 4), job("tok_b", 4, 1), job("dedup_c", 4, 0)});
  AggregateOptions o;
  o.prefix = "tok_";
  auto agg = aggregate(jobs, 2000, o);
  CHECK(agg.totals.jobs_total == 2);
  CHECK(agg.rows.size() == 2);
  o.hide_complete = true;
  agg = aggregate(jobs, 2000, o);
  CHECK(agg.totals.jobs_total == 2);        // totals still count hidden jobs
  CHECK(agg.totals.jobs_completed == 1);
  REQUIRE(agg.rows.size() == 1);
  CHECK(agg.rows[0].job->name == "tok_b");
  CHECK(agg.hidden_complete == 1);
}

TEST_CASE("Aggregator: statuses", "[datatrove]") {
  auto failed = job("failed", 4, 2);
  failed->rank_issues = {RankIssue{2, RankState::failed, "boom", 1015.0}, RankIssue{3, RankState::failed, {}, 1018.0}};
  recount_ranks(*failed);
  auto pending = job("pending", 4, 0);
  auto stalled = job("stalled", 100, 10);
  for (int i = 0; i < 10; ++i) stalled->marker_mtimes.push_back(1000 + 10.0 * (i + 1));
  auto running = job("running", 100, 10);
  for (int i = 0; i < 10; ++i) running->marker_mtimes.push_back(1000 + 10.0 * (i + 1));
  const double now = 1100 + 5;
  auto agg = aggregate(list({failed, pending, running}), now);
  CHECK(agg.rows[0].status == JobStatus::failed);
  CHECK(agg.rows[0].failed_ranks == 2);
  CHECK(agg.rows[1].status == JobStatus::pending);
  CHECK(agg.rows[2].status == JobStatus::running);
  REQUIRE(agg.rows[2].eta.remaining_seconds);
  CHECK(*agg.rows[2].eta.remaining_seconds == Approx(900).epsilon(0.1));
  CHECK(agg.totals.jobs_failed == 1);
  CHECK(agg.totals.jobs_pending == 1);
  CHECK(agg.totals.jobs_running == 1);
  REQUIRE(agg.totals.rate);

  const auto later = aggregate(list({stalled}), 1100 + 7200);
  CHECK(later.rows[0].status == JobStatus::stalled);
}

TEST_CASE("Aggregator: sort orders", "[datatrove]") {
  const auto jobs = list({job("c", 10, 5), job("a", 10, 10), job("b", 10, 1)});
  AggregateOptions o;
  auto names = [&](SortOrder s) {
    o.sort = s;
    std::string out;
    for (const auto& r : aggregate(jobs, 2000, o).rows) out += r.job->name;
    return out;
  };
  CHECK(names(SortOrder::name) == "abc");
  CHECK(names(SortOrder::progress) == "bca");
  CHECK(names(SortOrder::status) == "bca");
  CHECK(names(SortOrder::recent) == "acb");
  CHECK(parse_sort_order("eta") == SortOrder::eta);
  CHECK_THROWS_AS(parse_sort_order("size"), UsageError);
}

TEST_CASE("Aggregator: the path order is what the CLI calls name", "[datatrove]") {
  CHECK(SortOrder::name == SortOrder::path);
  CHECK(parse_sort_order("name") == SortOrder::path);
  CHECK(std::string(to_string(SortOrder::path)) == "name");
}

TEST_CASE("Aggregator: deltas against the previous aggregate", "[datatrove]") {
  auto before = aggregate(list({job("a", 10, 3), job("b", 2, 1)}), 2000);
  auto after = aggregate(list({job("a", 10, 7), job("b", 2, 2), job("new", 2, 1)}), 2010);
  const AggregateDelta d = apply_deltas(after, before);
  CHECK(d.tasks_completed == 6);  // the new job's marker counts too
  CHECK(d.jobs_completed == 1);
  CHECK(after.rows[0].newly_completed == 4);
  CHECK(after.rows[1].newly_completed == 1);
  CHECK(after.rows[2].newly_completed == 0);  // a new job has no delta yet
}

TEST_CASE("Aggregator: failed ranks are excluded from the ETA's remaining work", "[datatrove]") {
  auto j = job("j", 4, 2);
  j->rank_issues = {RankIssue{2, RankState::failed, "x", {}}, RankIssue{3, RankState::failed, "y", {}}};
  recount_ranks(*j);
  const auto est = make_job_estimator(*j, judge_job(*j, 5000));
  CHECK(est.total() == 2);
  const auto agg = aggregate(list({j}), 5000);
  CHECK(agg.rows[0].status == JobStatus::failed);
  CHECK_FALSE(agg.rows[0].eta.remaining_seconds);  // nothing left finishes without a relaunch
}
