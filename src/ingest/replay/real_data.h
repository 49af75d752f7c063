// Backfilling the history the weekly report reads from public data sets that are not occupancy
// counts of car parks: the City of Melbourne's on-street bay sensor events
// (../shared/data/melbourne-onstreet) and the Shenzhen/Guangzhou EV-charging station occupancy
// (../shared/data/ev-charging-shenzhen-guangzhou, read by forecast/datasets.h). Each also makes
// the registry entries its history needs (bays with time limits, charging sites), and the
// Birmingham car parks replayed by replay.h can be registered with RegisterReplayedFacilities.
//
// What is done with the Melbourne set's quirks:
//   - a zone (on-street facility) per enforcement area, with no total capacity: the set holds only
//     stays that overstayed, so it says nothing true about occupancy;
//   - a bay per street marker, located from either location table (a bay in neither stays at
//     0,0 and is counted as unlocated); its time limit is the most frequent vio_time − arrival;
//   - arrival → an occupied event, departure (same date) → a free event; an arrival in the same
//     minute as the bay's previous departure is stored one second later, because a bay holds one
//     state per instant.
// `shift` moves every time by whole days (a multiple of 7 keeps weekdays), so that sets from
// different years can be replayed into one week.
//
// Thread-safety: functions are reentrant.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/status.h"
#include "datasets/datasets.h"
#include "ingest/replay/replay.h"
#include "model/city_model.h"
#include "model/history.h"
#include "store/occupancy_history.h"
#include "store/registry_store.h"
#include "store/roles.h"

namespace pg::ingest {

struct BayEventSet {
  std::vector<model::Facility> zones;
  std::vector<model::Bay> bays;
  std::vector<model::BayEvent> events;  // sorted by bay, then time
  size_t rows = 0;
  size_t unlocated_bays = 0;
  size_t moved_arrivals = 0;  // arrivals stored a second later (see above)
};

// Reads `directory` (the melbourne-onstreet folder: events/N*.csv and the two location tables).
// Errors: kNotFound for a missing folder; kInvalidArgument naming file and line.
Result<BayEventSet> ReadMelbourneBayEvents(const std::string& directory,
                                           std::chrono::days shift = std::chrono::days(0));

// The store roles a real-data replay writes: the registry entries it brings, and their history.
using ReplayStore = store::Roles<store::RegistryWriter, store::OccupancyHistoryWriter>;

// Writes the zones and bays (upsert) and the events. Errors: those of the store.
Status StoreBayEvents(const BayEventSet& set, ReplayStore store);

struct ChargerSiteReport {
  size_t sites = 0;
  size_t samples = 0;
  size_t rollups = 0;
  std::string ToText() const;
};

// Charging sites from an EV occupancy data set: one charger per station (its site is the series
// id, its connectors the largest `total` seen, its district the city prefix of the id), the
// samples as charger-site occupancy and their 5-minute rollups. Errors: those of the store.
Result<ChargerSiteReport> StoreChargerSites(const datasets::Dataset& data, ReplayStore store,
                                            std::chrono::days shift = std::chrono::days(0));

// Registers the facilities of replayed readings that the registry does not know yet, with the
// largest capacity seen, in `district`. Returns how many were added. Errors: those of the store.
Result<int> RegisterReplayedFacilities(const std::vector<Reading>& readings,
                                       const std::string& district, store::RegistryStore& store);

}  // namespace pg::ingest
