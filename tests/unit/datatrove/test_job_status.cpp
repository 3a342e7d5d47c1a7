// The state model on jobs shaped like real incidents (times in epoch seconds).
#include <catch2/catch.hpp>

#include "job_state_builder.hpp"
#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/job_status.hpp"

using namespace jobmon;

namespace {

constexpr double launched = 1'000'000;

// A job launched at `launched` whose first `done` ranks finished every
// `every` seconds, the first one `every` seconds after the launch.
std::shared_ptr<JobState> steady_job(std::int64_t world, std::int64_t done, double every) {
  auto j = test::job_state("job", world, done);
  j->launched_at = launched;
  for (std::int64_t i = 0; i < done; ++i) j->marker_mtimes.push_back(launched + every * static_cast<double>(i + 1));
  if (done > 0) j->last_change_at = j->marker_mtimes.back();
  recount_ranks(*j);
  return j;
}

void add_log(JobState& j, std::int64_t rank, RankState state, double mtime, bool earlier = false) {
  RankIssue issue{rank, state, state == RankState::failed ? "ValueError: boom" : "", mtime};
  issue.earlier_attempt = earlier;
  j.rank_issues.push_back(issue);
  recount_ranks(j);
}

JobRow row_of(const std::shared_ptr<JobState>& j, double now) {
  const Aggregate agg = aggregate({j}, now);
  REQUIRE(agg.rows.size() == 1);
  return agg.rows[0];
}

}  // namespace

TEST_CASE("JobStatus: one failed rank while the others still finish is running, with the failure beside it", "[datatrove]") {
  auto j = steady_job(100, 60, 5);          // a marker every 5 s
  add_log(*j, 60, RankState::failed, launched + 200);
  for (std::int64_t r = 61; r < 70; ++r) add_log(*j, r, RankState::running, launched + 290);
  const double now = launched + 300 + 3;    // last marker 3 s ago
  const JobRow row = row_of(j, now);
  CHECK(row.status == JobStatus::running);
  CHECK(row.failed_ranks == 1);
  CHECK(row.failed_ranks_exact);
  CHECK(row.state_reason.find("1 rank failed") != std::string::npos);
  REQUIRE(row.eta.remaining_seconds);        // 39 runnable ranks at ~1 per 5 s
  CHECK(*row.eta.remaining_seconds == Approx(39 * 5).epsilon(0.25));
  CHECK_FALSE(row.ended_at);
}

TEST_CASE("JobStatus: a local run that died 20 minutes ago is stalled, its ETA gone and its duration ended", "[datatrove]") {
  auto j = steady_job(64, 40, 10);           // last marker at +400 s
  add_log(*j, 40, RankState::running, launched + 395);  // the rank that left an empty log
  const double now = launched + 400 + 20 * 60;
  const JobRow row = row_of(j, now);
  CHECK(row.status == JobStatus::stalled);
  CHECK_FALSE(row.eta.remaining_seconds);
  REQUIRE(row.ended_at);
  CHECK(*row.ended_at == launched + 400);
  CHECK(*row.duration_seconds(now) == Approx(400));
  CHECK(row.state_reason.find("no marker or log write for 20m") != std::string::npos);
}

TEST_CASE("JobStatus: one marker and no logs does not stay running forever", "[datatrove]") {
  auto j = steady_job(8, 1, 120);            // the one rank took 2 min
  CHECK(row_of(j, launched + 120 + 60).status == JobStatus::running);
  const JobRow later = row_of(j, launched + 120 + 3600);
  CHECK(later.status == JobStatus::stalled);
  REQUIRE(later.usual_rank_seconds);
  CHECK(*later.usual_rank_seconds == Approx(120));
}

TEST_CASE("JobStatus: failed ranks with every other rank done is failed with no ETA at all", "[datatrove]") {
  auto j = steady_job(32, 30, 10);
  add_log(*j, 30, RankState::failed, launched + 250);
  add_log(*j, 31, RankState::failed, launched + 260);
  const JobRow row = row_of(j, launched + 305);   // even right after the last marker
  CHECK(row.status == JobStatus::failed);
  CHECK_FALSE(row.eta.remaining_seconds);
  CHECK_FALSE(row.eta_linear.remaining_seconds);
  CHECK(row.state_reason == "2 ranks failed and every other rank is done: relaunch to finish");
  const Aggregate agg = aggregate({j}, launched + 305);
  CHECK_FALSE(agg.totals.remaining_seconds);     // not 0: nothing will finish by itself
}

TEST_CASE("JobStatus: failures and silence longer than usual is failed, not stalled", "[datatrove]") {
  auto j = steady_job(100, 50, 10);
  add_log(*j, 50, RankState::failed, launched + 480);
  add_log(*j, 51, RankState::running, launched + 490);
  CHECK(row_of(j, launched + 520).status == JobStatus::running);
  CHECK(row_of(j, launched + 500 + 3 * 3600).status == JobStatus::failed);
}

TEST_CASE("JobStatus: a complete job has ETA 0 and its duration ends at the last marker", "[datatrove]") {
  auto j = steady_job(4, 4, 30);
  const JobRow row = row_of(j, launched + 9999);
  CHECK(row.status == JobStatus::complete);
  REQUIRE(row.eta.remaining_seconds);
  CHECK(*row.eta.remaining_seconds == 0);
  CHECK(*row.duration_seconds(launched + 9999) == Approx(120));
}

TEST_CASE("JobStatus: nothing started is pending, whatever the time", "[datatrove]") {
  auto j = steady_job(16, 0, 1);
  const JobRow row = row_of(j, launched + 86400 * 3);
  CHECK(row.status == JobStatus::pending);
  CHECK(row.state_reason.find("no rank has started") != std::string::npos);
  CHECK_FALSE(row.eta.remaining_seconds);
}

TEST_CASE("JobStatus: markers restored in one burst give no rate until real arrivals follow", "[datatrove]") {
  auto j = test::job_state("copied", 1000, 300);
  const double copied = 2'000'000;
  for (int i = 0; i < 300; ++i) j->marker_mtimes.push_back(copied + 0.0001 * i);
  j->launched_at = copied + 0.031;           // executor.json copied in the same burst
  j->last_change_at = j->marker_mtimes.back();
  recount_ranks(*j);
  JobRow row = row_of(j, copied + 5);
  CHECK(row.status == JobStatus::running);   // the files are fresh: evidence, but no rate
  CHECK_FALSE(row.eta.rate);
  CHECK_FALSE(row.eta.remaining_seconds);
  CHECK_FALSE(row.eta_linear.rate);

  // Then the relaunched job finishes ranks once a minute: the rate is theirs alone.
  for (int i = 1; i <= 5; ++i) {
    j->done_ranks.push_back(299 + i);
    j->marker_mtimes.push_back(copied + 60.0 * i);
  }
  j->completed += 5;
  j->last_change_at = j->marker_mtimes.back();
  recount_ranks(*j);
  row = row_of(j, copied + 301);
  REQUIRE(row.eta.rate);
  CHECK(*row.eta.rate * 3600 == Approx(60).epsilon(0.2));
}

TEST_CASE("JobStatus: a relaunch sets the earlier attempt's failures aside", "[datatrove]") {
  auto j = steady_job(10, 8, 10);
  add_log(*j, 8, RankState::failed, launched + 50, true);
  add_log(*j, 9, RankState::failed, launched + 60, true);
  j->launched_at = launched + 3600;           // relaunched an hour later
  recount_ranks(*j);
  JobRow row = row_of(j, launched + 3600 + 30);
  CHECK(row.status == JobStatus::pending);
  CHECK(row.failed_ranks == 0);
  CHECK(row.state_reason.find("relaunched") != std::string::npos);

  // The new attempt's rank 8 starts: running, and its ETA counts only new work.
  j->rank_issues.erase(j->rank_issues.begin());
  add_log(*j, 8, RankState::running, launched + 3600 + 40);
  row = row_of(j, launched + 3600 + 60);
  CHECK(row.status == JobStatus::running);
  CHECK(row.failed_ranks == 0);
}

TEST_CASE("JobStatus: failures past the log budget are a lower bound, never a verdict", "[datatrove]") {
  auto j = steady_job(10, 8, 10);
  add_log(*j, 8, RankState::failed, launched + 90);
  j->rank_counts.unread = 1;                  // rank 9's log was not read
  j->rank_counts.pending = 0;
  const JobRow row = row_of(j, launched + 100);
  CHECK_FALSE(row.failed_ranks_exact);
  CHECK(row.status == JobStatus::running);    // rank 9 may still be running
  CHECK(row.state_reason.find(">=1 rank failed") != std::string::npos);
  const Aggregate agg = aggregate({j}, launched + 100);
  CHECK_FALSE(agg.totals.tasks_failed_exact);
}

TEST_CASE("JobStatus: before any rank finishes, log writes keep a job running for hours, not forever", "[datatrove]") {
  auto j = steady_job(8, 0, 1);
  add_log(*j, 0, RankState::running, launched + 60);
  CHECK(row_of(j, launched + 60 + 3600).status == JobStatus::running);
  const JobRow row = row_of(j, launched + 60 + 7 * 3600);
  CHECK(row.status == JobStatus::stalled);
  CHECK(row.state_reason.find("no rank has finished yet") != std::string::npos);
}

TEST_CASE("JobStatus: arrivals merge bursts and keep real gaps", "[datatrove]") {
  const auto a = marker_arrivals({10, 10.2, 10.4, 50, 90, 90}, 1.0);
  REQUIRE(a.size() == 3);
  CHECK(a[0].first == 10);
  CHECK(a[0].time == Approx(10.4));
  CHECK(a[0].count == 3);
  CHECK(a[2].count == 2);
}

TEST_CASE("JobStatus: every word parses back", "[datatrove]") {
  for (JobStatus s : {JobStatus::running, JobStatus::failed, JobStatus::stalled, JobStatus::pending, JobStatus::complete})
    CHECK(parse_job_status(to_string(s)) == s);
  CHECK_FALSE(parse_job_status("waiting"));
}

TEST_CASE("JobStatus: a relaunch that never shows a sign of life is not pending forever", "[datatrove]") {
  auto j = steady_job(10, 8, 10);
  add_log(*j, 8, RankState::failed, launched + 50, true);
  j->launched_at = launched + 3600;
  recount_ranks(*j);
  CHECK(row_of(j, launched + 3600 + 600).status == JobStatus::pending);
  const JobRow row = row_of(j, launched + 3600 + 7 * 3600);
  CHECK(row.status == JobStatus::stalled);
  CHECK(row.state_reason.find("relaunched 7h 00m ago and nothing of this attempt has started") != std::string::npos);
}

TEST_CASE("JobStatus: a day queued before the first marker does not make a dead job look alive", "[datatrove]") {
  auto j = test::job_state("queued", 100, 20);
  j->launched_at = launched;
  for (int i = 0; i < 20; ++i) j->marker_mtimes.push_back(launched + 86400 + 60.0 * i);  // then one a minute
  j->last_change_at = j->marker_mtimes.back();
  recount_ranks(*j);
  CHECK(row_of(j, j->marker_mtimes.back() + 120).status == JobStatus::running);
  const JobRow row = row_of(j, j->marker_mtimes.back() + 3 * 3600);
  CHECK(row.status == JobStatus::stalled);
  REQUIRE(row.usual_rank_seconds);
  CHECK(*row.usual_rank_seconds == Approx(60));
}

TEST_CASE("JobStatus: a rank whose log says done but whose marker is not there yet is not a failure", "[datatrove]") {
  auto j = steady_job(4, 3, 30);
  add_log(*j, 3, RankState::finished_unmarked, launched + 95);
  JobRow row = row_of(j, launched + 97);
  CHECK(row.status == JobStatus::running);
  CHECK(row.failed_ranks == 0);
  row = row_of(j, launched + 95 + 3 * 3600);
  CHECK(row.status == JobStatus::stalled);
  CHECK(row.state_reason.find("1 rank finished without writing a completion marker") != std::string::npos);
}

TEST_CASE("JobStatus: jobs that are not running report no rate at all", "[datatrove]") {
  auto failed = steady_job(32, 30, 10);
  add_log(*failed, 30, RankState::failed, launched + 250);
  add_log(*failed, 31, RankState::failed, launched + 260);
  auto stalled = steady_job(64, 40, 10);
  for (const auto& j : {failed, stalled}) {
    const JobRow row = row_of(j, launched + 400 + 4 * 3600);
    CHECK(row.status != JobStatus::running);
    CHECK_FALSE(row.eta.rate);
    CHECK_FALSE(row.eta_linear.rate);
  }
}

TEST_CASE("JobStatus: a one-rank job that failed says so without 'every other rank'", "[datatrove]") {
  auto j = steady_job(1, 0, 10);
  add_log(*j, 0, RankState::failed, launched + 30);
  const JobRow row = row_of(j, launched + 40);
  CHECK(row.status == JobStatus::failed);
  CHECK(row.state_reason == "1 rank failed and no rank is left to run: relaunch to finish");
  CHECK(row.needs_relaunch());
}
