#include "app/forecast_wiring.h"

#include <map>
#include <set>

namespace pg::app {
namespace {

std::string SiteOf(const model::Charger& c) { return c.site.empty() ? c.id.str() : c.site; }

// Busy and known connectors of one site in the snapshot.
std::pair<int, int> SiteCounts(const registry::Registry& registry,
                               const state::LiveSnapshot& snapshot, const std::string& site,
                               Timestamp* newest) {
  int busy = 0, known = 0;
  for (const auto& c : registry.chargers()) {
    if (c.lifecycle != model::Lifecycle::kInService || SiteOf(c) != site) continue;
    auto it = snapshot.chargers.find(c.id.str());
    if (it == snapshot.chargers.end()) continue;
    for (const auto& [id, con] : it->second.connectors) {
      if (id == 0) continue;  // the charger as a whole, not a connector
      ++known;
      if (con.status != model::ChargerStatus::kAvailable) ++busy;
      if (newest && con.updated > *newest) *newest = con.updated;
    }
  }
  return {busy, known};
}

}  // namespace

std::vector<forecast::SeriesKey> ForecastSeries(const registry::Registry& registry) {
  std::vector<forecast::SeriesKey> keys;
  for (const auto& f : registry.facilities()) {
    if (f.capacity.total && *f.capacity.total > 0) {
      keys.push_back({forecast::SeriesKey::Kind::kFacility, f.id.str()});
    }
  }
  std::set<std::string> sites;
  for (const auto& c : registry.chargers()) {
    if (c.lifecycle == model::Lifecycle::kInService) sites.insert(SiteOf(c));
  }
  for (const auto& s : sites) keys.push_back({forecast::SeriesKey::Kind::kChargerSite, s});
  return keys;
}

std::vector<model::ChargerSiteSample> ChargerSiteSamples(const registry::Registry& registry,
                                                         const state::LiveSnapshot& snapshot,
                                                         Timestamp slot) {
  std::map<std::string, std::pair<int, int>> counts;
  for (const auto& c : registry.chargers()) {
    if (c.lifecycle != model::Lifecycle::kInService) continue;
    auto it = snapshot.chargers.find(c.id.str());
    if (it == snapshot.chargers.end()) continue;
    auto& [busy, known] = counts[SiteOf(c)];
    for (const auto& [id, con] : it->second.connectors) {
      if (id == 0) continue;
      ++known;
      if (con.status != model::ChargerStatus::kAvailable) ++busy;
    }
  }
  std::vector<model::ChargerSiteSample> out;
  for (const auto& [site, c] : counts) {
    if (c.second > 0) out.push_back({site, slot, c.first, c.second});
  }
  return out;
}

std::optional<forecast::LiveValue> LiveStateReader::Current(const forecast::SeriesKey& key) const {
  auto reg = live_.registry();
  auto snap = live_.Snapshot();
  const Timestamp now = clock_.Now();
  if (key.kind == forecast::SeriesKey::Kind::kFacility) {
    const model::Facility* f = reg->FindFacility(model::FacilityId(key.id));
    if (!f) return std::nullopt;
    state::FacilityView v = state::ViewFacility(*reg, *snap, *f, now, live_.rules());
    if (!v.occupied || v.capacity <= 0) return std::nullopt;
    return forecast::LiveValue{*v.occupied, v.capacity, v.updated.value_or(now)};
  }
  Timestamp newest{};
  auto [busy, known] = SiteCounts(*reg, *snap, key.id, &newest);
  if (known == 0) return std::nullopt;
  // A charger platform that has gone quiet is as unknown as a stale car park.
  if (now - newest > std::chrono::hours(1)) return std::nullopt;
  return forecast::LiveValue{busy, known, newest};
}

}  // namespace pg::app
