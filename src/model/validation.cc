#include "model/validation.h"

#include <fmt/format.h>

#include <cmath>
#include <set>
#include <unordered_set>

#include "core/strings.h"
#include "core/text_bounds.h"
#include "model/vocabulary.h"

namespace pg::model {
namespace {

void Check(std::vector<Status>& problems, Status s) {
  if (!s.ok()) problems.push_back(std::move(s));
}

void CheckText(std::vector<Status>& problems, std::string_view text, std::string_view field,
               size_t max_chars) {
  Check(problems, CheckPlainText(text, field, max_chars));
}

void CheckName(std::vector<Status>& problems, const LocalizedName& name, std::string_view field) {
  CheckText(problems, name.zh, fmt::format("{}.zh", field), kMaxNameChars);
  CheckText(problems, name.en, fmt::format("{}.en", field), kMaxNameChars);
}

void CheckCount(std::vector<Status>& problems, size_t count, size_t max, std::string_view field,
                std::string_view what) {
  if (count > max) {
    problems.push_back(InvalidArgument(fmt::format("at most {} {} (it has {})", max, what, count),
                                       std::string(field)));
  }
}

bool ValidDate(std::string_view d) {
  if (d.empty()) return true;
  auto t = ParseRfc3339(std::string(d) + "T00:00:00Z");
  return t.ok() && d.size() == 10;
}

}  // namespace

Status ValidateId(std::string_view id, std::string_view field) {
  if (id.empty()) return InvalidArgument("is required", std::string(field));
  if (id.size() > kMaxIdChars) {
    return InvalidArgument(fmt::format("is longer than {} characters", kMaxIdChars),
                           std::string(field));
  }
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == ':';
    if (!ok) {
      return InvalidArgument(
          fmt::format("'{}' may contain only letters, digits and _ - . :", BoundedText(id, 80)),
          std::string(field));
    }
  }
  return Status::Ok();
}

std::vector<Status> Validate(const District& d) {
  std::vector<Status> problems;
  Check(problems, ValidateId(d.id, "id"));
  CheckName(problems, d.name, "name");
  CheckCount(problems, d.outline.size(), kMaxOutlinePoints, "outline", "points");
  return problems;
}

std::vector<Status> Validate(const City& city) {
  std::vector<Status> problems;
  if (city.id.empty()) {
    problems.push_back(InvalidArgument("is required", "id"));
  } else if (city.id.size() > kMaxIdChars) {
    problems.push_back(
        InvalidArgument(fmt::format("is longer than {} characters", kMaxIdChars), "id"));
  } else {
    for (char c : city.id) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
        problems.push_back(InvalidArgument(
            fmt::format("'{}' may contain only a-z, 0-9, _ and - (it names MQTT topics)", city.id),
            "id"));
        break;
      }
    }
  }
  if (city.name.zh.empty() && city.name.en.empty()) {
    problems.push_back(InvalidArgument("needs a zh or an en name", "name"));
  }
  CheckName(problems, city.name, "name");
  if (Status zone = CheckPlainText(city.time_zone, "time_zone", kMaxWordChars); !zone.ok()) {
    problems.push_back(std::move(zone));
  } else {
    Check(problems, LookupTimeZone(city.time_zone).status());
  }
  CheckCount(problems, city.districts.size(), kMaxDistricts, "districts", "districts");
  for (size_t i = 0; i < city.districts.size() && i < kMaxDistricts; ++i) {
    for (const Status& s : Validate(city.districts[i])) {
      problems.push_back(InvalidArgument(
          fmt::format("district {}: {}: {}", i + 1, s.field(), s.message()), "districts"));
    }
  }
  return problems;
}

namespace {

void CheckFacilityText(const Facility& f, std::vector<Status>& problems) {
  CheckName(problems, f.name, "name");
  CheckText(problems, f.operator_name, "operator", kMaxNameChars);
  CheckText(problems, f.opening_hours, "opening_hours", kMaxReasonChars);
  CheckText(problems, f.district, "district", kMaxNameChars);
  CheckText(problems, f.osm_ref, "osm_ref", kMaxWordChars);
  for (const auto& e : f.entrances) {
    if (Status s = CheckPlainText(e.id, "entrances", kMaxIdChars); !s.ok()) {
      problems.push_back(InvalidArgument("an entrance id " + s.message(), "entrances"));
      break;
    }
  }
}

void CheckTariff(const Tariff& t, std::vector<Status>& problems) {
  if (t.free_minutes < 0 || t.free_minutes > 24 * 60) {
    problems.push_back(InvalidArgument("must be 0–1440 minutes", "free_minutes"));
  }
  bool currency_ok = t.currency.size() == 3;
  for (char c : t.currency) currency_ok = currency_ok && c >= 'A' && c <= 'Z';
  if (!currency_ok) {
    problems.push_back(InvalidArgument(
        fmt::format("currency '{}' is not a code like CNY", BoundedText(t.currency, 8)), "tariff"));
  }
  CheckCount(problems, t.bands.size(), kMaxTariffBands, "tariff", "time bands");
  for (const auto& band : t.bands) {
    if (band.start_minute < 0 || band.start_minute >= 1440 || band.end_minute <= 0 ||
        band.end_minute > 1440) {
      problems.push_back(InvalidArgument("a band must lie within 00:00-24:00", "tariff"));
    }
    if (band.price_fen_per_hour < 0) {
      problems.push_back(InvalidArgument("price per hour is negative", "price_per_hour"));
    } else if (band.price_fen_per_hour > kMaxPriceFenPerHour) {
      problems.push_back(InvalidArgument(
          fmt::format("more than {} yuan per hour", kMaxPriceFenPerHour / 100), "price_per_hour"));
    }
  }
  if (t.daily_cap_fen && (*t.daily_cap_fen < 0 || *t.daily_cap_fen > kMaxDailyCapFen)) {
    problems.push_back(
        InvalidArgument(fmt::format("must be 0–{} yuan", kMaxDailyCapFen / 100), "daily_cap"));
  }
}

}  // namespace

Status ValidatePlace(const LatLon& place, std::string_view field) {
  PG_RETURN_IF_ERROR(ValidateLatLon(place, field));
  if (place.lat == 0 && place.lon == 0) {
    return InvalidArgument(
        "0,0 is where a missing location lands, not a place in a city: give "
        "the real coordinates",
        std::string(field));
  }
  return Status::Ok();
}

std::vector<Status> Validate(const Facility& f) {
  std::vector<Status> problems;
  Check(problems, ValidateId(f.id.str(), "id"));
  CheckFacilityText(f, problems);
  Check(problems, ValidatePlace(f.location, "location"));
  CheckCount(problems, f.outline.size(), kMaxOutlinePoints, "outline", "points");
  CheckCount(problems, f.entrances.size(), kMaxEntrances, "entrances", "entrances");
  for (const auto& p : f.outline) {
    Status s = ValidateLatLon(p, "outline");
    if (!s.ok()) {
      problems.push_back(s);
      break;
    }
  }
  if (f.capacity.total && *f.capacity.total < 0) {
    problems.push_back(
        InvalidArgument(fmt::format("{} is negative", *f.capacity.total), "capacity"));
  } else if (f.capacity.total && *f.capacity.total > kMaxCapacity) {
    problems.push_back(InvalidArgument(
        fmt::format("{} is more than {} spaces", *f.capacity.total, kMaxCapacity), "capacity"));
  }
  for (const auto& [category, n] : f.capacity.by_category) {
    std::string field = fmt::format("capacity:{}", Name(category));
    if (n < 0) {
      problems.push_back(InvalidArgument(fmt::format("{} is negative", n), field));
    } else if (f.capacity.total && n > *f.capacity.total) {
      problems.push_back(InvalidArgument(
          fmt::format("{} exceeds the total capacity {}", n, *f.capacity.total), field));
    }
  }
  std::set<std::string> entrance_ids;
  for (const auto& e : f.entrances) {
    Check(problems, ValidatePlace(e.location, "entrances"));
    if (!entrance_ids.insert(e.id).second) {
      problems.push_back(
          InvalidArgument(fmt::format("entrance id '{}' appears twice", e.id), "entrances"));
    }
  }
  // Opening hours over their limit are refused as such, not parsed.
  if (CountChars(f.opening_hours) <= kMaxReasonChars) {
    Check(problems, OpeningHours::Parse(f.opening_hours).status());
  }
  if (f.tariff) CheckTariff(*f.tariff, problems);
  if (f.max_height_m && !(*f.max_height_m > 0 && *f.max_height_m < 20)) {
    problems.push_back(InvalidArgument(
        fmt::format("{} m is not a plausible clearance (0–20 m)", *f.max_height_m), "max_height"));
  }
  return problems;
}

std::vector<Status> Validate(const Bay& b) {
  std::vector<Status> problems;
  Check(problems, ValidateId(b.id.str(), "id"));
  Check(problems, ValidateId(b.facility.str(), "facility"));
  Check(problems, ValidatePlace(b.location, "location"));
  if (b.time_limit_minutes && (*b.time_limit_minutes <= 0 || *b.time_limit_minutes > 7 * 1440)) {
    problems.push_back(InvalidArgument("must be 1–10080 minutes", "time_limit_minutes"));
  }
  CheckText(problems, b.sensor_id, "sensor_id", kMaxIdChars);
  return problems;
}

std::vector<Status> Validate(const Charger& c) {
  std::vector<Status> problems;
  Check(problems, ValidateId(c.id.str(), "id"));
  Check(problems, ValidatePlace(c.location, "location"));
  CheckText(problems, c.site, "site", kMaxIdChars);
  CheckName(problems, c.name, "name");
  CheckText(problems, c.operator_name, "operator", kMaxNameChars);
  CheckText(problems, c.district, "district", kMaxNameChars);
  CheckText(problems, c.osm_ref, "osm_ref", kMaxWordChars);
  if (c.connectors.empty()) problems.push_back(InvalidArgument("at least one", "connectors"));
  std::set<int> ids;
  for (const auto& con : c.connectors) {
    if (con.id < 1 || con.id > kMaxConnectorId) {
      problems.push_back(InvalidArgument(
          fmt::format("connector ids are 1–{} (OCPP connectorId)", kMaxConnectorId), "connectors"));
    }
    if (!ids.insert(con.id).second) {
      problems.push_back(
          InvalidArgument(fmt::format("connector {} appears twice", con.id), "connectors"));
    }
    if (con.power_kw < 0 || con.power_kw > 1000) {
      problems.push_back(
          InvalidArgument(fmt::format("{} kW is outside 0–1000", con.power_kw), "power_kw"));
    }
  }
  for (auto [date, field] : {std::pair{&c.planned_date, "planned_date"},
                             {&c.construction_date, "construction_date"},
                             {&c.in_service_date, "in_service_date"},
                             {&c.retired_date, "retired_date"}}) {
    if (date->size() > 10 || !ValidDate(*date)) {
      problems.push_back(
          InvalidArgument(fmt::format("'{}' is not YYYY-MM-DD", BoundedText(*date, 20)), field));
    }
  }
  if (c.lifecycle == Lifecycle::kInService && c.in_service_date.empty() &&
      c.origin == Origin::kSurvey) {
    // Survey rows must say when a charger entered service: the weekly build-out counts on it.
    problems.push_back(
        InvalidArgument("is required when lifecycle is in_service", "in_service_date"));
  }
  return problems;
}

std::vector<Status> Validate(const Sign& s) {
  std::vector<Status> problems;
  Check(problems, ValidateId(s.id.str(), "id"));
  Check(problems, ValidatePlace(s.location, "location"));
  CheckName(problems, s.name, "name");
  // The controller's id is a topic segment (parkguide/<city>/controllers/<id>/…) and a key's id.
  if (!s.controller_id.empty()) Check(problems, ValidateId(s.controller_id, "controller_id"));
  if (s.lines.empty()) problems.push_back(InvalidArgument("a sign needs a line", "lines"));
  CheckCount(problems, s.lines.size(), kMaxSignLines, "lines", "lines");
  for (const auto& line : s.lines) {
    CheckCount(problems, line.facilities.size(), kMaxLineFacilities, "lines",
               "facilities on one line");
    for (const std::string* label : {&line.label.zh, &line.label.en}) {
      if (Status t = CheckPlainText(*label, "lines", kMaxNameChars); !t.ok()) {
        problems.push_back(InvalidArgument("a line's label " + t.message(), "lines"));
      }
    }
    if (line.facilities.empty()) {
      problems.push_back(InvalidArgument("every line names a facility or a group", "lines"));
    }
    if (s.level != SignLevel::kArea && line.facilities.size() > 1) {
      problems.push_back(
          InvalidArgument("only level-1 signs sum a group of facilities on one line", "lines"));
    }
    if (line.category && line.facilities.size() > 1) {
      problems.push_back(InvalidArgument(
          "a line showing one class of spaces names exactly one facility", "lines"));
    }
  }
  if (s.digits < 1 || s.digits > 5) problems.push_back(InvalidArgument("must be 1–5", "digits"));
  return problems;
}

namespace {

// Scope items are ids, and operator names as facilities and chargers carry them; each must
// survive FormatScope and ParseScope unchanged.
void CheckScopeText(const SourceScope& scope, std::vector<Status>& problems) {
  auto first_bad_id = [&](const auto& ids) {
    for (const auto& id : ids) {
      if (Status s = ValidateId(id.str(), "scope"); !s.ok()) return s;
    }
    return Status::Ok();
  };
  for (const Status& s :
       {first_bad_id(scope.facilities), first_bad_id(scope.bays), first_bad_id(scope.chargers)}) {
    if (!s.ok()) problems.push_back(InvalidArgument("an id " + s.message(), "scope"));
  }
  for (const std::string& op : scope.operators) {
    Status s = CheckPlainText(op, "scope", kMaxNameChars);
    if (s.ok() && (TrimSpace(op).empty() || op.find(',') != std::string::npos)) {
      s = InvalidArgument("is empty or holds a comma");
    }
    if (!s.ok()) {
      problems.push_back(InvalidArgument("an operator name " + s.message(), "scope"));
      break;
    }
  }
}

}  // namespace

std::vector<Status> Validate(const Source& s) {
  std::vector<Status> problems;
  Check(problems, ValidateId(s.id.str(), "id"));
  if (s.expected_interval.count() <= 0 || s.expected_interval.count() > 86400) {
    problems.push_back(InvalidArgument("must be 1–86400 seconds", "interval"));
  }
  if (!s.scope.all && s.scope.facilities.empty() && s.scope.bays.empty() &&
      s.scope.chargers.empty() && s.scope.operators.empty()) {
    problems.push_back(InvalidArgument("a source must be allowed to write something", "scope"));
  }
  CheckScopeText(s.scope, problems);
  CheckText(problems, s.description, "description", kMaxReasonChars);
  return problems;
}

namespace {

void Cut(std::string& text, size_t max_chars) {
  if (!CheckPlainText(text, "", max_chars).ok()) text = BoundedText(text, max_chars);
}
void Cut(LocalizedName& name) {
  Cut(name.zh, kMaxNameChars);
  Cut(name.en, kMaxNameChars);
}

}  // namespace

void CutToBounds(RegistryData& data) {
  if (data.city) {
    Cut(data.city->name);
    for (auto& d : data.city->districts) Cut(d.name);
  }
  for (auto& f : data.facilities) {
    Cut(f.name);
    Cut(f.operator_name, kMaxNameChars);
    Cut(f.district, kMaxNameChars);
  }
  for (auto& c : data.chargers) {
    Cut(c.name);
    Cut(c.operator_name, kMaxNameChars);
    Cut(c.district, kMaxNameChars);
  }
  for (auto& s : data.signs) {
    Cut(s.name);
    for (auto& line : s.lines) Cut(line.label);
  }
  for (auto& s : data.sources) Cut(s.description, kMaxReasonChars);
}

namespace {

template <typename T>
void ValidateEntries(const std::vector<T>& entries, const char* kind,
                     std::vector<RegistryProblem>& out) {
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < entries.size(); ++i) {
    for (auto& s : Validate(entries[i])) out.push_back({kind, i, std::move(s)});
    if (!entries[i].id.empty() && !seen.insert(entries[i].id.str()).second) {
      out.push_back(
          {kind, i, AlreadyExists(fmt::format("'{}' appears twice", entries[i].id.str()), "id")});
    }
  }
}

}  // namespace

std::vector<RegistryProblem> ValidateRegistry(const RegistryData& data,
                                              const std::vector<FacilityId>& known_facilities) {
  std::vector<RegistryProblem> out;
  if (data.city) {
    for (auto& s : Validate(*data.city)) out.push_back({"city", 0, std::move(s)});
  }
  ValidateEntries(data.facilities, "facility", out);
  ValidateEntries(data.bays, "bay", out);
  ValidateEntries(data.chargers, "charger", out);
  ValidateEntries(data.signs, "sign", out);
  ValidateEntries(data.sources, "source", out);

  std::unordered_set<std::string> facilities;
  for (const auto& id : known_facilities) facilities.insert(id.str());
  for (const auto& f : data.facilities) facilities.insert(f.id.str());
  auto unknown = [&](const FacilityId& id) { return !facilities.contains(id.str()); };
  for (size_t i = 0; i < data.bays.size(); ++i) {
    if (!data.bays[i].facility.empty() && unknown(data.bays[i].facility)) {
      out.push_back(
          {"bay", i,
           NotFound(fmt::format("no facility '{}'", data.bays[i].facility.str()), "facility")});
    }
  }
  for (size_t i = 0; i < data.chargers.size(); ++i) {
    if (data.chargers[i].facility && unknown(*data.chargers[i].facility)) {
      out.push_back({"charger", i,
                     NotFound(fmt::format("no facility '{}'", data.chargers[i].facility->str()),
                              "facility")});
    }
  }
  for (size_t i = 0; i < data.signs.size(); ++i) {
    for (const auto& line : data.signs[i].lines) {
      for (const auto& id : line.facilities) {
        if (unknown(id)) {
          out.push_back({"sign", i, NotFound(fmt::format("no facility '{}'", id.str()), "lines")});
        }
      }
    }
  }
  for (size_t i = 0; i < data.sources.size(); ++i) {
    for (const auto& id : data.sources[i].scope.facilities) {
      if (unknown(id)) {
        out.push_back({"source", i, NotFound(fmt::format("no facility '{}'", id.str()), "scope")});
      }
    }
  }
  return out;
}

}  // namespace pg::model
