#include "model/validation.h"

#include <fmt/format.h>

#include <cmath>
#include <set>
#include <unordered_set>

#include "model/vocabulary.h"

namespace pg::model {
namespace {

void Check(std::vector<Status>& problems, Status s) {
  if (!s.ok()) problems.push_back(std::move(s));
}

bool ValidDate(std::string_view d) {
  if (d.empty()) return true;
  auto t = ParseRfc3339(std::string(d) + "T00:00:00Z");
  return t.ok() && d.size() == 10;
}

}  // namespace

Status ValidateId(std::string_view id, std::string_view field) {
  if (id.empty()) return InvalidArgument("is required", std::string(field));
  if (id.size() > 64) return InvalidArgument("is longer than 64 characters", std::string(field));
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == ':';
    if (!ok) {
      return InvalidArgument(fmt::format("'{}' may contain only letters, digits and _ - . :", id),
                             std::string(field));
    }
  }
  return Status::Ok();
}

std::vector<Status> Validate(const City& city) {
  std::vector<Status> problems;
  if (city.id.empty()) {
    problems.push_back(InvalidArgument("is required", "id"));
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
  Check(problems, LookupTimeZone(city.time_zone).status());
  return problems;
}

std::vector<Status> Validate(const Facility& f) {
  std::vector<Status> problems;
  Check(problems, ValidateId(f.id.str(), "id"));
  Check(problems, ValidateLatLon(f.location, "location"));
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
    Check(problems, ValidateLatLon(e.location, "entrances"));
    if (!entrance_ids.insert(e.id).second) {
      problems.push_back(
          InvalidArgument(fmt::format("entrance id '{}' appears twice", e.id), "entrances"));
    }
  }
  Check(problems, OpeningHours::Parse(f.opening_hours).status());
  if (f.tariff) {
    const Tariff& t = *f.tariff;
    if (t.free_minutes < 0) problems.push_back(InvalidArgument("is negative", "free_minutes"));
    for (const auto& band : t.bands) {
      if (band.start_minute < 0 || band.start_minute >= 1440 || band.end_minute <= 0 ||
          band.end_minute > 1440) {
        problems.push_back(InvalidArgument("a band must lie within 00:00-24:00", "tariff"));
      }
      if (band.price_fen_per_hour < 0) {
        problems.push_back(InvalidArgument("price per hour is negative", "price_per_hour"));
      }
    }
    if (t.daily_cap_fen && *t.daily_cap_fen < 0) {
      problems.push_back(InvalidArgument("is negative", "daily_cap"));
    }
  }
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
  Check(problems, ValidateLatLon(b.location, "location"));
  if (b.time_limit_minutes && *b.time_limit_minutes <= 0) {
    problems.push_back(InvalidArgument("must be positive", "time_limit_minutes"));
  }
  return problems;
}

std::vector<Status> Validate(const Charger& c) {
  std::vector<Status> problems;
  Check(problems, ValidateId(c.id.str(), "id"));
  Check(problems, ValidateLatLon(c.location, "location"));
  if (c.connectors.empty()) problems.push_back(InvalidArgument("at least one", "connectors"));
  std::set<int> ids;
  for (const auto& con : c.connectors) {
    if (con.id < 1) problems.push_back(InvalidArgument("connector ids start at 1", "connectors"));
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
    if (!ValidDate(*date)) {
      problems.push_back(InvalidArgument(fmt::format("'{}' is not YYYY-MM-DD", *date), field));
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
  Check(problems, ValidateLatLon(s.location, "location"));
  if (s.lines.empty()) problems.push_back(InvalidArgument("a sign needs a line", "lines"));
  for (const auto& line : s.lines) {
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
  return problems;
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
