#include <catch2/catch.hpp>

#include "jobmon/eta.hpp"

using namespace jobmon;

TEST_CASE("Eta: linear projection matches the reference formula", "[core]") {
  EtaEstimator eta(100);
  eta.set_start(1000);
  eta.add(1100, 25);
  const auto e = eta.linear(1100);
  REQUIRE(e.rate);
  CHECK(*e.rate == Approx(0.25));
  REQUIRE(e.remaining_seconds);
  CHECK(*e.remaining_seconds == Approx(300));
  CHECK(*e.finish_time == Approx(1400));
}

TEST_CASE("Eta: smoothed rate follows a steady rate", "[core]") {
  EtaEstimator eta(1000);
  eta.set_start(0);
  for (int i = 1; i <= 100; ++i) eta.add(i * 10.0, i * 5.0);  // 0.5 units/s
  const auto e = eta.smoothed(1000);
  REQUIRE(e.rate);
  CHECK(*e.rate == Approx(0.5).epsilon(0.01));
  CHECK(*e.remaining_seconds == Approx(1000).epsilon(0.01));
  CHECK_FALSE(e.stalled);
}

TEST_CASE("Eta: smoothed rate reacts to a slowdown faster than the linear one", "[core]") {
  EtaEstimator eta(1000);
  eta.set_start(0);
  double t = 0, done = 0;
  for (int i = 0; i < 50; ++i) eta.add(t += 10, done += 10);  // 1/s
  for (int i = 0; i < 20; ++i) eta.add(t += 10, done += 1);   // 0.1/s
  const auto smooth = eta.smoothed(t);
  const auto lin = eta.linear(t);
  REQUIRE(smooth.rate);
  REQUIRE(lin.rate);
  CHECK(*smooth.rate < *lin.rate);
  CHECK(*smooth.rate < 0.5);
}

TEST_CASE("Eta: a stalled job's ETA grows instead of freezing", "[core]") {
  EtaEstimator eta(100);
  eta.set_start(0);
  for (int i = 1; i <= 10; ++i) eta.add(i * 60.0, i);  // one unit a minute
  const auto soon = eta.smoothed(600 + 30);
  const auto later = eta.smoothed(600 + 3600);
  const auto much_later = eta.smoothed(600 + 7200);
  REQUIRE(soon.remaining_seconds);
  REQUIRE(later.remaining_seconds);
  CHECK(*later.remaining_seconds > *soon.remaining_seconds);
  CHECK(*much_later.remaining_seconds > *later.remaining_seconds);
  CHECK_FALSE(soon.stalled);
  CHECK(later.stalled);
  CHECK(later.seconds_since_progress == Approx(3600));
}

TEST_CASE("Eta: an ETA exists from one batch of completion times", "[core]") {
  EtaEstimator eta(10);
  eta.set_start(0);
  eta.add_completions({100, 200, 300});
  const auto e = eta.smoothed(300);
  REQUIRE(e.rate);
  CHECK(*e.rate == Approx(0.01).epsilon(0.05));
  CHECK(*e.remaining_seconds == Approx(700).epsilon(0.05));
}

TEST_CASE("Eta: simultaneous completions count as one batch", "[core]") {
  EtaEstimator eta(10);
  eta.set_start(0);
  eta.add_completions({50, 50, 50, 50, 50});
  CHECK(eta.done() == 5);
  const auto e = eta.smoothed(50);
  REQUIRE(e.rate);
  CHECK(*e.rate == Approx(0.1));
}

TEST_CASE("Eta: done, unknown and bad samples", "[core]") {
  EtaEstimator done(5);
  done.set_start(0);
  done.add(10, 5);
  CHECK(*done.smoothed(100).remaining_seconds == 0);
  CHECK(*done.smoothed(100).finish_time == 10);

  EtaEstimator nothing(5);
  CHECK_FALSE(nothing.smoothed(100).remaining_seconds);
  CHECK_FALSE(nothing.linear(100).rate);

  EtaEstimator bad(5);
  bad.set_start(0);
  bad.add(10, 2);
  bad.add(5, 3);     // going back in time: ignored
  bad.add(20, 1);    // less done: ignored
  bad.add(std::numeric_limits<double>::quiet_NaN(), 4);
  CHECK(bad.done() == 2);
}

TEST_CASE("Eta: a burst of completions is one arrival, so a quiet spell as long as usual is no stall", "[core]") {
  // 64 partitions finish an operation within 64 s after 30 min of work; the
  // next operation has run 12 min. Counted one by one, the burst made the
  // usual wait look like a second and the ETA grew to 12 h.
  EtaEstimator eta(128);
  eta.set_start(0);
  for (int p = 0; p < 64; ++p) eta.add(1800.0 + p, p + 1.0);
  const double now = 1863 + 720;
  const auto e = eta.smoothed(now);
  REQUIRE(e.rate);
  CHECK(*e.rate == Approx(64.0 / 1863).epsilon(0.02));
  REQUIRE(e.remaining_seconds);
  CHECK(*e.remaining_seconds == Approx(1863).epsilon(0.02));
  CHECK_FALSE(e.stalled);
  // Silent for ten such cycles: stalled all the same.
  CHECK(eta.smoothed(1863 + 10 * 1863).stalled);
}

TEST_CASE("Eta: a steady flow is not merged into one arrival", "[core]") {
  EtaEstimator eta(1000);
  eta.set_start(0);
  for (int i = 1; i <= 600; ++i) eta.add(i * 0.5, i);  // 2 units/s for 300 s
  const auto e = eta.smoothed(300);
  REQUIRE(e.rate);
  CHECK(*e.rate == Approx(2).epsilon(0.05));
  // A few minutes of silence is long for this job: its ETA grows, and past
  // min_stall_seconds it is stalled.
  const auto later = eta.smoothed(300 + 300);
  REQUIRE(later.remaining_seconds);
  CHECK(*later.remaining_seconds > 2 * *e.remaining_seconds);
  CHECK_FALSE(later.stalled);
  CHECK(eta.smoothed(300 + 700).stalled);
}

TEST_CASE("Eta: a burst spread over minutes is still one arrival", "[core]") {
  // 64 partitions finish a 30-minute operation over 5 minutes (every ~4.7 s).
  EtaEstimator eta(128);
  eta.set_start(0);
  for (int p = 0; p < 64; ++p) eta.add(1800.0 + p * 300.0 / 63, p + 1.0);
  for (double quiet : {120.0, 720.0, 1500.0}) {
    const auto e = eta.smoothed(2100 + quiet);
    INFO("quiet for " << quiet << " s");
    REQUIRE(e.remaining_seconds);
    CHECK(*e.remaining_seconds == Approx(2100).epsilon(0.05));
    CHECK_FALSE(e.stalled);
  }
}

TEST_CASE("Eta: a long steady run that stops is stalled as soon as a short one", "[core]") {
  // One unit a minute for 24 h: every arrival is its own; none merge, however
  // long the run, so the usual gap stays a minute.
  EtaEstimator eta(10000);
  eta.set_start(0);
  for (int i = 1; i <= 1440; ++i) eta.add(i * 60.0, i);
  const double last = 1440 * 60.0;
  const auto now = eta.smoothed(last);
  const auto quiet_2h = eta.smoothed(last + 7200);
  REQUIRE(now.remaining_seconds);
  REQUIRE(quiet_2h.remaining_seconds);
  CHECK(*now.remaining_seconds == Approx((10000 - 1440) * 60.0).epsilon(0.02));
  CHECK(*quiet_2h.remaining_seconds > 10 * *now.remaining_seconds);
  CHECK_FALSE(eta.smoothed(last + 300).stalled);
  CHECK(eta.smoothed(last + 700).stalled);
}
