#include "app/guidance_wiring.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "core/file_system.h"
#include "graph/entrance_snaps.h"
#include "graph/graph_file.h"
#include "graph/graph_settings.h"
#include "ingest/core/pipeline.h"

namespace pg::app {

Result<guidance::GuidanceParams> ParseGuidanceParams(std::string_view text) {
  const std::string setting(kGuidanceParamsSetting);
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return InvalidArgument("must be a JSON object", setting);
  guidance::GuidanceParams p;
  for (const auto& [key, value] : j.items()) {
    auto number = [&, &k = key, &v = value](double low, double high) -> Result<double> {
      if (!v.is_number() || v.get<double>() < low || v.get<double>() > high) {
        return InvalidArgument(fmt::format("{}: must be a number in {:g}–{:g}", k, low, high),
                               setting);
      }
      return v.get<double>();
    };
    auto whole = [&](double low, double high) -> Result<int64_t> {
      PG_ASSIGN_OR_RETURN(double d, number(low, high));
      return static_cast<int64_t>(std::llround(d));
    };
    if (key == "value_of_time_fen_per_hour") {
      PG_ASSIGN_OR_RETURN(p.value_of_time_fen_per_hour, whole(100, 100'000));
    } else if (key == "walk_time_factor") {
      PG_ASSIGN_OR_RETURN(p.walk_time_factor, number(0.1, 10));
    } else if (key == "full_detour_ms") {
      PG_ASSIGN_OR_RETURN(p.full_detour_ms, whole(0, 3'600'000));
    } else if (key == "give_up_ms") {
      PG_ASSIGN_OR_RETURN(p.give_up_ms, whole(0, 3'600'000));
    } else if (key == "search_depth") {
      PG_ASSIGN_OR_RETURN(const int64_t depth, whole(1, 5));
      p.search_depth = static_cast<int>(depth);
    } else if (key == "unknown_price_fen_per_hour") {
      PG_ASSIGN_OR_RETURN(p.unknown_price_fen_per_hour, whole(0, 100'000));
    } else if (key == "unknown_p_free") {
      PG_ASSIGN_OR_RETURN(p.unknown_p_free, number(0, 1));
    } else if (key == "live_weight_horizon_ms") {
      PG_ASSIGN_OR_RETURN(p.live_weight_horizon_ms, whole(60'000, 86'400'000));
    } else {
      return InvalidArgument(fmt::format("{}: not a guidance parameter", key), setting);
    }
  }
  return p;
}

Result<std::unique_ptr<guidance::Guide>> BuildGuide(
    std::shared_ptr<const routing::RoadNetwork> roads,
    std::shared_ptr<const registry::Registry> registry, store::Store& store) {
  if (!roads) return std::unique_ptr<guidance::Guide>();
  PG_ASSIGN_OR_RETURN(auto stored, store.GetSetting(std::string(graph::kEntranceSnapsSetting)));
  std::optional<graph::EntranceSnapTable> table;
  if (stored) {
    // A table that cannot be read only costs the snapping it would have saved.
    if (auto t = graph::EntranceSnapTable::FromJson(*stored); t.ok()) table = std::move(*t);
  }
  return guidance::Guide::Create(std::move(roads), std::move(registry), table ? &*table : nullptr);
}

namespace {

// Recovers `live` from a private copy of the journal directory, so that recovery (which may
// truncate a torn tail and writes a checkpoint on stopping) never touches the server's files.
Status RecoverFromJournalCopy(const std::string& journal_dir, state::LiveState& live) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(journal_dir, ec)) return Status::Ok();
  std::random_device rd;
  const fs::path copy = fs::temp_directory_path() / fmt::format("parkguide-guide-{}{}", rd(), rd());
  fs::copy(journal_dir, copy, fs::copy_options::recursive, ec);
  if (ec)
    return Unavailable(fmt::format("{}: cannot copy the journal: {}", journal_dir, ec.message()));
  Status result = Status::Ok();
  {
    auto pipeline = ingest::IngestPipeline::Open(FileSystem::Default(), {.dir = copy.string()},
                                                 live, {}, nullptr);
    if (pipeline.ok()) {
      (*pipeline)->Stop();
    } else {
      result = pipeline.status();
    }
  }
  fs::remove_all(copy, ec);
  return result;
}

}  // namespace

Result<std::unique_ptr<GuidanceSession>> OpenGuidanceSession(const std::string& db_path,
                                                             std::unique_ptr<store::Store> store,
                                                             const Clock& clock) {
  PG_ASSIGN_OR_RETURN(const std::string graph_path, graph::ExistingGraphForDatabase(db_path));
  auto s = std::make_unique<GuidanceSession>();
  s->store = std::move(store);
  PG_ASSIGN_OR_RETURN(model::RegistryData data, s->store->LoadRegistry());
  PG_ASSIGN_OR_RETURN(s->registry, registry::Registry::Build(std::move(data)));
  s->live = std::make_unique<state::LiveState>(s->registry, state::LiveRules{}, &clock);
  PG_ASSIGN_OR_RETURN(auto sources, s->store->LoadSources());
  for (const auto& r : sources) s->live->DeclareSource(r.source.id, r.source.expected_interval);
  PG_RETURN_IF_ERROR(RecoverFromJournalCopy(db_path + ".journal", *s->live));
  for (const auto& r : sources) s->live->DeclareSource(r.source.id, r.source.expected_interval);

  s->live_reader = std::make_unique<LiveStateReader>(*s->live, clock);
  forecast::ServiceOptions options;
  options.time_zone = s->registry->city().time_zone;
  PG_ASSIGN_OR_RETURN(auto calendar, s->store->GetSetting("forecast.calendar"));
  options.calendar_csv = calendar.value_or("");
  PG_ASSIGN_OR_RETURN(s->forecasts, forecast::ForecastService::Create(
                                        clock, *s->store, s->live_reader.get(), options));
  s->forecasts->SetSeries(ForecastSeries(*s->registry));
  PG_RETURN_IF_ERROR(s->forecasts->LoadModels());
  PG_RETURN_IF_ERROR(s->forecasts->Refresh());

  PG_ASSIGN_OR_RETURN(std::optional<uint64_t> fingerprint,
                      graph::RecordedGraphFingerprint(*s->store));
  graph::GraphOpenOptions open;
  open.expected_fingerprint = fingerprint;
  PG_ASSIGN_OR_RETURN(s->roads, routing::RoadNetwork::Open(graph_path, open));
  PG_ASSIGN_OR_RETURN(s->guide, BuildGuide(s->roads, s->registry, *s->store));
  return s;
}

}  // namespace pg::app
