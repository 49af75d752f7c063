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
//   - a bay per street marker, located from either location table, else at the mean position of
//     its zone's located bays (counted); in a zone with no located bay it is left out with its
//     events (counted), and so is the zone; its time limit is the most frequent vio_time −
//     arrival (none when that is not 1 minute to a week);
//   - arrival → an occupied event, departure (same date) → a free event; an arrival in the same
//     minute as the bay's previous departure is stored one second later, because a bay holds one
//     state per instant.
// `shift` moves every time by whole days (a multiple of 7 keeps weekdays), so that sets from
// different years can be replayed into one week.
//
// Thread-safety: functions are reentrant.
#pragma once

#include <chrono>
#include <map>
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
  size_t bays_at_zone_centre = 0;  // in neither location table: placed at their zone's centre
  size_t unlocated_bays = 0;       // left out
  size_t unlocated_events = 0;     // their events, left out
  size_t moved_arrivals = 0;       // arrivals stored a second later (see above)
};

// Reads `directory` (the melbourne-onstreet folder: events/N*.csv and the two location tables).
// Errors: kNotFound for a missing folder; kInvalidArgument naming file and line.
Result<BayEventSet> ReadMelbourneBayEvents(const std::string& directory,
                                           std::chrono::days shift = std::chrono::days(0));

// The store roles a real-data replay writes: the registry entries it brings, and their history.
using ReplayStore =
    store::Roles<store::RegistryReader, store::RegistryWriter, store::OccupancyHistoryWriter>;

// Where the entries a replay registers are, by id — the data sets that have no coordinates
// (Birmingham car parks, EV stations) need them from the operator: a CSV file with a header row
// naming `id`, `lat` and `lon`, and optionally `crs` (wgs84, gcj02, bd09 per row; WGS-84 when
// absent or empty); other columns, a note say, are ignored.
using Locations = std::map<std::string, LatLon>;

// Places come back in WGS-84. Errors: kNotFound; kInvalidArgument naming the file, line and
// column (not a number, out of range, 0,0, an unknown crs, an id listed twice, no row at all).
Result<Locations> ReadLocationsFile(const std::string& path);

// Writes the zones and bays (upsert) and the events. Errors: those of the store.
Status StoreBayEvents(const BayEventSet& set, ReplayStore store);

struct ChargerSiteReport {
  size_t sites = 0;
  size_t registered = 0;  // sites the registry did not have
  size_t samples = 0;
  size_t rollups = 0;
  std::string ToText() const;
};

// Charging sites from an EV occupancy data set: the samples as charger-site occupancy and their
// 5-minute rollups; a station the registry lacks is registered as one charger (its site the
// series id, its connectors the largest `total` seen, its district the city prefix of the id) at
// its place in `locations`. Errors: kFailedPrecondition naming the stations `locations` does not
// place (nothing is written); those of the store.
Result<ChargerSiteReport> StoreChargerSites(const datasets::Dataset& data, ReplayStore store,
                                            const Locations& locations,
                                            std::chrono::days shift = std::chrono::days(0));

// Registers the facilities of replayed readings that the registry does not know yet, with the
// largest capacity seen, in `district`, at their places in `locations`. Returns how many were
// added. Errors: kFailedPrecondition naming the facilities `locations` does not place (nothing is
// written); those of the store.
Result<int> RegisterReplayedFacilities(const std::vector<Reading>& readings,
                                       const std::string& district, const Locations& locations,
                                       store::RegistryStore& store);

}  // namespace pg::ingest
