// The occupancy history's roles: what the city's car parks, bays and charging sites held over
// time. The live side writes it (the state's samples, rollups and status changes, the replays
// of real data, the demo backfill); forecasting, the read API and analytics read it.
//
// Four series, each keyed so that writing the same key again replaces the earlier row (a replay
// may run twice without doubling anything):
//   - facility occupancy samples           (facility, time)
//   - charging-site occupancy samples      (site, time)
//   - rollups of either                    (kind, id, step, start)
//   - bay sensor events, charger status    (bay, time) / (charger, connector, time)
//
// Contract (every implementation): an Append call is one transaction, applied whole or not at
// all. Time ranges are half-open, [from, to). Storage faults fail a call with kUnavailable and a
// retry hint (store.h).
//
// Thread-safety: implementations are safe to call from several threads.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "model/city_model.h"
#include "model/history.h"

namespace pg::store {

// Reads the history (forecast training, the read API's history, analytics).
class OccupancyHistoryReader {
 public:
  virtual ~OccupancyHistoryReader() = default;

  // Samples of one facility with from <= time < to, oldest first.
  virtual Result<std::vector<model::OccupancySample>> LoadOccupancy(const model::FacilityId& id,
                                                                    Timestamp from,
                                                                    Timestamp to) = 0;
  // The newest sample time of any facility; nullopt when there is no history.
  virtual Result<std::optional<Timestamp>> LatestOccupancyTime() = 0;

  // Samples of one charging site with from <= time < to, oldest first.
  virtual Result<std::vector<model::ChargerSiteSample>> LoadChargerSiteOccupancy(
      const std::string& site, Timestamp from, Timestamp to) = 0;

  // Rollups of one facility or charger site with from <= start < to, oldest first.
  virtual Result<std::vector<model::OccupancyRollup>> LoadRollups(model::OccupancyRollup::Kind kind,
                                                                  const std::string& id,
                                                                  std::chrono::seconds step,
                                                                  Timestamp from, Timestamp to) = 0;
  // Rollups of every id of `kind` with from <= start < to, ordered by id then start (reports
  // read a whole week of the city at once).
  virtual Result<std::vector<model::OccupancyRollup>> LoadAllRollups(
      model::OccupancyRollup::Kind kind, std::chrono::seconds step, Timestamp from,
      Timestamp to) = 0;

  // Events of every bay with from <= time < to, ordered by bay then time.
  virtual Result<std::vector<model::BayEvent>> LoadBayEvents(Timestamp from, Timestamp to) = 0;
  // Events of every connector with from <= time < to, ordered by charger, connector, time.
  virtual Result<std::vector<model::ChargerStatusEvent>> LoadChargerStatus(Timestamp from,
                                                                           Timestamp to) = 0;
};

// Appends to the history (the live state's writers, the replays, the demo backfill).
class OccupancyHistoryWriter {
 public:
  virtual ~OccupancyHistoryWriter() = default;

  // Appends samples; a sample for an existing (facility, time) replaces it.
  virtual Status AppendOccupancy(std::span<const model::OccupancySample> samples) = 0;
  // Charging-site samples; one for an existing (site, time) replaces it.
  virtual Status AppendChargerSiteOccupancy(std::span<const model::ChargerSiteSample> samples) = 0;
  // Appends rollups; one for an existing (kind, id, step, start) replaces it.
  virtual Status AppendRollups(std::span<const model::OccupancyRollup> rollups) = 0;
  // Bay sensor state changes; an event for an existing (bay, time) replaces it.
  virtual Status AppendBayEvents(std::span<const model::BayEvent> events) = 0;
  // Charger connector status changes; one for an existing (charger, connector, time) replaces it.
  virtual Status AppendChargerStatus(std::span<const model::ChargerStatusEvent> events) = 0;
};

// Both.
class OccupancyHistory : public OccupancyHistoryReader, public OccupancyHistoryWriter {};

}  // namespace pg::store
