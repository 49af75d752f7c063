#include "state/live_metrics.h"

#include <array>
#include <utility>

namespace pg::state {
namespace {

void AppendFacilities(const LiveState& live, const LiveSnapshot& snap, Timestamp now,
                      PrometheusText& out) {
  const auto registry = live.registry();
  std::array<int, 5> by_state{};
  for (const auto& f : registry->facilities()) {
    ++by_state[static_cast<size_t>(ViewFacility(*registry, snap, f, now, live.rules()).state)];
  }
  for (auto st : {OccupancyState::kOpen, OccupancyState::kAlmostFull, OccupancyState::kFull,
                  OccupancyState::kClosed, OccupancyState::kUnknown}) {
    out.Gauge("parkguide_facilities", "Facilities by live state (unknown: no fresh data)",
              by_state[static_cast<size_t>(st)], {{"state", Name(st)}});
  }
}

void AppendSourceOutcomes(const LiveSnapshot& snap, PrometheusText& out) {
  const std::pair<const char*, uint64_t SourceStats::*> counters[] = {
      {"accepted", &SourceStats::accepted},
      {"duplicate", &SourceStats::duplicate},
      {"out_of_order", &SourceStats::out_of_order},
      {"unknown_target", &SourceStats::unknown_target},
      {"clamped_below_zero", &SourceStats::underflow},
      {"clamped_above_capacity", &SourceStats::overflow},
      {"corrections", &SourceStats::corrections},
      // Seqs refused (too far ahead, or beyond 2^53 − 1): since this process started.
      {"seq_refused", &SourceStats::seq_refused},
      {"seq_restart", &SourceStats::seq_restarts}};
  for (const auto& [outcome, member] : counters) {
    for (const auto& src : snap.sources) {
      out.Counter("parkguide_source_observations_total",
                  "Observations per source and outcome since the journal began", src.*member,
                  {{"source", src.id}, {"outcome", outcome}});
    }
  }
}

void AppendSourceHealth(const LiveState& live, const LiveSnapshot& snap, Timestamp now,
                        PrometheusText& out) {
  for (const auto& src : snap.sources) {
    out.Gauge("parkguide_source_silent", "1 when a source has missed its expected interval",
              SourceIsSilent(src, now, live.rules()) ? 1 : 0, {{"source", src.id}});
  }
  for (const auto& src : snap.sources) {
    if (src.last_received == Timestamp{}) continue;
    out.Gauge("parkguide_source_last_received_seconds",
              "Unix time of the source's newest accepted batch",
              static_cast<double>(ToUnixMillis(src.last_received)) / 1000, {{"source", src.id}});
  }
}

}  // namespace

void AppendLiveMetrics(const LiveState& live, Timestamp now, PrometheusText& out) {
  const auto snap = live.Snapshot();
  AppendFacilities(live, *snap, now, out);
  AppendSourceOutcomes(*snap, out);
  AppendSourceHealth(live, *snap, now, out);
}

}  // namespace pg::state
