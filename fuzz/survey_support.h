// What the two survey fuzzers share: reading survey files from scratch files as
// `parkguide import-registry` reads them, and the writers' promise that what they write reads back
// to equal model values (registry/survey.h).
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "registry/survey.h"

namespace pg::fuzz {

inline void CheckSameRegistry(const model::RegistryData& a, const model::RegistryData& b) {
  Check(a.city == b.city, "the city reads back equal");
  Check(a.facilities == b.facilities, "the facilities read back equal");
  Check(a.bays == b.bays, "the bays read back equal");
  Check(a.chargers == b.chargers, "the chargers read back equal");
  Check(a.signs == b.signs, "the signs read back equal");
  Check(a.sources == b.sources, "the sources read back equal");
}

// Reads back what a writer wrote from `data`; it must read without error (the problems are
// printed when not) and equal `data`.
inline void CheckReadsBack(const model::RegistryData& data, const std::vector<std::string>& paths,
                           const char* what) {
  std::vector<registry::SurveyProblem> problems;
  auto again = registry::ReadSurveyFiles(paths, &problems);
  if (!again.ok()) {
    for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.ToString().c_str());
  }
  Check(again.ok(), what);
  CheckSameRegistry(data, *again);
}

// Reads `files` (scratch paths); when they are a valid survey, writes the data in both forms and
// checks that each reads back equal.
inline void ReadSurveyAndRoundTrip(const std::vector<std::string>& files) {
  std::vector<registry::SurveyProblem> problems;
  auto data = registry::ReadSurveyFiles(files, &problems);
  for (const auto& p : problems) (void)p.ToString();
  if (!data.ok()) return;
  const std::filesystem::path dir = std::filesystem::path(files.front()).parent_path() / "out";
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  const bool empty = !data->city && data->facilities.empty() && data->bays.empty() &&
                     data->chargers.empty() && data->signs.empty() && data->sources.empty();
  // Nothing to write is no file (a directory without survey files does not read).
  if (!empty && registry::WriteSurveyCsv(*data, dir.string()).ok()) {
    CheckReadsBack(*data, {dir.string()}, "the survey CSV written reads back");
  }
  const std::string geojson = (dir / "all.geojson").string();
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  Check(registry::WriteSurveyGeoJson(*data, geojson).ok(), "the survey GeoJSON can be written");
  CheckReadsBack(*data, {geojson}, "the survey GeoJSON written reads back");
}

}  // namespace pg::fuzz
