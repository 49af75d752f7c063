// PrepareDemoDatabase (demo/demo_city.h): the demo city imported, configured, given its road
// graphs and source keys, and backfilled with simulated history.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/log.h"
#include "demo/demo_city.h"
#include "graph/graph_file.h"
#include "graph_build/road_import.h"
#include "ingest/core/keys.h"
#include "registry/from_osm.h"
#include "registry/registry.h"
#include "registry/survey.h"
#include "state/rollup.h"
#include "store/store.h"

namespace pg::demo {
namespace {

using ingest::simulator::CitySimulator;
using Kind = model::OccupancyRollup::Kind;

constexpr auto kStep = std::chrono::minutes(5);

// Generates the city's files in `files_dir` and imports them the way any city is imported
// (import-osm, then import-registry); keeps the land use and the seed in the settings.
Status ImportDemoCity(const std::string& files_dir, uint64_t seed,
                      store::Roles<store::RegistryStore, store::SettingsWriter> store) {
  PG_LOG_INFO("demo: generating the demo city (seed {})", seed);
  DemoCity city = GenerateDemoCity(seed);
  PG_ASSIGN_OR_RETURN(DemoFiles files, WriteDemoCityFiles(city, files_dir));
  PG_ASSIGN_OR_RETURN(auto osm_report,
                      registry::ImportOsmFile(files.osm_path, store.get<store::RegistryStore>()));
  PG_LOG_INFO("demo: import-osm {}\n{}", files.osm_path, osm_report.ToText());
  std::vector<registry::SurveyProblem> problems;
  auto survey =
      registry::ImportSurveyFiles(files.survey_paths, store.get<store::RegistryStore>(), &problems);
  for (const auto& p : problems) PG_LOG_WARNING("demo: {}", p.ToString());
  if (!survey.ok()) return survey.status().WithContext("demo survey import");
  PG_LOG_INFO("demo: import-registry: {} facilities, {} bays, {} chargers, {} signs, {} sources",
              survey->facilities, survey->bays, survey->chargers, survey->signs, survey->sources);
  store::SettingsWriter& settings = store.get<store::SettingsWriter>();
  PG_RETURN_IF_ERROR(
      settings.PutSetting("demo.land_use", ingest::simulator::LandUseToJson(city.land_use)));
  return settings.PutSetting("demo.seed", std::to_string(seed));
}

// Stores the demo's sign rules and charger targets, unless the database has its own already.
Status StoreDemoSettings(store::SettingsStore& store) {
  PG_ASSIGN_OR_RETURN(auto sign_rules, store.GetSetting("signs.config"));
  if (!sign_rules) PG_RETURN_IF_ERROR(store.PutSetting("signs.config", DemoSignRulesJson()));
  // The three-year plan's charger targets per district, which the weekly report measures the
  // build-out against (analytics/analytics.h).
  PG_ASSIGN_OR_RETURN(auto targets, store.GetSetting("analytics.buildout_targets"));
  if (targets) return Status::Ok();
  return store.PutSetting(
      "analytics.buildout_targets",
      R"({"east":{"in_service":16,"total":18},"north":{"in_service":18,"total":20},)"
      R"("old_town":{"in_service":22,"total":24},"west":{"in_service":20,"total":22}})");
}

// The road graphs, from the same OSM file: built with the city, and again whenever the graph file
// is missing or this build cannot use it (another format version, another import). The OSM file
// is generated again when it is gone.
Status EnsureRoadGraphs(const std::string& db_path, const std::string& files_dir, uint64_t seed,
                        graph::RoadImportStore store) {
  const std::string graph_path = graph::GraphPathForDatabase(db_path);
  PG_ASSIGN_OR_RETURN(std::optional<uint64_t> fingerprint,
                      graph::RecordedGraphFingerprint(store.get<store::SettingsStore>()));
  graph::GraphOpenOptions open;
  open.expected_fingerprint = fingerprint;
  open.verify_checksum = false;  // a corrupt file fails at serve time with the full check
  if (fingerprint && graph::MappedGraphFile::Open(graph_path, open).ok()) return Status::Ok();
  std::string osm_path = files_dir + "/demoville.osm.pbf";
  if (!std::filesystem::exists(osm_path)) {
    PG_ASSIGN_OR_RETURN(DemoFiles files, WriteDemoCityFiles(GenerateDemoCity(seed), files_dir));
    osm_path = files.osm_path;
  }
  PG_ASSIGN_OR_RETURN(auto roads, graph::ImportRoads(osm_path, store, graph_path));
  PG_LOG_INFO("demo: build-roads {}\n{}", osm_path, roads.ToText());
  return Status::Ok();
}

// Keys for the simulated sources: the demo's feed posts through the same authenticated ingestion
// path as any source. Unlike a real deployment, the demo keeps its own keys in the database
// (settings "demo.key.<source>") so that the feed can use them after a restart. A source without
// a kept key gets a new one (an older key it has, unknown to the demo, is revoked).
Status IssueDemoKeys(
    const Clock& clock,
    store::Roles<store::RegistryReader, store::SourceStore, store::SettingsStore> store) {
  store::SourceStore& sources = store.get<store::SourceStore>();
  store::SettingsStore& settings = store.get<store::SettingsStore>();
  PG_ASSIGN_OR_RETURN(model::RegistryData data, store.get<store::RegistryReader>().LoadRegistry());
  for (const auto& source : data.sources) {
    std::string setting = "demo.key." + source.id.str();
    PG_ASSIGN_OR_RETURN(auto have, settings.GetSetting(setting));
    if (have) continue;
    PG_ASSIGN_OR_RETURN(auto records, sources.LoadSources());
    for (const auto& r : records) {
      if (r.source.id == source.id && !r.key_hash.empty()) {
        PG_RETURN_IF_ERROR(sources.RevokeSource(source.id, clock.Now()));
      }
    }
    ingest::IssuedKey key = ingest::IssueKey();
    PG_RETURN_IF_ERROR(sources.AddSource({source, key.stored, clock.Now()}));
    PG_RETURN_IF_ERROR(settings.PutSetting(setting, key.key));
  }
  return Status::Ok();
}

// What the backfill remembers across days: the rollups being built, and the last state of each
// bay and connector (to record changes only).
struct Backfill {
  const registry::Registry& registry;
  const CitySimulator& simulator;
  state::RollupBuilder rollups;
  std::map<std::string, bool> bay_state;
  std::map<std::pair<std::string, int>, model::ChargerStatus> connector_state;
};

// Each charging site's connectors not available at `t` (as samples and rollups), and the
// connectors whose status changed since the previous step.
void ChargingAt(Timestamp t, Backfill& b, std::vector<model::ChargerSiteSample>& sites,
                std::vector<model::ChargerStatusEvent>& statuses) {
  std::map<std::string, std::pair<int, int>> counts;  // busy, total by site
  for (const auto& c : b.registry.chargers()) {
    if (c.lifecycle != model::Lifecycle::kInService) continue;
    auto& [busy, total] = counts[c.site.empty() ? c.id.str() : c.site];
    for (const auto& con : c.connectors) {
      ++total;
      auto status = b.simulator.ConnectorStatusAt(c, con.id, t);
      if (status != model::ChargerStatus::kAvailable) ++busy;
      auto [it, fresh] = b.connector_state.try_emplace({c.id.str(), con.id}, status);
      if (fresh || it->second != status) {
        it->second = status;
        statuses.push_back({c.id, con.id, t, status});
      }
    }
  }
  for (const auto& [site, n] : counts) {
    if (n.second > 0) {
      sites.push_back({site, t, n.first, n.second});
      b.rollups.Add(Kind::kChargerSite, site, t, n.first, n.second);
    }
  }
}

// The bays whose sensor changed in the step ending at `t`, each at the time it changed.
void BayChangesAt(Timestamp t, Backfill& b, std::vector<model::BayEvent>& events) {
  for (const auto& bay : b.registry.bays()) {
    Timestamp since;
    bool occupied = b.simulator.BayOccupiedAt(bay, t, &since);
    auto [it, fresh] = b.bay_state.try_emplace(bay.id.str(), occupied);
    if (fresh || it->second != occupied) {
      it->second = occupied;
      events.push_back({bay.id, std::max(since, t - kStep + Milliseconds(1)), occupied});
    }
  }
}

// Simulated history of [day, end) every 5 minutes, written in one go: occupancy samples, charging
// site samples, bay sensor changes, connector statuses and the rollups closed by `end`.
Status BackfillDay(Timestamp day, Timestamp end, Backfill& b,
                   store::OccupancyHistoryWriter& store) {
  auto samples = b.simulator.FacilityHistory(day, end, kStep);
  PG_RETURN_IF_ERROR(store.AppendOccupancy(samples));
  std::vector<model::ChargerSiteSample> sites;
  std::vector<model::BayEvent> bay_events;
  std::vector<model::ChargerStatusEvent> statuses;
  size_t next_sample = 0;
  for (Timestamp t = day; t < end; t += kStep) {
    for (; next_sample < samples.size() && samples[next_sample].time <= t; ++next_sample) {
      const auto& x = samples[next_sample];
      b.rollups.Add(Kind::kFacility, x.facility.str(), x.time, x.occupied, x.capacity);
    }
    ChargingAt(t, b, sites, statuses);
    BayChangesAt(t, b, bay_events);
  }
  PG_RETURN_IF_ERROR(store.AppendChargerSiteOccupancy(sites));
  PG_RETURN_IF_ERROR(store.AppendBayEvents(bay_events));
  PG_RETURN_IF_ERROR(store.AppendChargerStatus(statuses));
  return store.AppendRollups(b.rollups.Flush(end));
}

// Backfills simulated history in 5-minute steps from where it ends (at most `history_days` back)
// to now, with the history the weekly report reads beside the samples: 5-minute rollups, bay
// sensor changes and connector statuses, as the live server records them.
Status BackfillHistory(
    const Clock& clock, uint64_t seed, int history_days,
    store::Roles<store::OccupancyHistory, store::RegistryReader, store::SettingsReader> store,
    const Progress& progress) {
  store::OccupancyHistory& history = store.get<store::OccupancyHistory>();
  Timestamp now = clock.Now();
  Timestamp from = now - std::chrono::hours(24 * history_days);
  PG_ASSIGN_OR_RETURN(auto latest, history.LatestOccupancyTime());
  if (latest && *latest + kStep > from) from = *latest + kStep;
  from = Timestamp(from.time_since_epoch() / Milliseconds(kStep) * Milliseconds(kStep));
  if (from >= now) return Status::Ok();
  PG_ASSIGN_OR_RETURN(model::RegistryData data, store.get<store::RegistryReader>().LoadRegistry());
  PG_ASSIGN_OR_RETURN(auto registry, registry::Registry::Build(std::move(data)));
  PG_ASSIGN_OR_RETURN(auto stored, store.get<store::SettingsReader>().GetSetting("demo.land_use"));
  auto land_use = ingest::simulator::LandUseFromJson(stored.value_or("{}"));
  CitySimulator simulator(registry, std::move(land_use), seed);
  PG_LOG_INFO("demo: backfilling occupancy history from {}", FormatRfc3339Utc(from));
  Backfill backfill{*registry, simulator, state::RollupBuilder(), {}, {}};
  // A day at a time keeps memory flat and transactions short.
  const auto days =
      static_cast<uint64_t>((now - from + std::chrono::hours(23)) / std::chrono::hours(24));
  uint64_t done = 0;
  for (Timestamp day = from; day < now; day += std::chrono::hours(24)) {
    ReportProgress(progress, "backfill days", done++, days);
    PG_RETURN_IF_ERROR(
        BackfillDay(day, std::min(now, day + std::chrono::hours(24)), backfill, history));
  }
  ReportProgress(progress, "backfill days", days, days);
  return Status::Ok();
}

}  // namespace

Status PrepareDemoDatabase(const std::string& db_path, const Clock& clock, uint64_t seed,
                           int history_days, const Progress& progress) {
  PG_ASSIGN_OR_RETURN(auto store, store::OpenSqliteStore(db_path));
  PG_ASSIGN_OR_RETURN(model::RegistryData existing, store->LoadRegistry());
  if (existing.city && !existing.city->is_demo) {
    return FailedPrecondition(fmt::format(
        "'{}' holds the city '{}', not the demo: use `parkguide serve` for it, or another --db",
        db_path, existing.city->id));
  }
  const std::string files_dir = db_path + ".files";
  if (!existing.city) PG_RETURN_IF_ERROR(ImportDemoCity(files_dir, seed, *store));
  PG_RETURN_IF_ERROR(StoreDemoSettings(*store));
  PG_RETURN_IF_ERROR(EnsureRoadGraphs(db_path, files_dir, seed, *store));
  PG_RETURN_IF_ERROR(IssueDemoKeys(clock, *store));
  return BackfillHistory(clock, seed, history_days, *store, progress);
}

}  // namespace pg::demo
