#include "registry/survey.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include "core/strings.h"
#include "model/validation.h"
#include "registry/survey_internal.h"

#include "model/model_crs.h"

namespace pg::registry {

std::string SurveyProblem::ToString() const {
  std::string out = file;
  if (feature >= 0) {
    out += fmt::format(":features[{}]", feature);
  } else if (line > 0) {
    out += fmt::format(":{}", line);
  }
  out += ": ";
  if (severity == Severity::kWarning) out += "warning: ";
  if (!field.empty()) out += field + ": ";
  out += message;
  return out;
}

namespace survey_internal {

std::string_view EntryWord(EntryKind kind) {
  switch (kind) {
    case EntryKind::kCity:
      return "city";
    case EntryKind::kDistrict:
      return "district";
    case EntryKind::kFacility:
      return "facility";
    case EntryKind::kBay:
      return "bay";
    case EntryKind::kCharger:
      return "charger";
    case EntryKind::kSign:
      return "sign";
    case EntryKind::kSource:
      return "source";
  }
  return "?";
}

std::string PlaceText(const Place& at) {
  if (at.feature >= 0) return fmt::format("{}:features[{}]", at.file, at.feature);
  if (at.line > 0) return fmt::format("{}:{}", at.file, at.line);
  return at.file;
}

void SurveyReading::Error(const Place& at, std::string field, std::string message) {
  problems.push_back({SurveyProblem::Severity::kError, at.file, at.line, at.feature,
                      std::move(field), std::move(message)});
}

void SurveyReading::Warning(const Place& at, std::string field, std::string message) {
  problems.push_back({SurveyProblem::Severity::kWarning, at.file, at.line, at.feature,
                      std::move(field), std::move(message)});
}

bool SurveyReading::Claim(EntryKind kind, const std::string& id, const Place& at) {
  auto [it, inserted] = first_seen.emplace(std::pair{kind, id}, at);
  if (inserted) return true;
  Error(at, "id",
        fmt::format("{} '{}' appears twice; first at {}", EntryWord(kind), id,
                    PlaceText(it->second)));
  return false;
}

void SurveyReading::Add(model::City city, const Place& at, Crs crs) {
  city = model::ReadIn(std::move(city), crs);
  data.city = std::move(city);
  city_at = at;
}
void SurveyReading::Add(model::District district, const Place& at, Crs crs) {
  district = model::ReadIn(std::move(district), crs);
  districts.push_back(std::move(district));
  district_at.push_back(at);
}
void SurveyReading::Add(model::Facility facility, const Place& at, Crs crs) {
  facility = model::ReadIn(std::move(facility), crs);
  facility.origin = model::Origin::kSurvey;
  data.facilities.push_back(std::move(facility));
  facility_at.push_back(at);
}
void SurveyReading::Add(model::Bay bay, const Place& at, Crs crs) {
  bay = model::ReadIn(std::move(bay), crs);
  bay.origin = model::Origin::kSurvey;
  data.bays.push_back(std::move(bay));
  bay_at.push_back(at);
}
void SurveyReading::Add(model::Charger charger, const Place& at, Crs crs) {
  charger = model::ReadIn(std::move(charger), crs);
  charger.origin = model::Origin::kSurvey;
  data.chargers.push_back(std::move(charger));
  charger_at.push_back(at);
}
void SurveyReading::Add(model::Sign sign, const Place& at, Crs crs) {
  sign = model::ReadIn(std::move(sign), crs);
  sign.origin = model::Origin::kSurvey;
  data.signs.push_back(std::move(sign));
  sign_at.push_back(at);
}
void SurveyReading::Add(model::Source source, const Place& at) {
  data.sources.push_back(std::move(source));
  source_at.push_back(at);
}

}  // namespace survey_internal

namespace {

using survey_internal::EntryKind;
using survey_internal::Place;
using survey_internal::SurveyReading;

bool IsGeoJsonName(const std::filesystem::path& p) {
  std::string ext = ToLowerAscii(p.extension().string());
  return ext == ".geojson" || ext == ".json";
}

bool IsSurveyName(const std::filesystem::path& p) {
  return IsGeoJsonName(p) || ToLowerAscii(p.extension().string()) == ".csv";
}

// The files to read: each path itself, or a directory's survey files in name order.
std::vector<std::string> ExpandPaths(const std::vector<std::string>& paths,
                                     SurveyReading& reading) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      if (entry.is_regular_file() && IsSurveyName(entry.path())) {
        found.push_back(entry.path().string());
      }
    }
    if (ec) {
      reading.Error({path, 0, -1, false}, "", "cannot be listed: " + ec.message());
      continue;
    }
    if (found.empty()) {
      reading.Error({path, 0, -1, false}, "", "holds no .csv, .geojson or .json files");
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

std::optional<std::string> ReadWholeFile(const std::string& path, std::string* why) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    *why = "no such file";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = "cannot be opened";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    *why = "cannot be read";
    return std::nullopt;
  }
  return std::move(text).str();
}

bool LooksLikeJson(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  text = TrimSpace(text);
  return !text.empty() && text.front() == '{';
}

// Districts wait for the city: the survey's, else the stored one (updated by id).
void PlaceDistricts(SurveyReading& reading, const model::RegistryData& existing) {
  if (reading.districts.empty()) {
    // A survey city without districts keeps the stored ones: city.csv alone must not erase them.
    if (reading.data.city && reading.data.city->districts.empty() && existing.city) {
      reading.data.city->districts = existing.city->districts;
    }
    return;
  }
  if (!reading.data.city) {
    if (!existing.city) {
      for (const Place& at : reading.district_at) {
        reading.Error(at, "",
                      "districts need a city: add a city.csv (id, name_zh, name_en, time_zone) "
                      "or import one first");
      }
      return;
    }
    reading.data.city = *existing.city;
  } else if (reading.data.city->districts.empty() && existing.city) {
    reading.data.city->districts = existing.city->districts;
  }
  auto& districts = reading.data.city->districts;
  for (auto& d : reading.districts) {
    auto it = std::find_if(districts.begin(), districts.end(),
                           [&](const model::District& x) { return x.id == d.id; });
    if (it != districts.end()) {
      *it = std::move(d);
    } else {
      districts.push_back(std::move(d));
    }
  }
}

const Place* PlaceOf(const SurveyReading& reading, EntryKind kind, size_t index) {
  auto at = [&](const std::vector<Place>& places) -> const Place* {
    return index < places.size() ? &places[index] : nullptr;
  };
  switch (kind) {
    case EntryKind::kCity:
      return reading.city_at ? &*reading.city_at : nullptr;
    case EntryKind::kDistrict:
      return at(reading.district_at);
    case EntryKind::kFacility:
      return at(reading.facility_at);
    case EntryKind::kBay:
      return at(reading.bay_at);
    case EntryKind::kCharger:
      return at(reading.charger_at);
    case EntryKind::kSign:
      return at(reading.sign_at);
    case EntryKind::kSource:
      return at(reading.source_at);
  }
  return nullptr;
}

std::optional<EntryKind> KindOfWord(std::string_view word) {
  for (EntryKind k : {EntryKind::kCity, EntryKind::kFacility, EntryKind::kBay, EntryKind::kCharger,
                      EntryKind::kSign, EntryKind::kSource}) {
    if (survey_internal::EntryWord(k) == word) return k;
  }
  return std::nullopt;
}

// The model's validation over everything read, its problems placed back in the files.
void ValidateReading(SurveyReading& reading, const model::RegistryData& existing) {
  std::vector<model::FacilityId> known = reading.rejected_facilities;
  for (const auto& f : existing.facilities) known.push_back(f.id);
  for (auto& p : model::ValidateRegistry(reading.data, known)) {
    // Duplicates were reported while reading, with both places.
    if (p.status.code() == StatusCode::kAlreadyExists && p.status.field() == "id") continue;
    std::optional<EntryKind> kind = KindOfWord(p.entry_kind);
    const Place* at = kind ? PlaceOf(reading, *kind, p.index) : nullptr;
    if (!at) {
      // Only a city not from the survey (the stored one, given districts) can get here.
      reading.Error({"(stored city)", 0, -1, false}, p.status.field(), p.status.message());
      continue;
    }
    std::string field = at->geojson ? survey_internal::GeoJsonPropertyOf(*kind, p.status.field())
                                    : survey_internal::CsvColumnOf(*kind, p.status.field());
    reading.Error(*at, std::move(field), p.status.message());
  }
}

Result<model::RegistryData> ReadAll(const std::vector<std::string>& paths,
                                    const model::RegistryData& existing,
                                    std::vector<SurveyProblem>* problems, int* files_read) {
  SurveyReading reading;
  if (paths.empty()) return InvalidArgument("no survey files given");
  std::vector<std::string> files = ExpandPaths(paths, reading);
  for (const std::string& file : files) {
    std::string why;
    std::optional<std::string> text = ReadWholeFile(file, &why);
    if (!text) {
      reading.Error({file, 0, -1, false}, "", why);
      continue;
    }
    ++*files_read;
    bool geojson = IsGeoJsonName(file) ||
                   (ToLowerAscii(std::filesystem::path(file).extension().string()) != ".csv" &&
                    LooksLikeJson(*text));
    if (geojson) {
      survey_internal::ReadGeoJsonSurvey(file, *text, reading);
    } else {
      survey_internal::ReadCsvSurvey(file, *text, reading);
    }
  }
  PlaceDistricts(reading, existing);
  ValidateReading(reading, existing);

  // Problems in file order, then line (or feature) order; those about a whole file first.
  std::unordered_map<std::string, size_t> file_order;
  for (const std::string& p : paths) file_order.emplace(p, file_order.size());
  for (const std::string& f : files) file_order.emplace(f, file_order.size());
  std::stable_sort(reading.problems.begin(), reading.problems.end(),
                   [&](const SurveyProblem& a, const SurveyProblem& b) {
                     auto key = [&](const SurveyProblem& p) {
                       auto it = file_order.find(p.file);
                       size_t order = it == file_order.end() ? file_order.size() : it->second;
                       return std::tuple(order, p.line, p.feature);
                     };
                     return key(a) < key(b);
                   });
  size_t errors =
      static_cast<size_t>(std::count_if(reading.problems.begin(), reading.problems.end(),
                                        [](const SurveyProblem& p) { return p.is_error(); }));
  const SurveyProblem* first = nullptr;
  for (const auto& p : reading.problems) {
    if (p.is_error()) {
      first = &p;
      break;
    }
  }
  if (problems) problems->insert(problems->end(), reading.problems.begin(), reading.problems.end());
  if (errors > 0) {
    return InvalidArgument(fmt::format("{} error{} in the survey files; the first: {}", errors,
                                       errors == 1 ? "" : "s", first->ToString()));
  }
  return std::move(reading.data);
}

}  // namespace

Result<model::RegistryData> ReadSurveyFiles(const std::vector<std::string>& paths,
                                            std::vector<SurveyProblem>* problems) {
  return ReadSurveyFiles(paths, model::RegistryData{}, problems);
}

Result<model::RegistryData> ReadSurveyFiles(const std::vector<std::string>& paths,
                                            const model::RegistryData& existing,
                                            std::vector<SurveyProblem>* problems) {
  int files_read = 0;
  return ReadAll(paths, existing, problems, &files_read);
}

Result<SurveyImportSummary> ImportSurveyFiles(const std::vector<std::string>& paths,
                                              store::RegistryStore& store,
                                              std::vector<SurveyProblem>* problems) {
  PG_ASSIGN_OR_RETURN(model::RegistryData existing, store.LoadRegistry());
  std::vector<SurveyProblem> found;
  SurveyImportSummary summary;
  auto data = ReadAll(paths, existing, &found, &summary.files);
  summary.warnings = static_cast<int>(std::count_if(
      found.begin(), found.end(), [](const SurveyProblem& p) { return !p.is_error(); }));
  if (problems) problems->insert(problems->end(), found.begin(), found.end());
  if (!data.ok()) {
    return InvalidArgument(fmt::format("nothing was imported: {}", data.status().message()));
  }
  PG_ASSIGN_OR_RETURN(summary.written,
                      store.WriteRegistry(*data, store::RegistryWriteMode::kUpsert));
  summary.facilities = static_cast<int>(data->facilities.size());
  summary.bays = static_cast<int>(data->bays.size());
  summary.chargers = static_cast<int>(data->chargers.size());
  summary.signs = static_cast<int>(data->signs.size());
  summary.sources = static_cast<int>(data->sources.size());
  summary.city = data->city.has_value();
  return summary;
}

}  // namespace pg::registry
