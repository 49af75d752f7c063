#include <date/tz.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "forecast/backtest.h"
#include "forecast/baselines.h"
#include "forecast/calendar.h"
#include "forecast/calibration.h"
#include "forecast/datasets.h"
#include "forecast/model.h"
#include "forecast/series.h"

namespace pg::forecast {
namespace {

const date::time_zone& Shanghai() { return **LookupTimeZone("Asia/Shanghai"); }
Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

// A synthetic car park: a known daily curve per day type plus AR(1) noise (5-minute steps).
struct Synthetic {
  double Curve(DayType t, int slot_of_day) const {
    double h = slot_of_day / 12.0;
    double day = std::exp(-0.5 * std::pow((h - 13) / 3.0, 2));
    double amp = t == DayType::kWeekday ? 0.7 : t == DayType::kSaturday ? 0.45 : 0.25;
    return 0.15 + amp * day;
  }
  std::vector<Sample> Make(Timestamp start, int days, int capacity, double noise_sd, double ar,
                           const TimeIndex& index, uint64_t seed) const {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> n(0, noise_sd);
    std::vector<Sample> out;
    double e = 0;
    int64_t first = SlotOf(start);
    auto info = index.Range(first, static_cast<int64_t>(days) * kSlotsPerDay);
    for (size_t i = 0; i < info.size(); ++i) {
      e = ar * e + n(rng);
      double share = std::clamp(Curve(info[i].day_type, info[i].slot_of_day) + e, 0.0, 1.0);
      out.push_back({SlotTime(first + static_cast<int64_t>(i)),
                     static_cast<int>(std::lround(share * capacity)), capacity});
    }
    return out;
  }
};

// ---------------------------------------------------------------------------------- calendar

TEST(HolidayCalendar, ChineseHolidaysAndMakeUpDays) {
  auto cal = HolidayCalendar::Builtin("cn");
  ASSERT_TRUE(cal.ok()) << cal.status().ToString();
  // Dragon Boat Festival 2018: Monday 18 June is a holiday.
  EXPECT_EQ(cal->TypeOf(2018, 6, 18), DayType::kSundayOrHoliday);
  EXPECT_EQ(cal->TypeOf(2018, 6, 19), DayType::kWeekday);
  // National Day 2018: Saturday 29 September is worked.
  EXPECT_EQ(cal->TypeOf(2018, 9, 29), DayType::kWeekday);
  EXPECT_EQ(cal->TypeOf(2018, 10, 3), DayType::kSundayOrHoliday);
  EXPECT_EQ(cal->TypeOf(2018, 6, 23), DayType::kSaturday);
  EXPECT_EQ(cal->TypeOf(2018, 6, 24), DayType::kSundayOrHoliday);
  // Covers 2016 to 2027.
  EXPECT_EQ(cal->TypeOf(2016, 2, 8), DayType::kSundayOrHoliday);
  EXPECT_EQ(cal->TypeOf(2027, 2, 8), DayType::kSundayOrHoliday);
  // Every make-up working day falls on a weekend, every listed day is a real date.
  int workdays = 0;
  for (int32_t d = DaysFromCivil(2016, 1, 1); d <= DaysFromCivil(2027, 12, 31); ++d) {
    const auto* e = cal->Find(d);
    if (e && e->kind == HolidayCalendar::Kind::kWorkday) {
      ++workdays;
      EXPECT_GE(WeekdayOfDay(d), 5) << d;
    }
  }
  EXPECT_GT(workdays, 50);
}

TEST(HolidayCalendar, NoneUsesWeekdaysOnly) {
  auto cal = HolidayCalendar::Builtin("none");
  ASSERT_TRUE(cal.ok());
  EXPECT_EQ(cal->TypeOf(2018, 6, 18), DayType::kWeekday);
  EXPECT_FALSE(HolidayCalendar::Builtin("xx").ok());
  EXPECT_EQ(BuiltinCalendarForZone("Asia/Shanghai"), "cn");
  EXPECT_EQ(BuiltinCalendarForZone("Europe/Berlin"), "none");
}

TEST(HolidayCalendar, CityEditsItsOwnCsv) {
  auto cal = HolidayCalendar::FromCsv(
      "# a city's own list\ndate,kind,name\n2026-12-24,holiday,Christmas Eve, by decree\n"
      "2026-12-26,workday,make-up\n");
  ASSERT_TRUE(cal.ok()) << cal.status().ToString();
  EXPECT_EQ(cal->TypeOf(2026, 12, 24), DayType::kSundayOrHoliday);
  EXPECT_EQ(cal->TypeOf(2026, 12, 26), DayType::kWeekday);
  EXPECT_EQ(cal->Find(DaysFromCivil(2026, 12, 24))->name, "Christmas Eve, by decree");
  for (const char* bad : {"2026-13-01,holiday\n", "2026-12-24,feast\n", "24/12/2026,holiday\n",
                          "2026-12-24,holiday\n2026-12-24,workday\n"}) {
    auto r = HolidayCalendar::FromCsv(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(TimeIndex, LocalSlotsFollowTheZoneAndCalendar) {
  TimeIndex index(Shanghai(), *HolidayCalendar::Builtin("cn"));
  auto info = index.Info(SlotOf(T("2018-06-18T08:30:00+08:00")));
  EXPECT_EQ(info.slot_of_day, 8 * 12 + 6);
  EXPECT_EQ(info.weekday, 0);
  EXPECT_EQ(info.day_type, DayType::kSundayOrHoliday);
  TimeIndex london(**LookupTimeZone("Europe/London"), HolidayCalendar());
  // 08:00 local on both sides of the 2016-10-30 clock change.
  EXPECT_EQ(london.Info(SlotOf(T("2016-10-29T07:00:00Z"))).slot_of_day, 96);
  EXPECT_EQ(london.Info(SlotOf(T("2016-10-31T08:00:00Z"))).slot_of_day, 96);
}

// -------------------------------------------------------------------------------------- grid

TEST(BuildGrid, InterpolatesTruthAndHoldsKnownWithoutLookingAhead) {
  std::vector<Sample> s = {{T("2026-01-01T00:00:00Z"), 10, 100},
                           {T("2026-01-01T00:30:00Z"), 40, 100}};
  GridSeries g = BuildGrid("x", s, {Minutes(60), Minutes(0), Seconds(60)});
  ASSERT_EQ(g.first_slot, SlotOf(T("2026-01-01T00:00:00Z")));
  EXPECT_FLOAT_EQ(g.Truth(g.first_slot), 0.10f);
  EXPECT_NEAR(g.Truth(g.first_slot + 3), 0.25f, 1e-6);  // 00:15, halfway
  EXPECT_FLOAT_EQ(g.Known(g.first_slot + 3), 0.10f);    // only the 00:00 reading is known
  EXPECT_TRUE(g.Fresh(g.first_slot));
  EXPECT_FALSE(g.Fresh(g.first_slot + 3));
  EXPECT_TRUE(g.Fresh(g.first_slot + 6));
  EXPECT_FLOAT_EQ(g.Known(g.first_slot + 6), 0.40f);
}

TEST(BuildGrid, GapsBeyondTheLimitStayMissing) {
  std::vector<Sample> s = {{T("2026-01-01T00:00:00Z"), 10, 100},
                           {T("2026-01-01T03:00:00Z"), 40, 100}};
  GridSeries g = BuildGrid("x", s, {Minutes(60), Minutes(0), Seconds(60)});
  EXPECT_TRUE(IsMissing(g.Truth(g.first_slot + 18)));
  EXPECT_FALSE(IsMissing(g.Known(g.first_slot + 12)));  // 60 minutes old: still known
  EXPECT_TRUE(IsMissing(g.Known(g.first_slot + 13)));
}

TEST(BuildGrid, ClampsCountsAndDropsDuplicatesAndFrozenRuns) {
  std::vector<Sample> s;
  Timestamp t0 = T("2026-01-01T00:00:00Z");
  s.push_back({t0, 120, 100});              // above capacity
  s.push_back({t0 + Minutes(5), -4, 100});  // negative
  s.push_back({t0 + Minutes(5), 5, 100});   // same instant: the later wins
  for (int i = 2; i < 2 + 12 * 13; ++i) s.push_back({t0 + Minutes(5 * i), 33, 100});  // 13 h frozen
  s.push_back({t0 + Minutes(5 * 200), 34, 100});
  GridSeries g = BuildGrid("x", s, {Minutes(30), Minutes(12 * 60), Seconds(60)});
  EXPECT_EQ(g.stats.above_capacity, 1);
  EXPECT_EQ(g.stats.duplicates, 1);
  EXPECT_EQ(g.stats.negative, 0);  // replaced by the later reading before clamping
  EXPECT_EQ(g.stats.frozen, 12 * 13);
  EXPECT_FLOAT_EQ(g.Truth(g.first_slot), 1.0f);
  EXPECT_FLOAT_EQ(g.Truth(g.first_slot + 1), 0.05f);
  EXPECT_TRUE(IsMissing(g.Truth(g.first_slot + 50)));
  // A live reader cannot know a run is frozen before it has lasted 12 h: known until then.
  EXPECT_FLOAT_EQ(g.Known(g.first_slot + 50), 0.33f);
  EXPECT_TRUE(g.Fresh(g.first_slot + 50));
  EXPECT_FLOAT_EQ(g.Known(g.first_slot + 2 + 12 * 12 - 1), 0.33f);
  EXPECT_TRUE(IsMissing(g.Known(g.first_slot + 2 + 12 * 12 + 12)));  // 13 h in: an outage
  EXPECT_FALSE(g.Fresh(g.first_slot + 2 + 12 * 12 + 12));
}

// ------------------------------------------------------------------------ profile, baselines

TEST(Profile, LeaveOneOutEqualsRefittingWithoutTheSlot) {
  TimeIndex index(Shanghai(), HolidayCalendar());
  Synthetic syn;
  auto samples = syn.Make(T("2026-03-02T00:00:00+08:00"), 10, 200, 0.03, 0.9, index, 7);
  GridSeries g = BuildGrid("x", samples, {});
  auto info = index.Range(g.first_slot, static_cast<int64_t>(g.truth.size()));
  Profile p = Profile::Fit(g, info, g.first_slot, g.end_slot());
  // Reference: blank slot k's whole window contribution by refitting on a copy where slot k is
  // the centre of no window — equivalently, the profile of the other days at that slot.
  for (int64_t k : {g.first_slot + 100, g.first_slot + 2000, g.first_slot + 2500}) {
    GridSeries copy = g;
    const auto& si = info[k - g.first_slot];
    // Remove the day of k at that slot and its window neighbours from the class (k ± 2).
    for (int j = -2; j <= 2; ++j) copy.truth[k + j - g.first_slot] = kMissing;
    Profile ref = Profile::Fit(copy, info, g.first_slot, g.end_slot());
    // Neighbouring classes also lose those values in the reference, so compare at k's class
    // only through the leave-one-out formula's own definition: the centre window removed.
    float loo = p.LeaveOneOut(g, info, k);
    EXPECT_NEAR(loo, ref.At(si.day_type, si.slot_of_day), 0.02) << k;
    EXPECT_NE(loo, p.At(si.day_type, si.slot_of_day));
  }
}

TEST(HistoricalAverage, IsTheMeanOfTheSameTimeOfWeek) {
  TimeIndex index(Shanghai(), HolidayCalendar());
  Synthetic syn;
  auto samples = syn.Make(T("2026-03-02T00:00:00+08:00"), 21, 100, 0.05, 0.5, index, 3);
  GridSeries g = BuildGrid("x", samples, {});
  auto info = index.Range(g.first_slot, static_cast<int64_t>(g.truth.size()));
  HistoricalAverage h = HistoricalAverage::Fit(g, info, g.first_slot, g.end_slot());
  // Reference: plain loop over the three Mondays at 09:00.
  int64_t monday9 = SlotOf(T("2026-03-02T09:00:00+08:00"));
  double ref =
      (g.Truth(monday9) + g.Truth(monday9 + kSlotsPerWeek) + g.Truth(monday9 + 2 * kSlotsPerWeek)) /
      3;
  EXPECT_NEAR(h.At(0, 9 * 12), ref, 1e-6);
}

TEST(Hsl, FollowsTheReferenceArithmetic) {
  // Three weeks where free spaces fall by 10 every 5 minutes after 08:00; now it is 08:00.
  std::vector<Sample> s;
  Timestamp now = T("2026-03-23T08:00:00+08:00");
  for (int w = 3; w >= 1; --w) {
    for (int i = -24; i <= 12; ++i) {
      int occ = i <= 0 ? 100 : 100 + 10 * i;
      s.push_back({now - std::chrono::hours(24 * 7 * w) + Minutes(5 * i), occ, 500});
    }
  }
  for (int i = -24; i <= 0; ++i) s.push_back({now + Minutes(5 * i), 200, 500});
  GridSeries g = BuildGrid("x", s, {Minutes(30), Minutes(0), Seconds(60)});
  // 30 minutes ahead: each reference week lost 60 free spaces; the recent level is flat as in
  // the reference weeks (multiplier 1), so 300 free − 60 = 240 free, 260 occupied.
  EXPECT_NEAR(HslForecast(g, SlotOf(now), 6), 260.0 / 500, 1e-6);
  // No reference week: persistence.
  GridSeries recent = BuildGrid("y", {{now, 200, 500}}, {});
  EXPECT_NEAR(HslForecast(recent, SlotOf(now), 6), 0.4, 1e-6);
  EXPECT_NEAR(PersistenceForecast(g, SlotOf(now)), 0.4, 1e-6);
}

TEST(ProbabilityBelow, MatchesCountingResiduals) {
  std::vector<float> residuals;
  for (int i = 0; i <= 100; ++i) residuals.push_back(static_cast<float>(i) / 100 - 0.5f);
  // 101 evenly spaced residuals are their own quantiles.
  for (double x : {-0.6, -0.25, 0.0, 0.3, 0.6}) {
    double count = 0;
    for (float r : residuals) count += r < x ? 1 : 0;
    double ref = std::clamp((count - 0.5) / 100, 0.0, 1.0);
    EXPECT_NEAR(ProbabilityBelow(residuals, 0.0, x), ref, 0.011) << x;
  }
}

TEST(CalibrationMap, IsMonotoneAndFixesASystematicBias) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::pair<float, float>> pairs;
  for (int i = 0; i < 20000; ++i) {
    double p = u(rng);
    double truth = p * p;  // the raw probability is too high
    pairs.emplace_back(static_cast<float>(p), u(rng) < truth ? 1.0f : 0.0f);
  }
  CalibrationMap m = CalibrationMap::Fit(pairs);
  ASSERT_FALSE(m.empty());
  double prev = -1;
  for (double p = 0; p <= 1.0; p += 0.05) {
    double c = m.Apply(p);
    EXPECT_GE(c, prev);
    prev = c;
  }
  EXPECT_NEAR(m.Apply(0.5), 0.25, 0.05);
  EXPECT_NEAR(m.Apply(0.9), 0.81, 0.05);
  EXPECT_TRUE(CalibrationMap::Fit({{0.5f, 1.0f}}).empty());
}

// ------------------------------------------------------------------------------------ model

class SyntheticModelTest : public ::testing::Test {
 protected:
  SyntheticModelTest() : index_(Shanghai(), *HolidayCalendar::Builtin("cn")) {
    samples_ = syn_.Make(T("2026-03-02T00:00:00+08:00"), 42, 400, 0.012, 0.97, index_, 5);
    grid_ = BuildGrid("syn", samples_, {});
    cut_ = grid_.first_slot + 35 * kSlotsPerDay;
  }
  Synthetic syn_;
  TimeIndex index_;
  std::vector<Sample> samples_;
  GridSeries grid_;
  int64_t cut_ = 0;
};

TEST_F(SyntheticModelTest, RecoversTheSeasonalProfile) {
  auto m = SeriesModel::Train(grid_, index_, grid_.first_slot, cut_, {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind(), ModelKind::kFull);
  // AR(1) noise of 0.012 per step with φ 0.97 has a stationary sd of about 0.05; 25 weekdays
  // average it to about 0.01, five Saturdays or Sundays to about 0.022.
  for (DayType t : {DayType::kWeekday, DayType::kSaturday, DayType::kSundayOrHoliday}) {
    double sum = 0, worst = 0;
    int n = 0;
    for (int s = 0; s < kSlotsPerDay; ++s) {
      double e = std::fabs(m->profile().At(t, s) - syn_.Curve(t, s));
      sum += e;
      worst = std::max(worst, e);
      ++n;
    }
    const bool weekday = t == DayType::kWeekday;
    EXPECT_LT(sum / n, weekday ? 0.015 : 0.035) << Name(t);
    EXPECT_LT(worst, weekday ? 0.04 : 0.09) << Name(t);
  }
}

TEST_F(SyntheticModelTest, AForecastDoesNotChangeWhenDataAfterItsOriginChanges) {
  auto m = SeriesModel::Train(grid_, index_, grid_.first_slot, cut_, {});
  ASSERT_TRUE(m.ok());
  std::mt19937_64 rng(11);
  for (int64_t origin = cut_ + 7; origin < cut_ + 4 * kSlotsPerDay; origin += 97) {
    const Timestamp at = SlotTime(origin);
    auto held = samples_;  // the origin's reading repeated for 13 h: frozen, seen afterwards
    auto noisy = samples_;
    int origin_count = 0;
    for (const Sample& x : samples_) {
      if (x.time <= at) origin_count = x.occupied;
    }
    for (size_t i = 0; i < samples_.size(); ++i) {
      if (samples_[i].time <= at) continue;
      if (samples_[i].time - at <= std::chrono::hours(13)) held[i].occupied = origin_count;
      noisy[i].occupied = static_cast<int>(rng() % 401);
    }
    for (const auto& changed : {held, noisy}) {
      const GridSeries g = BuildGrid("syn", changed, {});
      for (int h : {15, 30, 60, 120}) {
        const Prediction a = m->Predict(grid_, index_, origin, h);
        const Prediction b = m->Predict(g, index_, origin, h);
        EXPECT_EQ(a.share, b.share) << origin << " +" << h;
        EXPECT_EQ(a.p_free, b.p_free) << origin << " +" << h;
        EXPECT_EQ(a.low, b.low) << origin << " +" << h;
        EXPECT_EQ(a.high, b.high) << origin << " +" << h;
      }
    }
  }
}

TEST_F(SyntheticModelTest, BeatsTheBaselinesOutOfSampleAndStaysInBounds) {
  auto m = SeriesModel::Train(grid_, index_, grid_.first_slot, cut_, {});
  ASSERT_TRUE(m.ok());
  auto info = index_.Range(grid_.first_slot, static_cast<int64_t>(grid_.truth.size()));
  HistoricalAverage ha = HistoricalAverage::Fit(grid_, info, grid_.first_slot, cut_);
  for (int h : {15, 60}) {
    double em = 0, ep = 0, ea = 0;
    int n = 0;
    for (int64_t t = cut_; t + h / 5 < grid_.end_slot(); ++t) {
      const int64_t target = t + h / 5;
      if (IsMissing(grid_.Truth(target))) continue;
      Prediction p = m->Predict(grid_, index_, t, h);
      ASSERT_GE(p.share, 0.0);
      ASSERT_LE(p.share, 1.0);
      ASSERT_GE(p.p_free, 0.0);
      ASSERT_LE(p.p_free, 1.0);
      ASSERT_LE(p.low, p.high + 1e-9);
      double y = grid_.Truth(target);
      em += std::fabs(p.share - y);
      ep += std::fabs(grid_.Known(t) - y);
      const auto& ti = info[target - grid_.first_slot];
      ea += std::fabs(ha.At(ti.weekday, ti.slot_of_day) - y);
      ++n;
    }
    EXPECT_LT(em, ep) << h;
    EXPECT_LT(em, ea) << h;
    EXPECT_GT(n, 1500);
  }
  // The fitted decay: the weight on the current deviation shrinks with the horizon.
  const auto& fits = m->horizons();
  ASSERT_EQ(fits.size(), 5u);
  EXPECT_TRUE(fits[0].fitted);
  double early = fits[0].coef[1] + fits[0].coef[2] + fits[0].coef[3] + fits[0].coef[4];
  double late = fits[4].coef[1] + fits[4].coef[2] + fits[4].coef[3] + fits[4].coef[4];
  EXPECT_GT(early, late);
  EXPECT_GT(early, 0.8);
}

TEST_F(SyntheticModelTest, IsDeterministicAndSurvivesJson) {
  auto a = SeriesModel::Train(grid_, index_, grid_.first_slot, cut_, {});
  auto b = SeriesModel::Train(grid_, index_, grid_.first_slot, cut_, {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->ToJson(), b->ToJson());
  auto c = SeriesModel::FromJson(a->ToJson());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  for (int h : {5, 20, 30, 120, 300}) {
    Prediction pa = a->Predict(grid_, index_, cut_ + 40, h);
    Prediction pc = c->Predict(grid_, index_, cut_ + 40, h);
    EXPECT_NEAR(pa.share, pc.share, 1e-5) << h;
    EXPECT_NEAR(pa.p_free, pc.p_free, 1e-5) << h;
  }
  EXPECT_EQ(SeriesModel::FromJson("{}").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(SeriesModel::FromJson("not json").status().code(), StatusCode::kDataLoss);
}

TEST_F(SyntheticModelTest, HandlesGapsInHistory) {
  // Two missing days in training and a missing hour just before the origin.
  std::vector<Sample> s;
  for (const Sample& x : samples_) {
    int64_t k = SlotOf(x.time);
    bool gap =
        (k >= grid_.first_slot + 10 * kSlotsPerDay && k < grid_.first_slot + 12 * kSlotsPerDay) ||
        (k >= cut_ + 100 && k < cut_ + 130);
    if (!gap) s.push_back(x);
  }
  GridSeries g = BuildGrid("gappy", s, {});
  auto m = SeriesModel::Train(g, index_, g.first_slot, cut_, {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind(), ModelKind::kFull);
  // From inside the gap nothing is known: the profile answers, not NaN.
  ASSERT_TRUE(IsMissing(g.Known(cut_ + 125)));
  Prediction p = m->Predict(g, index_, cut_ + 125, 30);
  EXPECT_FALSE(std::isnan(p.share));
  EXPECT_NEAR(
      p.share,
      m->profile().At(index_.Info(cut_ + 131).day_type, index_.Info(cut_ + 131).slot_of_day), 1e-6);
}

TEST(SeriesModel, ShortHistoryFallsBackToTheProfileAndNoHistoryFails) {
  TimeIndex index(Shanghai(), HolidayCalendar());
  Synthetic syn;
  auto samples = syn.Make(T("2026-03-02T00:00:00+08:00"), 2, 100, 0.01, 0.9, index, 1);
  GridSeries g = BuildGrid("short", samples, {});
  auto m = SeriesModel::Train(g, index, g.first_slot, g.end_slot(), {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind(), ModelKind::kHistoricalAverage);
  GridSeries empty = BuildGrid("none", {}, {});
  auto none = SeriesModel::Train(empty, index, 0, 1000, {});
  EXPECT_EQ(none.status().code(), StatusCode::kFailedPrecondition);
}

TEST(SeriesModel, AlwaysFullCarParkHasALowChanceOfAFreeSpace) {
  TimeIndex index(Shanghai(), HolidayCalendar());
  std::vector<Sample> s;
  Timestamp t0 = T("2026-03-02T00:00:00+08:00");
  std::mt19937_64 rng(9);
  std::uniform_int_distribution<int> spare(0, 19);
  for (int i = 0; i < 14 * kSlotsPerDay; ++i) {
    // Full 95% of the time, above capacity some of it; a space or two otherwise.
    int r = spare(rng);
    int occ = r == 0 ? 48 : r < 5 ? 53 : 50;
    s.push_back({t0 + Minutes(5 * i), occ, 50});
  }
  GridSeries g = BuildGrid("full", s, {Minutes(30), Minutes(0), Seconds(60)});
  auto m = SeriesModel::Train(g, index, g.first_slot, g.end_slot(), {});
  ASSERT_TRUE(m.ok());
  Prediction p = m->Predict(g, index, g.end_slot() - 1, 30);
  EXPECT_LE(p.share, 1.0);
  EXPECT_GT(p.share, 0.95);
  EXPECT_LT(p.p_free, 0.3);
  EXPECT_GT(p.p_free, 0.0);
}

TEST(SeriesModel, HolidayCalendarMakesAHolidayMondayLookLikeASunday) {
  // Training: two weeks of March 2026; test: Monday 6 April 2026 (Qingming, a holiday).
  Synthetic syn;
  TimeIndex cn(Shanghai(), *HolidayCalendar::Builtin("cn"));
  TimeIndex plain(Shanghai(), HolidayCalendar());
  auto samples = syn.Make(T("2026-03-16T00:00:00+08:00"), 22, 300, 0.004, 0.9, cn, 2);
  int64_t cut = SlotOf(T("2026-04-06T00:00:00+08:00"));
  double err_cn = 0, err_plain = 0;
  for (const TimeIndex* index : {&cn, &plain}) {
    GridSeries g = BuildGrid("h", samples, {});
    auto m = SeriesModel::Train(g, *index, g.first_slot, cut, {});
    ASSERT_TRUE(m.ok());
    double err = 0;
    for (int64_t t = cut + 8 * 12; t < cut + 18 * 12; ++t) {
      err += std::fabs(m->Predict(g, *index, t, 120).share - g.Truth(t + 24));
    }
    (index == &cn ? err_cn : err_plain) = err;
  }
  EXPECT_LT(err_cn, 0.5 * err_plain);
}

// --------------------------------------------------------------------------------- adapters

std::string Fixture(const std::string& name) {
  return std::string(PG_SOURCE_DIR) + "/tests/fixtures/forecast/" + name;
}

TEST(Adapters, LongCsvWithBomCrlfAndQuotedIds) {
  auto d = LoadDataset(Fixture("long.csv"), DataFormat::kLong, "Asia/Shanghai");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->series.size(), 2u);
  EXPECT_EQ(d->series[1].id, "Lot, North");
  EXPECT_EQ(d->series[0].samples[1].time, T("2026-11-28T00:05:00Z"));
  EXPECT_EQ(d->series[1].samples[1].occupied, 7);
  // And back: the long CSV round-trips.
  auto again = ParseLongCsv(ToLongCsv(*d), "Asia/Shanghai");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->series[1].samples[1].time, d->series[1].samples[1].time);
  EXPECT_FALSE(ParseLongCsv("id,when\nF1,x\n", "Asia/Shanghai").ok());
  auto bad = ParseLongCsv("facility_id,time,occupied,capacity\nF1,2026-11-28 08:00,1,2\n", "UTC");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(Adapters, BirminghamLocalTimeDuplicatesAndOutOfRangeCounts) {
  auto d = LoadDataset(Fixture("birmingham.csv"), DataFormat::kBirmingham);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->series.size(), 2u);
  EXPECT_EQ(d->series[1].id, "NIA North");
  const auto& s = d->series[0].samples;
  EXPECT_EQ(s[0].time, T("2016-10-29T07:00:00Z"));  // BST
  EXPECT_EQ(s[4].time, T("2016-10-31T08:00:00Z"));  // GMT
  GridSeries g = BuildGrid("b", s, d->grid);
  EXPECT_EQ(g.stats.duplicates, 1);
  EXPECT_EQ(g.stats.above_capacity, 1);
  GridSeries nia = BuildGrid("n", d->series[1].samples, d->grid);
  EXPECT_EQ(nia.stats.negative, 1);
  EXPECT_FLOAT_EQ(nia.Truth(nia.first_slot), 0.0f);
}

TEST(Adapters, GuangzhouDayFirstWideWithCapacities) {
  auto d = LoadDataset(Fixture("guangzhou/occupancy.csv"), DataFormat::kGuangzhou);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->series.size(), 2u);  // Z9 has no capacity
  EXPECT_EQ(d->series[0].id, "C1");
  EXPECT_EQ(d->series[0].samples[1].time, T("2018-06-02T00:00:00+08:00"));
  EXPECT_EQ(d->series[0].samples[1].capacity, 1000);
  EXPECT_EQ(d->series[1].samples[0].occupied, 230);  // above R2's 220: kept for the grid
  EXPECT_EQ(d->skipped_cells, 3);
  EXPECT_EQ(d->calendar, "cn");
}

TEST(Adapters, ParkApiFreeSpacesCarriedForwardAcrossFiles) {
  auto d = LoadDataset(Fixture("parkapi"), DataFormat::kParkApi);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->series.size(), 2u);  // koeln-parken-X has no capacity
  const RawSeries& a = d->series[0];
  EXPECT_EQ(a.id, "dresden-parken-A");
  // 10:00 60 free; 10:05:01 empty + 10:05:02 58 free are one reading; 10:10 carried.
  ASSERT_EQ(a.samples.size(), 5u);
  EXPECT_EQ(a.samples[0].occupied, 40);
  EXPECT_EQ(a.samples[1].time, T("2020-09-01T10:05:01Z"));
  EXPECT_EQ(a.samples[1].occupied, 42);
  EXPECT_EQ(a.samples[2].occupied, 42);
  EXPECT_EQ(a.samples[3].occupied, 50);  // next file, columns in another order
  const RawSeries& b = d->series[1];
  EXPECT_EQ(b.samples.front().occupied, -5);  // 55 free of 50: clamped later by the grid
  EXPECT_GT(d->carried_forward, 0);
  EXPECT_EQ(d->time_zone, "Europe/Berlin");
}

TEST(Adapters, EvTwoCitiesAndAChangingTotal) {
  auto d = LoadDataset(Fixture("ev"), DataFormat::kEv);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->series.size(), 2u);
  EXPECT_EQ(d->series[0].id, "guangzhou-89451");
  EXPECT_EQ(d->series[0].samples[0].capacity, 29);
  EXPECT_EQ(d->series[0].samples[1].capacity, 28);
  EXPECT_EQ(d->series[1].id, "shenzhen-12201");
  EXPECT_EQ(d->series[1].samples[1].occupied, 4);
  EXPECT_EQ(d->series[1].samples[0].time, T("2021-12-10T00:00:00+08:00"));
  EXPECT_EQ(LoadDataset(Fixture("nope.csv"), DataFormat::kLong).status().code(),
            StatusCode::kNotFound);
  EXPECT_FALSE(ParseDataFormat("wide").ok());
}

// --------------------------------------------------------------------------------- backtest

Dataset SyntheticDataset(int series, uint64_t seed) {
  Synthetic syn;
  TimeIndex index(Shanghai(), *HolidayCalendar::Builtin("cn"));
  Dataset d;
  d.name = "synthetic";
  d.calendar = "cn";
  for (int i = 0; i < series; ++i) {
    d.series.push_back(
        {fmt::format("S{}", i),
         syn.Make(T("2026-03-02T00:00:00+08:00"), 28, 100 + 50 * i, 0.01, 0.97, index, seed + i)});
  }
  return d;
}

TEST(Backtest, ScoresTheModelAndBaselinesOnTheSamePairsDeterministically) {
  Dataset d = SyntheticDataset(3, 40);
  BacktestOptions o;
  o.train_until = T("2026-03-23T00:00:00+08:00");
  o.horizons_minutes = {15, 60};
  auto a = RunBacktest(d, o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->horizons.size(), 2u);
  for (const HorizonResult& h : a->horizons) {
    EXPECT_GT(h.n, 3 * 6 * kSlotsPerDay);
    EXPECT_LT(h.model.mae, h.persistence.mae);
    EXPECT_LT(h.model.mae, h.historical_average.mae);
    EXPECT_LT(h.model.mae, h.hsl.mae);
    EXPECT_LE(h.model.mae, h.model.rmse);
    int64_t binned = 0;
    for (const auto& b : h.reliability) binned += b.n;
    EXPECT_EQ(binned, h.n);
  }
  o.threads = 1;
  auto b = RunBacktest(d, o);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(ReportJson(*a), ReportJson(*b));
  auto j = nlohmann::json::parse(ReportJson(*a));
  EXPECT_EQ(j["dataset"], "synthetic");
  EXPECT_EQ(j["horizons"][0]["minutes"], 15);
  for (const char* k : {"model", "persistence", "historical_average", "hsl"}) {
    EXPECT_TRUE(j["horizons"][1][k]["mae"].is_number()) << k;
    EXPECT_TRUE(j["horizons"][1][k]["rmse"].is_number()) << k;
  }
}

TEST(Backtest, RejectsBadHorizonsAndCutsOutsideTheData) {
  Dataset d = SyntheticDataset(1, 1);
  BacktestOptions o;
  o.train_until = T("2026-03-23T00:00:00+08:00");
  o.horizons_minutes = {7};
  EXPECT_EQ(RunBacktest(d, o).status().code(), StatusCode::kInvalidArgument);
  o.horizons_minutes = {15};
  o.train_until = T("2020-01-01T00:00:00Z");
  EXPECT_EQ(RunBacktest(d, o).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace pg::forecast
