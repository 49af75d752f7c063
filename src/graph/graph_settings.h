// The settings that tie a city's database to its graph file (graph/graph_file.h): which OSM file
// the graph was built from, and the facility entrances snapped onto it. Written by the offline
// import (graph_build/road_import.h), read by the server before it maps the graph.
//
//   PG_ASSIGN_OR_RETURN(std::optional<uint64_t> fingerprint, RecordedGraphFingerprint(store));
//   GraphOpenOptions options{.expected_fingerprint = fingerprint};
//
// Thread-safety: as safe as the store given.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/status.h"
#include "store/settings_store.h"

namespace pg::graph {

// The OSM file's fingerprint (FingerprintToHex) the graph file was built from.
inline constexpr std::string_view kGraphFingerprintSetting = "graph.fingerprint";
// The entrance snap table (graph/entrance_snaps.h, EntranceSnapTable::ToJson).
inline constexpr std::string_view kEntranceSnapsSetting = "graph.entrance_snaps";

// The fingerprint the store recorded for its graph, if any. Errors: the store's; kDataLoss when
// the recorded value is not a fingerprint.
Result<std::optional<uint64_t>> RecordedGraphFingerprint(store::SettingsReader& store);

}  // namespace pg::graph
