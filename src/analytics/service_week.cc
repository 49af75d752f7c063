// The service sections of ComputeWeek: data quality, signs and forecast accuracy
// (analytics/week_internal.h).
#include <algorithm>
#include <set>

#include "analytics/week_internal.h"
#include "forecast/backtest.h"

namespace pg::analytics::week_internal {
namespace {

// --- Data quality ---

// A facility's known time and its silent runs in the week.
struct Gaps {
  double coverage = 0;  // Σ coverage of its slots
  int periods = 0;      // silent runs of at least silent_after
  double hours = 0;     // in those runs
};

// The silent runs of one facility: from the week's start, between known slots, and to the week's
// end, counted when at least `min_run` long.
Gaps SilentGaps(Rollups rollups, const Week& week, std::chrono::minutes min_run) {
  const int64_t slot_ms = std::chrono::duration_cast<Milliseconds>(kSlot).count();
  const int64_t min_run_ms = std::chrono::duration_cast<Milliseconds>(min_run).count();
  Gaps g;
  int64_t run_start = ToUnixMillis(week.start);
  auto close_run = [&](int64_t until) {
    if (until - run_start >= min_run_ms) {
      ++g.periods;
      g.hours += static_cast<double>(until - run_start) / kMsPerHour;
    }
  };
  for (const auto* r : rollups) {
    g.coverage += r->coverage;
    if (r->coverage <= 0) continue;  // part of a silent run
    int64_t t = ToUnixMillis(r->start);
    close_run(t);
    run_start = t + slot_ms;
  }
  close_run(ToUnixMillis(week.end));
  return g;
}

// Each facility's silent runs and frozen counts; the worst facilities. Returns the gaps by id.
std::map<std::string, Gaps> AddFacilityQuality(const WeekScope& s, DataQuality& q) {
  std::map<std::string, Gaps> gaps;
  for (const auto& [id, f] : s.facilities) {
    const Gaps g = SilentGaps(s.RollupsOf(id), s.week, s.options.silent_after);
    if (auto frozen = Frozen(s.RollupsOf(id), s.options.frozen_after)) {
      frozen->id = id;
      q.frozen.push_back(*frozen);
    }
    gaps[id] = g;
    if (g.periods > 0)
      q.worst_facilities.push_back({id, g.periods, g.hours, 1 - g.coverage / s.slots});
    q.facility_silent_periods += g.periods;
    q.facility_silent_hours += g.hours;
  }
  std::stable_sort(q.frozen.begin(), q.frozen.end(),
                   [](const auto& a, const auto& b) { return a.frozen_hours > b.frozen_hours; });
  std::stable_sort(q.worst_facilities.begin(), q.worst_facilities.end(),
                   [](const auto& a, const auto& b) { return a.silent_hours > b.silent_hours; });
  if (q.worst_facilities.size() > static_cast<size_t>(s.options.top_n)) {
    q.worst_facilities.resize(static_cast<size_t>(s.options.top_n));
  }
  return gaps;
}

// The scope's facilities a source may write: its scope's facilities, operators and bays.
std::set<std::string> FacilitiesOfSource(const model::Source& source, const WeekScope& s) {
  const auto& scope = source.scope;
  std::set<std::string> covered;
  for (const auto& [id, f] : s.facilities) {
    if (scope.all || std::ranges::find(scope.facilities, f->id) != scope.facilities.end() ||
        std::ranges::find(scope.operators, f->operator_name) != scope.operators.end()) {
      covered.insert(id);
    }
  }
  for (const auto& b : scope.bays) {
    if (const auto* bay = s.registry.FindBay(b);
        bay && s.facilities.contains(bay->facility.str())) {
      covered.insert(bay->facility.str());
    }
  }
  return covered;
}

// Adds `v` to `total` when it is known (a counter the week has).
void AddKnown(std::optional<int64_t>& total, const std::optional<int64_t>& v) {
  if (v) total = total.value_or(0) + *v;
}

// Each source's uptime and silent runs over the facilities it covers, and its anomaly and
// drift-correction counters; the counters' totals.
Status AddSourceQuality(const WeekScope& s, const std::map<std::string, Gaps>& gaps,
                        DataQuality& q) {
  for (const auto& source : s.registry.sources()) {
    const std::set<std::string> covered = FacilitiesOfSource(source, s);
    if (covered.empty()) continue;
    SourceQuality sq;
    sq.source = source.id.str();
    double coverage = 0;
    for (const auto& id : covered) {
      const Gaps& g = gaps.at(id);
      coverage += g.coverage;
      sq.silent_periods += g.periods;
      sq.silent_hours += g.hours;
    }
    sq.facilities = static_cast<int>(covered.size());
    const std::string counter = "source." + sq.source;
    PG_ASSIGN_OR_RETURN(sq.anomalies,
                        s.counters.CounterSum(counter + ".anomalies", s.week.start, s.week.end));
    PG_ASSIGN_OR_RETURN(sq.corrections,
                        s.counters.CounterSum(counter + ".corrections", s.week.start, s.week.end));
    AddKnown(q.anomalies, sq.anomalies);
    AddKnown(q.corrections, sq.corrections);
    sq.uptime = coverage / (s.slots * static_cast<double>(covered.size()));
    q.sources.push_back(std::move(sq));
  }
  return Status::Ok();
}

// Refused ingest messages received in the week, in all and by channel.
Status AddDeadLetters(const WeekScope& s, DataQuality& q) {
  PG_ASSIGN_OR_RETURN(auto letters, s.dead_letters.LoadDeadLetters(10'000));
  for (const auto& l : letters) {
    if (l.received >= s.week.start && l.received < s.week.end) {
      ++q.dead_letters;
      ++q.dead_letters_by_channel[l.channel];
    }
  }
  return Status::Ok();
}

// --- Signs ---

// Adds to `hours` each spell of the week a sign was offline, from its fault log (its state at
// the week's start, then each offline and online record in it).
Status AddOfflineHours(store::SignHistoryReader& store, const model::SignId& sign, const Week& week,
                       double& hours) {
  PG_ASSIGN_OR_RETURN(auto before, store.SignFaultAt(sign, week.start));
  bool offline = before && before->kind == "offline";
  Timestamp since = week.start;
  PG_ASSIGN_OR_RETURN(auto faults, store.LoadSignFaults(sign, week.start, week.end, 100'000));
  for (const auto& f : faults) {
    if (f.kind == "offline" && !offline) {
      offline = true;
      since = f.time;
    } else if (f.kind == "online" && offline) {
      offline = false;
      hours += OverlapHours(since, f.time, week.start, week.end);
    }
  }
  if (offline) hours += OverlapHours(since, week.end, week.start, week.end);
  return Status::Ok();
}

// --- Forecast accuracy ---

// The occupancy samples of the scope's facilities over the four weeks before the week and the
// week itself, as a backtest's data set.
Result<datasets::Dataset> ForecastHistory(const WeekScope& s) {
  datasets::Dataset data;
  data.name = s.registry.city().id;
  data.time_zone = s.registry.city().time_zone;
  for (const auto& [id, f] : s.facilities) {
    PG_ASSIGN_OR_RETURN(
        auto samples,
        s.history.LoadOccupancy(f->id, s.week.start - std::chrono::hours(24 * 28), s.week.end));
    if (samples.empty()) continue;
    datasets::RawSeries series;
    series.id = id;
    for (const auto& x : samples) {
      if (x.capacity > 0) series.samples.push_back({x.time, x.occupied, x.capacity});
    }
    data.series.push_back(std::move(series));
  }
  return data;
}

}  // namespace

Status AddDataQuality(const WeekScope& s, DataQuality& q) {
  const std::map<std::string, Gaps> gaps = AddFacilityQuality(s, q);
  PG_RETURN_IF_ERROR(AddSourceQuality(s, gaps, q));
  return AddDeadLetters(s, q);
}

Result<SignFigures> SignWeek(const WeekScope& s) {
  SignFigures sf;
  sf.signs = static_cast<int>(s.registry.signs().size());
  for (const auto& sign : s.registry.signs()) {
    PG_RETURN_IF_ERROR(AddOfflineHours(s.sign_history, sign.id, s.week, sf.offline_hours));
    PG_ASSIGN_OR_RETURN(
        auto shown, s.sign_history.LoadSignDisplays(sign.id, s.week.start, s.week.end, 1'000'000));
    sf.contents_published += static_cast<int64_t>(shown.size());
  }
  sf.uptime = 1 - sf.offline_hours / (s.hours * sf.signs);
  PG_ASSIGN_OR_RETURN(auto overrides, s.sign_history.LoadSignOverrides(nullptr, false, 1'000'000));
  for (const auto& o : overrides) {
    if (o.created >= s.week.start && o.created < s.week.end) ++sf.overrides;
    Timestamp until = o.ended ? std::min(*o.ended, o.expires) : o.expires;
    sf.override_hours += OverlapHours(o.created, until, s.week.start, s.week.end);
  }
  return sf;
}

Result<ForecastAccuracy> ForecastWeek(const WeekScope& s) {
  ForecastAccuracy accuracy;
  PG_ASSIGN_OR_RETURN(datasets::Dataset data, ForecastHistory(s));
  if (data.series.empty()) {
    accuracy.note = "no occupancy history in scope";
    return accuracy;
  }
  forecast::BacktestOptions bo;
  bo.train_until = s.week.start;
  bo.horizons_minutes = s.options.horizons_minutes;
  bo.calendar = "none";
  bo.threads = 1;
  auto report = forecast::RunBacktest(data, bo);
  if (!report.ok()) {
    accuracy.note = report.status().message();
    return accuracy;
  }
  for (const auto& h : report->horizons) {
    if (h.n == 0) continue;
    accuracy.horizons.push_back({h.minutes, h.n, h.model.mae, h.persistence.mae});
  }
  if (accuracy.horizons.empty()) accuracy.note = "no forecast could be scored";
  return accuracy;
}

}  // namespace pg::analytics::week_internal
