#include "app/forecast_wiring.h"

#include <set>

namespace pg::app {

std::vector<forecast::SeriesKey> ForecastSeries(const registry::Registry& registry) {
  std::vector<forecast::SeriesKey> keys;
  for (const auto& f : registry.facilities()) {
    if (f.capacity.total && *f.capacity.total > 0) {
      keys.push_back({forecast::SeriesKey::Kind::kFacility, f.id.str()});
    }
  }
  std::set<std::string> sites;
  for (const auto& c : registry.chargers()) {
    if (c.lifecycle == model::Lifecycle::kInService) sites.insert(state::ChargerSiteOf(c));
  }
  for (const auto& s : sites) keys.push_back({forecast::SeriesKey::Kind::kChargerSite, s});
  return keys;
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
  for (const auto& site : state::ChargerSites(*reg, *snap, now, live_.rules())) {
    if (site.site != key.id) continue;
    // Only chargers that may be believed now count (state::ViewCharger): a charger platform
    // that has gone quiet is as unknown as a stale car park.
    if (site.known == 0) return std::nullopt;
    return forecast::LiveValue{site.busy, site.known, site.newest};
  }
  return std::nullopt;
}

}  // namespace pg::app
