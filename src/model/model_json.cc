#include "model/model_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/strings.h"
#include "model/vocabulary.h"

namespace pg::model {
namespace {

using nlohmann::json;

// Reads members of one JSON object, remembering the first problem.
class Reader {
 public:
  explicit Reader(const json& j) : j_(j) {
    if (!j.is_object()) status_ = InvalidArgument("must be a JSON object");
  }

  const Status& status() const { return status_; }
  bool Has(const char* key) const {
    return j_.is_object() && j_.contains(key) && !j_[key].is_null();
  }

  std::string String(const char* key, bool required = false) {
    if (!Has(key)) {
      if (required) Fail(key, "is required");
      return {};
    }
    const json& v = j_[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
    Fail(key, "must be a string");
    return {};
  }

  std::optional<double> Number(const char* key, bool required = false) {
    if (!Has(key)) {
      if (required) Fail(key, "is required");
      return std::nullopt;
    }
    const json& v = j_[key];
    if (!v.is_number()) {
      Fail(key, "must be a number");
      return std::nullopt;
    }
    return v.get<double>();
  }

  std::optional<int> Int(const char* key, bool required = false) {
    if (!Has(key)) {
      if (required) Fail(key, "is required");
      return std::nullopt;
    }
    const json& v = j_[key];
    if (!v.is_number_integer()) {
      Fail(key, "must be an integer");
      return std::nullopt;
    }
    auto n = WholeNumberIn(v, INT32_MIN, INT32_MAX);
    if (!n) {
      Fail(key, "is out of range");
      return std::nullopt;
    }
    return static_cast<int>(*n);
  }

  std::optional<bool> Bool(const char* key) {
    if (!Has(key)) return std::nullopt;
    if (!j_[key].is_boolean()) {
      Fail(key, "must be true or false");
      return std::nullopt;
    }
    return j_[key].get<bool>();
  }

  template <typename E>
  std::optional<E> Enum(const char* key, bool required = false) {
    std::string s = String(key, required);
    if (s.empty()) return std::nullopt;
    auto e = Parse<E>(s);
    if (!e) Fail(key, fmt::format("'{}' is not one of: {}", s, AllowedNames<E>()));
    return e;
  }

  const json* Array(const char* key) {
    if (!Has(key)) return nullptr;
    if (!j_[key].is_array()) {
      Fail(key, "must be an array");
      return nullptr;
    }
    return &j_[key];
  }

  const json* Object(const char* key) {
    if (!Has(key)) return nullptr;
    if (!j_[key].is_object()) {
      Fail(key, "must be an object");
      return nullptr;
    }
    return &j_[key];
  }

  void Fail(std::string_view key, std::string message) {
    if (status_.ok()) status_ = InvalidArgument(std::move(message), std::string(key));
  }
  void Merge(const Status& s, std::string_view key) {
    if (status_.ok() && !s.ok()) {
      status_ = InvalidArgument(
          s.message(), s.field().empty() ? std::string(key) : fmt::format("{}.{}", key, s.field()));
    }
  }

 private:
  const json& j_;
  Status status_;
};

json LatLonJson(const LatLon& p) { return {{"lat", p.lat}, {"lon", p.lon}}; }

LatLon ReadLatLon(Reader& r, const char* key) {
  LatLon p;
  const json* o = r.Object(key);
  if (!o) {
    r.Fail(key, "is required ({\"lat\": …, \"lon\": …})");
    return p;
  }
  Reader pr(*o);
  p.lat = pr.Number("lat", true).value_or(0);
  p.lon = pr.Number("lon", true).value_or(0);
  r.Merge(pr.status(), key);
  return p;
}

// GeoJSON coordinate order [lon, lat].
json RingJson(const std::vector<LatLon>& ring) {
  json a = json::array();
  for (const auto& p : ring) a.push_back({p.lon, p.lat});
  return a;
}

std::vector<LatLon> ReadRing(Reader& r, const char* key) {
  std::vector<LatLon> ring;
  const json* a = r.Array(key);
  if (!a) return ring;
  for (const auto& c : *a) {
    if (!c.is_array() || c.size() < 2 || !c[0].is_number() || !c[1].is_number()) {
      r.Fail(key, "must be an array of [lon, lat] pairs");
      return {};
    }
    ring.push_back({c[1].get<double>(), c[0].get<double>()});
  }
  return ring;
}

LocalizedName ReadName(Reader& r, const char* key) {
  LocalizedName n;
  if (!r.Has(key)) return n;
  const json* o = r.Object(key);
  if (!o) return n;
  Reader nr(*o);
  n.zh = nr.String("zh");
  n.en = nr.String("en");
  r.Merge(nr.status(), key);
  return n;
}

}  // namespace

std::string FormatMinuteOfDay(int minute) {
  return fmt::format("{:02}:{:02}", minute / 60, minute % 60);
}

Result<int> ParseMinuteOfDay(std::string_view text, std::string_view field) {
  auto parts = SplitString(TrimSpace(text), ':');
  std::optional<int64_t> h, m;
  if (parts.size() == 2 && parts[1].size() == 2) {
    h = ParseInt(parts[0]);
    m = ParseInt(parts[1]);
  }
  if (!h || !m || *h < 0 || *h > 24 || *m < 0 || *m > 59 || *h * 60 + *m > 1440) {
    return InvalidArgument(fmt::format("'{}' is not a time of day HH:MM", text),
                           std::string(field));
  }
  return static_cast<int>(*h * 60 + *m);
}

int64_t YuanToFen(double yuan) {
  constexpr double kMaxYuan = 1e10;  // llround past int64_t is undefined: hold the value here
  if (std::isnan(yuan)) return 0;
  return static_cast<int64_t>(std::llround(std::clamp(yuan, -kMaxYuan, kMaxYuan) * 100.0));
}

std::optional<int64_t> WholeNumberIn(const json& value, int64_t low, int64_t high) {
  if (value.is_number_unsigned()) {
    const uint64_t n = value.get<uint64_t>();
    if (high < 0 || n > static_cast<uint64_t>(high)) return std::nullopt;
    if (low > 0 && n < static_cast<uint64_t>(low)) return std::nullopt;
    return static_cast<int64_t>(n);
  }
  if (!value.is_number_integer()) return std::nullopt;
  const int64_t n = value.get<int64_t>();
  if (n < low || n > high) return std::nullopt;
  return n;
}
double FenToYuan(int64_t fen) { return static_cast<double>(fen) / 100.0; }

json ToJson(const LocalizedName& name) { return {{"zh", name.zh}, {"en", name.en}}; }

json ToJson(const City& c) {
  json districts = json::array();
  for (const auto& d : c.districts) {
    json dj{{"id", d.id}, {"name", ToJson(d.name)}};
    if (!d.outline.empty()) dj["outline"] = RingJson(d.outline);
    districts.push_back(std::move(dj));
  }
  json j{{"id", c.id},
         {"name", ToJson(c.name)},
         {"time_zone", c.time_zone},
         {"locales", c.locales},
         {"districts", std::move(districts)},
         {"demo", c.is_demo}};
  if (!c.bbox.empty()) j["bbox"] = {c.bbox.min_lon, c.bbox.min_lat, c.bbox.max_lon, c.bbox.max_lat};
  return j;
}

Result<City> CityFromJson(const json& j) {
  Reader r(j);
  City c;
  c.id = r.String("id", true);
  c.name = ReadName(r, "name");
  if (r.Has("time_zone")) c.time_zone = r.String("time_zone");
  if (const json* locales = r.Array("locales")) {
    c.locales.clear();
    for (const auto& l : *locales) {
      if (l.is_string()) c.locales.push_back(l.get<std::string>());
    }
  }
  if (const json* bbox = r.Array("bbox")) {
    if (bbox->size() == 4 && (*bbox)[0].is_number()) {
      c.bbox = {(*bbox)[1].get<double>(), (*bbox)[0].get<double>(), (*bbox)[3].get<double>(),
                (*bbox)[2].get<double>()};
    } else {
      r.Fail("bbox", "must be [min_lon, min_lat, max_lon, max_lat]");
    }
  }
  if (const json* districts = r.Array("districts")) {
    for (const auto& dj : *districts) {
      Reader dr(dj);
      District d;
      d.id = dr.String("id", true);
      d.name = ReadName(dr, "name");
      d.outline = ReadRing(dr, "outline");
      r.Merge(dr.status(), "districts");
      c.districts.push_back(std::move(d));
    }
  }
  c.is_demo = r.Bool("demo").value_or(false);
  if (!r.status().ok()) return r.status();
  return c;
}

json ToJson(const Tariff& t) {
  json bands = json::array();
  for (const auto& b : t.bands) {
    bands.push_back({{"from", FormatMinuteOfDay(b.start_minute)},
                     {"to", FormatMinuteOfDay(b.end_minute)},
                     {"price_per_hour", FenToYuan(b.price_fen_per_hour)}});
  }
  json j{{"currency", t.currency}, {"free_minutes", t.free_minutes}, {"bands", std::move(bands)}};
  j["daily_cap"] = t.daily_cap_fen ? json(FenToYuan(*t.daily_cap_fen)) : json(nullptr);
  return j;
}

Result<Tariff> TariffFromJson(const json& j) {
  Reader r(j);
  Tariff t;
  if (r.Has("currency")) t.currency = r.String("currency");
  t.free_minutes = r.Int("free_minutes").value_or(0);
  if (const json* bands = r.Array("bands")) {
    for (const auto& bj : *bands) {
      Reader br(bj);
      TariffBand band;
      auto from = ParseMinuteOfDay(br.String("from", true), "from");
      auto to = ParseMinuteOfDay(br.String("to", true), "to");
      auto price = br.Number("price_per_hour", true);
      if (!br.status().ok()) {
        r.Merge(br.status(), "bands");
        break;
      }
      if (!from.ok()) {
        r.Merge(from.status(), "bands");
        break;
      }
      if (!to.ok()) {
        r.Merge(to.status(), "bands");
        break;
      }
      band.start_minute = *from;
      band.end_minute = *to;
      band.price_fen_per_hour = YuanToFen(price.value_or(0));
      t.bands.push_back(band);
    }
  }
  if (auto cap = r.Number("daily_cap")) t.daily_cap_fen = YuanToFen(*cap);
  if (!r.status().ok()) return r.status();
  return t;
}

json ToJson(const Facility& f) {
  json capacity = json::object();
  capacity["total"] = f.capacity.total ? json(*f.capacity.total) : json(nullptr);
  for (const auto& [cat, n] : f.capacity.by_category) capacity[std::string(Name(cat))] = n;
  json entrances = json::array();
  for (const auto& e : f.entrances) {
    entrances.push_back(
        {{"id", e.id}, {"lat", e.location.lat}, {"lon", e.location.lon}, {"kind", Name(e.kind)}});
  }
  json j{{"id", f.id.str()},
         {"name", ToJson(f.name)},
         {"kind", Name(f.kind)},
         {"location", LatLonJson(f.location)},
         {"entrances", std::move(entrances)},
         {"capacity", std::move(capacity)},
         {"operator", f.operator_name},
         {"opening_hours", f.opening_hours},
         {"district", f.district},
         {"access", Name(f.access)},
         {"restricted", IsRestricted(f.access)},
         {"origin", Name(f.origin)}};
  j["tariff"] = f.tariff ? ToJson(*f.tariff) : json(nullptr);
  j["fee"] = f.fee ? json(*f.fee) : json(nullptr);
  j["max_height_m"] = f.max_height_m ? json(*f.max_height_m) : json(nullptr);
  if (!f.outline.empty()) j["outline"] = RingJson(f.outline);
  if (!f.osm_ref.empty()) j["osm_ref"] = f.osm_ref;
  return j;
}

Result<Facility> FacilityFromJson(const json& j) {
  Reader r(j);
  Facility f;
  f.id = FacilityId(r.String("id", true));
  f.name = ReadName(r, "name");
  f.kind = r.Enum<FacilityKind>("kind", true).value_or(FacilityKind::kSurface);
  f.location = ReadLatLon(r, "location");
  f.outline = ReadRing(r, "outline");
  if (const json* entrances = r.Array("entrances")) {
    for (const auto& ej : *entrances) {
      Reader er(ej);
      Entrance e;
      e.id = er.String("id", true);
      e.location.lat = er.Number("lat", true).value_or(0);
      e.location.lon = er.Number("lon", true).value_or(0);
      e.kind = er.Enum<EntranceKind>("kind").value_or(EntranceKind::kVehicle);
      r.Merge(er.status(), "entrances");
      f.entrances.push_back(std::move(e));
    }
  }
  if (const json* cap = r.Object("capacity")) {
    Reader cr(*cap);
    f.capacity.total = cr.Int("total");
    for (const auto& [cat, name] : EnumNames<SpaceCategory>::kTable) {
      if (auto n = cr.Int(name)) f.capacity.by_category[cat] = *n;
    }
    r.Merge(cr.status(), "capacity");
  }
  f.operator_name = r.String("operator");
  f.opening_hours = r.String("opening_hours");
  f.district = r.String("district");
  f.access = r.Enum<Access>("access").value_or(Access::kPublic);
  f.origin = r.Enum<Origin>("origin").value_or(Origin::kSurvey);
  f.osm_ref = r.String("osm_ref");
  f.fee = r.Bool("fee");
  if (auto h = r.Number("max_height_m")) f.max_height_m = *h;
  if (const json* tariff = r.Object("tariff")) {
    auto t = TariffFromJson(*tariff);
    if (t.ok()) {
      f.tariff = *t;
    } else {
      r.Merge(t.status(), "tariff");
    }
  }
  if (!r.status().ok()) return r.status();
  return f;
}

json ToJson(const Bay& b) {
  json j{{"id", b.id.str()},
         {"facility", b.facility.str()},
         {"location", LatLonJson(b.location)},
         {"sensor_id", b.sensor_id},
         {"origin", Name(b.origin)}};
  j["category"] = b.category ? json(Name(*b.category)) : json(nullptr);
  j["time_limit_minutes"] = b.time_limit_minutes ? json(*b.time_limit_minutes) : json(nullptr);
  return j;
}

Result<Bay> BayFromJson(const json& j) {
  Reader r(j);
  Bay b;
  b.id = BayId(r.String("id", true));
  b.facility = FacilityId(r.String("facility", true));
  b.location = ReadLatLon(r, "location");
  b.category = r.Enum<SpaceCategory>("category");
  b.time_limit_minutes = r.Int("time_limit_minutes");
  b.sensor_id = r.String("sensor_id");
  b.origin = r.Enum<Origin>("origin").value_or(Origin::kSurvey);
  if (!r.status().ok()) return r.status();
  return b;
}

json ToJson(const Charger& c) {
  json connectors = json::array();
  for (const auto& con : c.connectors) {
    connectors.push_back({{"id", con.id}, {"type", Name(con.type)}, {"power_kw", con.power_kw}});
  }
  json j{{"id", c.id.str()},
         {"site", c.site},
         {"name", ToJson(c.name)},
         {"location", LatLonJson(c.location)},
         {"connectors", std::move(connectors)},
         {"operator", c.operator_name},
         {"district", c.district},
         {"access", Name(c.access)},
         {"lifecycle", Name(c.lifecycle)},
         {"planned_date", c.planned_date},
         {"construction_date", c.construction_date},
         {"in_service_date", c.in_service_date},
         {"retired_date", c.retired_date},
         {"origin", Name(c.origin)}};
  j["facility"] = c.facility ? json(c.facility->str()) : json(nullptr);
  if (!c.osm_ref.empty()) j["osm_ref"] = c.osm_ref;
  return j;
}

Result<Charger> ChargerFromJson(const json& j) {
  Reader r(j);
  Charger c;
  c.id = ChargerId(r.String("id", true));
  c.site = r.String("site");
  if (std::string f = r.String("facility"); !f.empty()) c.facility = FacilityId(f);
  c.name = ReadName(r, "name");
  c.location = ReadLatLon(r, "location");
  if (const json* connectors = r.Array("connectors")) {
    for (const auto& cj : *connectors) {
      Reader cr(cj);
      Connector con;
      con.id = cr.Int("id", true).value_or(1);
      con.type = cr.Enum<ConnectorType>("type", true).value_or(ConnectorType::kGbtAc);
      con.power_kw = cr.Number("power_kw").value_or(0);
      r.Merge(cr.status(), "connectors");
      c.connectors.push_back(con);
    }
  }
  c.operator_name = r.String("operator");
  c.district = r.String("district");
  c.access = r.Enum<Access>("access").value_or(Access::kPublic);
  c.lifecycle = r.Enum<Lifecycle>("lifecycle").value_or(Lifecycle::kInService);
  c.planned_date = r.String("planned_date");
  c.construction_date = r.String("construction_date");
  c.in_service_date = r.String("in_service_date");
  c.retired_date = r.String("retired_date");
  c.origin = r.Enum<Origin>("origin").value_or(Origin::kSurvey);
  c.osm_ref = r.String("osm_ref");
  if (!r.status().ok()) return r.status();
  return c;
}

json ToJson(const Sign& s) {
  json lines = json::array();
  for (const auto& line : s.lines) {
    json ids = json::array();
    for (const auto& id : line.facilities) ids.push_back(id.str());
    json lj{
        {"facilities", std::move(ids)}, {"arrow", Name(line.arrow)}, {"label", ToJson(line.label)}};
    if (line.category) lj["category"] = Name(*line.category);
    lines.push_back(std::move(lj));
  }
  return {{"id", s.id.str()},
          {"name", ToJson(s.name)},
          {"location", LatLonJson(s.location)},
          {"level", static_cast<int>(s.level)},
          {"lines", std::move(lines)},
          {"digits", s.digits},
          {"bilingual", s.bilingual},
          {"controller_id", s.controller_id},
          {"origin", Name(s.origin)}};
}

Result<Sign> SignFromJson(const json& j) {
  Reader r(j);
  Sign s;
  s.id = SignId(r.String("id", true));
  s.name = ReadName(r, "name");
  s.location = ReadLatLon(r, "location");
  int level = r.Int("level", true).value_or(2);
  if (level < 1 || level > 3) r.Fail("level", "must be 1, 2 or 3");
  s.level = static_cast<SignLevel>(level);
  if (const json* lines = r.Array("lines")) {
    for (const auto& lj : *lines) {
      Reader lr(lj);
      SignLine line;
      if (const json* ids = lr.Array("facilities")) {
        for (const auto& id : *ids) {
          if (id.is_string()) line.facilities.emplace_back(id.get<std::string>());
        }
      }
      line.category = lr.Enum<SpaceCategory>("category");
      line.arrow = lr.Enum<Arrow>("arrow").value_or(Arrow::kNone);
      line.label = ReadName(lr, "label");
      r.Merge(lr.status(), "lines");
      s.lines.push_back(std::move(line));
    }
  }
  s.digits = r.Int("digits").value_or(3);
  s.bilingual = r.Bool("bilingual").value_or(true);
  s.controller_id = r.String("controller_id");
  s.origin = r.Enum<Origin>("origin").value_or(Origin::kSurvey);
  if (!r.status().ok()) return r.status();
  return s;
}

json ToJson(const SourceScope& scope) { return FormatScope(scope); }

json ToJson(const Source& s) {
  json j{{"id", s.id.str()},
         {"kind", Name(s.kind)},
         {"scope", FormatScope(s.scope)},
         {"interval_s", s.expected_interval.count()},
         {"description", s.description}};
  j["revoked_at"] = s.revoked_at ? json(FormatRfc3339Utc(*s.revoked_at)) : json(nullptr);
  return j;
}

Result<Source> SourceFromJson(const json& j) {
  Reader r(j);
  Source s;
  s.id = SourceId(r.String("id", true));
  s.kind = r.Enum<SourceKind>("kind", true).value_or(SourceKind::kManual);
  auto scope = ParseScope(r.String("scope", true));
  if (scope.ok()) {
    s.scope = *scope;
  } else if (r.status().ok()) {
    r.Merge(scope.status(), "scope");
  }
  s.expected_interval = std::chrono::seconds(r.Int("interval_s").value_or(300));
  s.description = r.String("description");
  if (std::string revoked = r.String("revoked_at"); !revoked.empty()) {
    auto t = ParseRfc3339(revoked);
    if (t.ok()) {
      s.revoked_at = *t;
    } else {
      r.Merge(t.status(), "revoked_at");
    }
  }
  if (!r.status().ok()) return r.status();
  return s;
}

Result<SourceScope> ParseScope(std::string_view text) {
  SourceScope scope;
  text = TrimSpace(text);
  if (text.empty()) return InvalidArgument("is empty; use all or facility:ID,…", "scope");
  for (auto item : SplitString(text, ',')) {
    item = TrimSpace(item);
    if (item == "all") {
      scope.all = true;
      continue;
    }
    size_t colon = item.find(':');
    if (colon == std::string_view::npos || colon + 1 == item.size()) {
      return InvalidArgument(
          fmt::format("'{}' is not all, facility:ID, bay:ID, charger:ID or operator:NAME", item),
          "scope");
    }
    std::string_view kind = item.substr(0, colon);
    std::string value(item.substr(colon + 1));
    if (kind == "facility") {
      scope.facilities.emplace_back(value);
    } else if (kind == "bay") {
      scope.bays.emplace_back(value);
    } else if (kind == "charger") {
      scope.chargers.emplace_back(value);
    } else if (kind == "operator") {
      scope.operators.push_back(value);
    } else {
      return InvalidArgument(fmt::format("'{}': unknown scope kind '{}'", item, kind), "scope");
    }
  }
  return scope;
}

std::string FormatScope(const SourceScope& scope) {
  if (scope.all) return "all";
  std::string out;
  auto add = [&](std::string_view kind, const std::string& v) {
    if (!out.empty()) out += ',';
    out += kind;
    out += ':';
    out += v;
  };
  for (const auto& id : scope.facilities) add("facility", id.str());
  for (const auto& id : scope.bays) add("bay", id.str());
  for (const auto& id : scope.chargers) add("charger", id.str());
  for (const auto& op : scope.operators) add("operator", op);
  return out;
}

}  // namespace pg::model
