#include "graph/entrance_snaps.h"

#include <fmt/format.h>

#include <exception>
#include <nlohmann/json.hpp>

namespace pg::graph {
namespace {

using nlohmann::json;

constexpr size_t kMaxExamples = 20;

json SnapJson(const std::optional<NearestSegment>& s) {
  if (!s) return nullptr;
  return {{"segment", s->segment},
          {"fraction", s->fraction},
          {"lat", s->point.lat},
          {"lon", s->point.lon},
          {"distance_m", s->distance_m}};
}

std::optional<NearestSegment> SnapFromJson(const json& j) {
  if (j.is_null()) return std::nullopt;
  NearestSegment s;
  s.segment = j.at("segment").get<uint32_t>();
  s.fraction = j.at("fraction").get<double>();
  s.point = {j.at("lat").get<double>(), j.at("lon").get<double>()};
  s.distance_m = j.at("distance_m").get<double>();
  return s;
}

}  // namespace

const EntranceSnap* EntranceSnapTable::Find(std::string_view facility_id,
                                            std::string_view entrance_id) const {
  for (const EntranceSnap& e : entries) {
    if (e.facility_id == facility_id && e.entrance_id == entrance_id) return &e;
  }
  return nullptr;
}

std::string EntranceSnapTable::ToJson() const {
  json list = json::array();
  for (const EntranceSnap& e : entries) {
    list.push_back({{"facility", e.facility_id},
                    {"entrance", e.entrance_id},
                    {"vehicle", e.vehicle},
                    {"lat", e.location.lat},
                    {"lon", e.location.lon},
                    {"car", SnapJson(e.car)},
                    {"foot", SnapJson(e.foot)}});
  }
  return json{{"graph_fingerprint", fmt::format("{:016x}", graph_fingerprint)},
              {"entries", std::move(list)}}
      .dump();
}

Result<EntranceSnapTable> EntranceSnapTable::FromJson(std::string_view text) {
  // nlohmann reports malformed input by exception; it ends here.
  try {
    const json j = json::parse(text);
    EntranceSnapTable table;
    table.graph_fingerprint =
        std::stoull(j.at("graph_fingerprint").get<std::string>(), nullptr, 16);
    for (const json& e : j.at("entries")) {
      EntranceSnap s;
      s.facility_id = e.at("facility").get<std::string>();
      s.entrance_id = e.at("entrance").get<std::string>();
      s.vehicle = e.at("vehicle").get<bool>();
      s.location = {e.at("lat").get<double>(), e.at("lon").get<double>()};
      s.car = SnapFromJson(e.at("car"));
      s.foot = SnapFromJson(e.at("foot"));
      table.entries.push_back(std::move(s));
    }
    return table;
  } catch (const std::exception& e) {
    return DataLoss(fmt::format("the stored entrance snaps cannot be read: {}", e.what()));
  }
}

EntranceSnapTable SnapEntrances(const ModeGraphView& car, const ModeGraphView& foot,
                                const model::RegistryData& registry, uint64_t graph_fingerprint,
                                EntranceSnapStats* stats) {
  EntranceSnapStats local;
  EntranceSnapStats& s = stats != nullptr ? *stats : local;
  EntranceSnapTable table;
  table.graph_fingerprint = graph_fingerprint;
  auto add = [&](const model::Facility& f, std::string entrance_id, bool vehicle,
                 const LatLon& at) {
    EntranceSnap e;
    e.facility_id = f.id.str();
    e.entrance_id = std::move(entrance_id);
    e.vehicle = vehicle;
    e.location = at;
    ++s.points;
    auto note = [&](const char* mode) {
      if (s.too_far_examples.size() < kMaxExamples) {
        s.too_far_examples.push_back(
            e.entrance_id.empty()
                ? fmt::format("{} (location): {}", e.facility_id, mode)
                : fmt::format("{} entrance {}: {}", e.facility_id, e.entrance_id, mode));
      }
    };
    if (vehicle) {
      e.car = FindNearestSegment(car, at, kEntranceSnapRadiusM);
      if (e.car) {
        ++s.car_snapped;
      } else {
        ++s.car_too_far;
        note("car");
      }
    }
    e.foot = FindNearestSegment(foot, at, kEntranceSnapRadiusM);
    if (e.foot) {
      ++s.foot_snapped;
    } else {
      ++s.foot_too_far;
      note("foot");
    }
    table.entries.push_back(std::move(e));
  };
  for (const model::Facility& f : registry.facilities) {
    add(f, "", true, f.location);
    for (const model::Entrance& entrance : f.entrances) {
      add(f, entrance.id, entrance.kind == model::EntranceKind::kVehicle, entrance.location);
    }
  }
  return table;
}

}  // namespace pg::graph
