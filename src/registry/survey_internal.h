// Shared by the survey readers (survey_csv.cc, survey_geojson.cc) and survey.cc: what has been
// read so far from all files, and where each entry came from, so that problems found later (by
// the model's validation) can still name a file, a line or feature and a column or property.
// Not part of the registry's interface.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/crs.h"
#include "model/city_model.h"
#include "registry/survey.h"

namespace pg::registry::survey_internal {

enum class EntryKind { kCity, kDistrict, kFacility, kBay, kCharger, kSign, kSource };

// "facility", "bay"…: the word the model's validation uses for each kind.
std::string_view EntryWord(EntryKind kind);

// Where an entry or problem is.
struct Place {
  std::string file;
  int line = 0;
  int feature = -1;
  bool geojson = false;
};

// Everything read so far. Entries are kept in model::RegistryData order with a parallel vector
// of places; districts wait in `districts` until every file is read (they may come before their
// city).
struct SurveyReading {
  model::RegistryData data;
  std::vector<Place> facility_at, bay_at, charger_at, sign_at, source_at;
  std::optional<Place> city_at;
  std::vector<model::District> districts;
  std::vector<Place> district_at;
  // Facilities whose rows had errors: references to them are not reported a second time.
  std::vector<model::FacilityId> rejected_facilities;
  std::map<std::pair<EntryKind, std::string>, Place> first_seen;
  std::vector<SurveyProblem> problems;

  void Error(const Place& at, std::string field, std::string message);
  void Warning(const Place& at, std::string field, std::string message);

  // Records that an entry with `id` was read at `at`. False (and an error reported) when the
  // same kind already has that id; the caller then drops the entry.
  bool Claim(EntryKind kind, const std::string& id, const Place& at);

  // Adds an entry read without errors, its coordinates given in `crs` (the file's `crs` column
  // or property) brought to WGS-84; origin is set to kSurvey.
  void Add(model::City city, const Place& at, Crs crs);
  void Add(model::District district, const Place& at, Crs crs);
  void Add(model::Facility facility, const Place& at, Crs crs);
  void Add(model::Bay bay, const Place& at, Crs crs);
  void Add(model::Charger charger, const Place& at, Crs crs);
  void Add(model::Sign sign, const Place& at, Crs crs);
  void Add(model::Source source, const Place& at);
};

// "file:line: " style text for a place, used in duplicate messages ("first at facilities.csv:3").
std::string PlaceText(const Place& at);

// Reads one file's text into `reading`; every problem goes to reading.problems.
void ReadCsvSurvey(const std::string& file, std::string_view text, SurveyReading& reading);
void ReadGeoJsonSurvey(const std::string& file, std::string_view text, SurveyReading& reading);

// The column (CSV) or property path (GeoJSON) that holds a field the model's validation names.
std::string CsvColumnOf(EntryKind kind, std::string_view model_field);
std::string GeoJsonPropertyOf(EntryKind kind, std::string_view model_field);

}  // namespace pg::registry::survey_internal
