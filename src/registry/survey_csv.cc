// Survey CSV files: one kind of entry per file, told by the file name or the header.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <type_traits>

#include "core/csv.h"
#include "core/strings.h"
#include "model/model_json.h"
#include "model/validation.h"
#include "model/vocabulary.h"
#include "registry/survey.h"
#include "registry/survey_cells.h"
#include "registry/survey_internal.h"

namespace pg::registry {
namespace survey_internal {
namespace {

using model::SpaceCategory;

struct KindSpec {
  EntryKind kind;
  std::string_view file_word;              // the file name starts with it: "facilities_2026.csv"
  std::string_view singular;               // also accepted: "facility.csv"
  std::string_view marker;                 // the column only this kind has; empty when none
  std::vector<std::string_view> columns;   // the template, in order
  std::vector<std::string_view> required;  // columns that must be in the header
};

const std::vector<KindSpec>& Specs() {
  static const auto* specs = new std::vector<KindSpec>{
      {EntryKind::kFacility,
       "facilities",
       "facility",
       "capacity",
       {"id",
        "name_zh",
        "name_en",
        "kind",
        "lat",
        "lon",
        "capacity",
        "capacity_disabled",
        "capacity_ev",
        "capacity_family",
        "capacity_motorcycle",
        "operator",
        "opening_hours",
        "tariff",
        "fee",
        "max_height_m",
        "district",
        "access",
        "entrances",
        "outline",
        "osm_ref",
        "crs"},
       {"id", "kind", "lat", "lon", "capacity"}},
      {EntryKind::kBay,
       "bays",
       "bay",
       "sensor_id",
       {"id", "facility", "category", "lat", "lon", "time_limit_minutes", "sensor_id", "crs"},
       {"id", "facility", "lat", "lon"}},
      {EntryKind::kCharger,
       "chargers",
       "charger",
       "connectors",
       {"id", "site", "facility", "name_zh", "name_en", "lat", "lon", "connectors", "operator",
        "district", "access", "lifecycle", "planned_date", "construction_date", "in_service_date",
        "retired_date", "osm_ref", "crs"},
       {"id", "lat", "lon", "connectors"}},
      {EntryKind::kSign,
       "signs",
       "sign",
       "lines",
       {"id", "name_zh", "name_en", "lat", "lon", "level", "lines", "digits", "bilingual",
        "controller_id", "crs"},
       {"id", "lat", "lon", "level", "lines"}},
      {EntryKind::kSource,
       "sources",
       "source",
       "scope",
       {"id", "kind", "scope", "interval_s", "description"},
       {"id", "kind", "scope"}},
      {EntryKind::kCity,
       "city",
       "city",
       "time_zone",
       {"id", "name_zh", "name_en", "time_zone", "locales", "bbox", "demo", "crs"},
       {"id"}},
      {EntryKind::kDistrict,
       "districts",
       "district",
       "",
       {"id", "name_zh", "name_en", "outline", "crs"},
       {"id"}},
  };
  return *specs;
}

const KindSpec& SpecOf(EntryKind kind) {
  for (const auto& spec : Specs()) {
    if (spec.kind == kind) return spec;
  }
  PG_ASSERT(false);
  return Specs().front();
}

// The kind a file's name announces: its name starts with the kind's word, and the word ends
// there ("facilities_2026.csv", "Bays (zone 3).csv"; not "signature.csv").
const KindSpec* KindFromFileName(const std::string& file) {
  std::string stem = ToLowerAscii(std::filesystem::path(file).stem().string());
  for (const auto& spec : Specs()) {
    for (std::string_view word : {spec.file_word, spec.singular}) {
      if (stem.starts_with(word) &&
          (stem.size() == word.size() ||
           !std::isalpha(static_cast<unsigned char>(stem[word.size()])))) {
        return &spec;
      }
    }
  }
  return nullptr;
}

bool IsBlank(const CsvRecord& r) {
  return std::all_of(r.cells.begin(), r.cells.end(),
                     [](const std::string& c) { return TrimSpace(c).empty(); });
}

// A row whose first cell starts with '#' is a note for people (ids cannot start with '#').
bool IsComment(const CsvRecord& r) {
  return !r.cells.empty() && TrimSpace(r.cells[0]).starts_with('#');
}

struct Header {
  const KindSpec* spec = nullptr;
  std::map<std::string, size_t, std::less<>> index;  // known column → cell position
  std::vector<size_t> untitled;                      // positions of columns without a name
  size_t width = 0;
};

// One data row: trimmed cells by column name, with every problem reported against the row.
class Row {
 public:
  Row(const Header& header, const CsvRecord& record, Place at, SurveyReading& reading)
      : header_(header), record_(record), at_(std::move(at)), reading_(reading) {}

  const Place& at() const { return at_; }
  bool ok() const { return ok_; }

  // The trimmed cell. A line break inside a quoted cell (Alt+Enter in Excel) or a tab is layout,
  // not content: each run of them reads as one space, so a wrapped name is the plain text it is
  // (any other control character is refused by the model's validation).
  std::string Text(std::string_view column) const {
    auto it = header_.index.find(column);
    if (it == header_.index.end() || it->second >= record_.cells.size()) return {};
    std::string text;
    bool in_break = false;
    for (char c : TrimSpace(record_.cells[it->second])) {
      const bool layout = c == '\n' || c == '\r' || c == '\t';
      if (!layout) text.push_back(c);
      if (layout && !in_break) text.push_back(' ');
      in_break = layout;
    }
    return text;
  }

  std::string Required(std::string_view column) {
    std::string text = Text(column);
    if (text.empty()) Fail(column, "is required");
    return text;
  }

  // The parsed cell; nullopt when blank (reported when required) or malformed (reported).
  template <typename F>
  auto Parse(std::string_view column, F parser, bool required = false)
      -> std::optional<std::decay_t<decltype(*parser(std::string_view()))>> {
    std::string text = Text(column);
    if (text.empty()) {
      if (required) Fail(column, "is required");
      return std::nullopt;
    }
    auto result = parser(text);
    if (!result.ok()) {
      Fail(column, result.status().message());
      return std::nullopt;
    }
    return std::move(*result);
  }

  // The row's `crs` cell: the system its coordinates are given in (WGS-84 when empty).
  Crs CoordinateSystem() {
    return Parse("crs", [](std::string_view text) { return ParseCrs(text, "crs"); })
        .value_or(Crs::kWgs84);
  }

  LatLon Location() {
    LatLon p;
    p.lat = Coordinate("lat", 90).value_or(0);
    p.lon = Coordinate("lon", 180).value_or(0);
    return p;
  }

  void Fail(std::string_view column, std::string message) {
    ok_ = false;
    reading_.Error(at_, std::string(column), std::move(message));
  }

 private:
  std::optional<double> Coordinate(std::string_view column, double limit) {
    auto value = Parse(column, ParseDecimalCell, /*required=*/true);
    if (value && !(*value >= -limit && *value <= limit)) {
      Fail(column, fmt::format("'{}' is outside [-{}, {}] degrees", Text(column), limit, limit));
      return std::nullopt;
    }
    return value;
  }

  const Header& header_;
  const CsvRecord& record_;
  Place at_;
  SurveyReading& reading_;
  bool ok_ = true;
};

// Reads the id, claims it, and adds the entry when the whole row was fine.
template <typename T>
void Finish(Row& row, EntryKind kind, const std::string& id, T entry, SurveyReading& reading) {
  constexpr bool kPlaced = !std::is_same_v<T, model::Source>;
  Crs crs = Crs::kWgs84;
  if constexpr (kPlaced) crs = row.CoordinateSystem();
  if (id.empty()) return;  // "id: is required" already reported
  if (!reading.Claim(kind, id, row.at())) return;
  if (!row.ok()) {
    if constexpr (std::is_same_v<T, model::Facility>) {
      reading.rejected_facilities.emplace_back(id);
    }
    return;
  }
  if constexpr (kPlaced) {
    reading.Add(std::move(entry), row.at(), crs);
  } else {
    reading.Add(std::move(entry), row.at());
  }
}

void ReadFacility(Row& row, SurveyReading& reading) {
  model::Facility f;
  std::string id = row.Required("id");
  f.id = model::FacilityId(id);
  f.name = {row.Text("name_zh"), row.Text("name_en")};
  if (f.name.zh.empty() && f.name.en.empty()) {
    row.Fail("name_zh", "a facility needs a name in name_zh or name_en");
  }
  f.kind = row.Parse("kind", ParseEnumCell<model::FacilityKind>, true)
               .value_or(model::FacilityKind::kSurface);
  f.location = row.Location();
  f.capacity.total = row.Parse("capacity", ParseWholeNumberCell);
  for (const auto& [category, name] : model::EnumNames<SpaceCategory>::kTable) {
    if (auto n = row.Parse(fmt::format("capacity_{}", name), ParseWholeNumberCell)) {
      f.capacity.by_category[category] = *n;
    }
  }
  f.operator_name = row.Text("operator");
  f.opening_hours = row.Text("opening_hours");
  f.tariff = row.Parse("tariff", ParseTariffCell);
  f.fee = row.Parse("fee", ParseBoolCell);
  f.max_height_m = row.Parse("max_height_m", ParseDecimalCell);
  f.district = row.Text("district");
  f.access = row.Parse("access", ParseEnumCell<model::Access>).value_or(model::Access::kPublic);
  f.entrances = row.Parse("entrances", ParseEntrancesCell).value_or(std::vector<model::Entrance>{});
  f.outline = row.Parse("outline", ParsePointsCell).value_or(std::vector<LatLon>{});
  f.osm_ref = row.Text("osm_ref");
  Finish(row, EntryKind::kFacility, id, std::move(f), reading);
}

void ReadBay(Row& row, SurveyReading& reading) {
  model::Bay b;
  std::string id = row.Required("id");
  b.id = model::BayId(id);
  b.facility = model::FacilityId(row.Required("facility"));
  b.category = row.Parse("category", ParseEnumCell<SpaceCategory>);
  b.location = row.Location();
  b.time_limit_minutes = row.Parse("time_limit_minutes", ParseWholeNumberCell);
  b.sensor_id = row.Text("sensor_id");
  Finish(row, EntryKind::kBay, id, std::move(b), reading);
}

void ReadCharger(Row& row, SurveyReading& reading) {
  model::Charger c;
  std::string id = row.Required("id");
  c.id = model::ChargerId(id);
  c.site = row.Text("site");
  if (std::string facility = row.Text("facility"); !facility.empty()) {
    c.facility = model::FacilityId(facility);
  }
  c.name = {row.Text("name_zh"), row.Text("name_en")};
  c.location = row.Location();
  c.connectors =
      row.Parse("connectors", ParseConnectorsCell, true).value_or(std::vector<model::Connector>{});
  c.operator_name = row.Text("operator");
  c.district = row.Text("district");
  c.access = row.Parse("access", ParseEnumCell<model::Access>).value_or(model::Access::kPublic);
  c.lifecycle = row.Parse("lifecycle", ParseEnumCell<model::Lifecycle>)
                    .value_or(model::Lifecycle::kInService);
  c.planned_date = row.Parse("planned_date", ParseDateCell).value_or("");
  c.construction_date = row.Parse("construction_date", ParseDateCell).value_or("");
  c.in_service_date = row.Parse("in_service_date", ParseDateCell).value_or("");
  c.retired_date = row.Parse("retired_date", ParseDateCell).value_or("");
  c.osm_ref = row.Text("osm_ref");
  Finish(row, EntryKind::kCharger, id, std::move(c), reading);
}

void ReadSign(Row& row, SurveyReading& reading) {
  model::Sign s;
  std::string id = row.Required("id");
  s.id = model::SignId(id);
  s.name = {row.Text("name_zh"), row.Text("name_en")};
  s.location = row.Location();
  s.level =
      row.Parse("level", ParseEnumCell<model::SignLevel>, true).value_or(model::SignLevel::kRoute);
  s.lines = row.Parse("lines", ParseSignLinesCell, true).value_or(std::vector<model::SignLine>{});
  s.digits = row.Parse("digits", ParseWholeNumberCell).value_or(3);
  s.bilingual = row.Parse("bilingual", ParseBoolCell).value_or(true);
  s.controller_id = row.Text("controller_id");
  Finish(row, EntryKind::kSign, id, std::move(s), reading);
}

void ReadSource(Row& row, SurveyReading& reading) {
  model::Source s;
  std::string id = row.Required("id");
  s.id = model::SourceId(id);
  s.kind = row.Parse("kind", ParseEnumCell<model::SourceKind>, true)
               .value_or(model::SourceKind::kManual);
  s.scope = row.Parse("scope", model::ParseScope, true).value_or(model::SourceScope{});
  s.expected_interval =
      std::chrono::seconds(row.Parse("interval_s", ParseWholeNumberCell).value_or(300));
  s.description = row.Text("description");
  Finish(row, EntryKind::kSource, id, std::move(s), reading);
}

void ReadCity(Row& row, SurveyReading& reading) {
  model::City c;
  std::string id = row.Required("id");
  c.id = id;
  c.name = {row.Text("name_zh"), row.Text("name_en")};
  if (std::string zone = row.Text("time_zone"); !zone.empty()) c.time_zone = zone;
  if (std::string locales = row.Text("locales"); !locales.empty()) {
    c.locales = ParseListCell(locales);
  }
  c.bbox = row.Parse("bbox",
                     [](std::string_view text) -> Result<BoundingBox> {
                       auto box = ParseBoundingBox(text, "bbox");
                       if (!box.ok()) return InvalidArgument(box.status().message());
                       return box;
                     })
               .value_or(BoundingBox{});
  c.is_demo = row.Parse("demo", ParseBoolCell).value_or(false);
  const Crs crs = row.CoordinateSystem();
  if (id.empty()) return;
  if (reading.city_at) {
    row.Fail("id", fmt::format("a second city; the city is already given at {}",
                               PlaceText(*reading.city_at)));
    return;
  }
  if (row.ok()) reading.Add(std::move(c), row.at(), crs);
}

void ReadDistrict(Row& row, SurveyReading& reading) {
  model::District d;
  std::string id = row.Required("id");
  d.id = id;
  d.name = {row.Text("name_zh"), row.Text("name_en")};
  d.outline = row.Parse("outline", ParsePointsCell).value_or(std::vector<LatLon>{});
  // Checked here, on their own row: the city's validation sees districts only once placed.
  if (!id.empty()) {
    for (const Status& s : model::Validate(d)) {
      row.Fail(CsvColumnOf(EntryKind::kDistrict, s.field()), s.message());
    }
  }
  Finish(row, EntryKind::kDistrict, id, std::move(d), reading);
}

std::string MarkerList() {
  std::vector<std::string> parts;
  for (const auto& spec : Specs()) {
    if (!spec.marker.empty()) parts.push_back(fmt::format("{} ({})", spec.marker, spec.file_word));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string FileWordList() {
  std::vector<std::string> parts;
  for (const auto& spec : Specs()) parts.push_back(fmt::format("{}…", spec.file_word));
  return fmt::format("{}", fmt::join(parts, ", "));
}

// Decides the kind, checks the columns; nullopt (problems reported) when rows cannot be read.
std::optional<Header> ReadHeader(const std::string& file, const CsvRecord& record,
                                 SurveyReading& reading) {
  Place at{file, record.line, -1, false};
  std::vector<std::string> names;
  for (const auto& cell : record.cells) names.push_back(ToLowerAscii(TrimSpace(cell)));

  if (names.size() == 1 && names[0].find_first_of("\t;") != std::string::npos) {
    reading.Error(at, "",
                  "the header is a single column: cells must be separated by commas (save as "
                  "'CSV UTF-8 (Comma delimited)', not tab- or semicolon-separated)");
    return std::nullopt;
  }

  std::vector<const KindSpec*> by_marker;
  for (const auto& spec : Specs()) {
    if (!spec.marker.empty() && std::find(names.begin(), names.end(), spec.marker) != names.end()) {
      by_marker.push_back(&spec);
    }
  }
  const KindSpec* by_name = KindFromFileName(file);
  Header header;
  if (by_name) {
    if (!by_marker.empty() &&
        std::find(by_marker.begin(), by_marker.end(), by_name) == by_marker.end()) {
      reading.Error(at, "",
                    fmt::format("the file name says {}, but the header is that of {} (it has a "
                                "{} column)",
                                by_name->file_word, by_marker[0]->file_word, by_marker[0]->marker));
      return std::nullopt;
    }
    header.spec = by_name;
  } else if (by_marker.size() == 1) {
    header.spec = by_marker[0];
  } else if (by_marker.empty()) {
    reading.Error(at, "",
                  fmt::format("cannot tell which entries this file holds: start its name with "
                              "{} or keep the template's header with its {}",
                              FileWordList(), MarkerList()));
    return std::nullopt;
  } else {
    std::vector<std::string_view> markers;
    markers.reserve(by_marker.size());
    for (const auto* spec : by_marker) markers.push_back(spec->marker);
    reading.Error(at, "",
                  fmt::format("the header has columns of several kinds of entry ({}): one kind "
                              "per file",
                              fmt::join(markers, ", ")));
    return std::nullopt;
  }

  const KindSpec& spec = *header.spec;
  header.width = names.size();
  bool ok = true;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    if (name.empty()) {
      // Spreadsheets export untitled columns; they matter only when a row puts something there.
      header.untitled.push_back(i);
      continue;
    }
    if (std::find(spec.columns.begin(), spec.columns.end(), name) == spec.columns.end()) {
      reading.Warning(at, name, fmt::format("unknown column for {}, ignored", spec.file_word));
      continue;
    }
    if (!header.index.emplace(name, i).second) {
      reading.Error(at, name, "the column appears twice");
      ok = false;
    }
  }
  std::vector<std::string_view> missing;
  for (std::string_view column : spec.required) {
    if (!header.index.contains(column)) missing.push_back(column);
  }
  if (spec.kind == EntryKind::kFacility && !header.index.contains("name_zh") &&
      !header.index.contains("name_en")) {
    missing.emplace_back("name_zh or name_en");
  }
  if (!missing.empty()) {
    reading.Error(at, "",
                  fmt::format("missing required column{} for {}: {}", missing.size() > 1 ? "s" : "",
                              spec.file_word, fmt::join(missing, ", ")));
    ok = false;
  }
  if (!ok) return std::nullopt;
  return header;
}

}  // namespace

void ReadCsvSurvey(const std::string& file, std::string_view text, SurveyReading& reading) {
  Place whole{file, 0, -1, false};
  if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF")) {
    reading.Error(whole, "",
                  "is UTF-16 text: save it as 'CSV UTF-8 (Comma delimited)' (CSV UTF-8(逗号分隔))");
    return;
  }
  text = StripUtf8Bom(text);
  int line = 0;
  if (Status s = ValidateUtf8(text, &line); !s.ok()) {
    reading.Error({file, line, -1, false}, "",
                  fmt::format("{}: save the file as 'CSV UTF-8 (Comma delimited)' (CSV UTF-8"
                              "(逗号分隔)); Excel's plain 'CSV' writes GBK",
                              s.message()));
    return;
  }
  auto records = ParseCsv(text, &line);
  if (!records.ok()) {
    reading.Error({file, line, -1, false}, "", records.status().message());
    return;
  }
  auto it = records->begin();
  while (it != records->end() && (IsBlank(*it) || IsComment(*it))) ++it;
  if (it == records->end()) {
    reading.Error(whole, "", "has no header row (the first row names the columns)");
    return;
  }
  std::optional<Header> header = ReadHeader(file, *it, reading);
  if (!header) return;
  bool warned_untitled = false;
  for (++it; it != records->end(); ++it) {
    if (IsBlank(*it) || IsComment(*it)) continue;
    Row row(*header, *it, Place{file, it->line, -1, false}, reading);
    for (size_t i = header->width; i < it->cells.size(); ++i) {
      if (!TrimSpace(it->cells[i]).empty()) {
        row.Fail("", fmt::format("the row has {} cells, but the header has only {} columns",
                                 it->cells.size(), header->width));
        break;
      }
    }
    for (size_t i : header->untitled) {
      if (!warned_untitled && i < it->cells.size() && !TrimSpace(it->cells[i]).empty()) {
        reading.Warning(
            row.at(), "",
            fmt::format("column {} has no name in the header; its cells are ignored", i + 1));
        warned_untitled = true;
      }
    }
    switch (header->spec->kind) {
      case EntryKind::kFacility:
        ReadFacility(row, reading);
        break;
      case EntryKind::kBay:
        ReadBay(row, reading);
        break;
      case EntryKind::kCharger:
        ReadCharger(row, reading);
        break;
      case EntryKind::kSign:
        ReadSign(row, reading);
        break;
      case EntryKind::kSource:
        ReadSource(row, reading);
        break;
      case EntryKind::kCity:
        ReadCity(row, reading);
        break;
      case EntryKind::kDistrict:
        ReadDistrict(row, reading);
        break;
    }
  }
}

std::string CsvColumnOf(EntryKind kind, std::string_view field) {
  if (field == "location") return "lat";
  if (field == "name.zh") return "name_zh";
  if (field == "name.en") return "name_en";
  switch (kind) {
    case EntryKind::kFacility:
      if (field.starts_with("capacity:")) return "capacity_" + std::string(field.substr(9));
      if (field == "max_height") return "max_height_m";
      if (field == "free_minutes" || field == "price_per_hour" || field == "daily_cap") {
        return "tariff";
      }
      break;
    case EntryKind::kCharger:
      if (field == "power_kw") return "connectors";
      break;
    case EntryKind::kSource:
      if (field == "interval") return "interval_s";
      break;
    case EntryKind::kCity:
      if (field == "name") return "name_zh";
      break;
    case EntryKind::kDistrict:
    case EntryKind::kBay:
    case EntryKind::kSign:
      break;
  }
  return std::string(field);
}

}  // namespace survey_internal

namespace {

using model::SpaceCategory;
using survey_internal::EntryKind;

std::string Optional(const std::optional<int>& v) { return v ? std::to_string(*v) : ""; }
std::string Optional(const std::optional<double>& v) { return v ? FormatDecimal(*v) : ""; }
std::string Optional(const std::optional<bool>& v) { return v ? (*v ? "true" : "false") : ""; }

std::string Bool(bool v) { return v ? "true" : "false"; }

struct PendingFile {
  std::string name;
  EntryKind kind;
  std::vector<std::vector<std::string>> rows;
};

// Writes the rows under the template header of their kind.
Status WriteCsvFile(const std::filesystem::path& dir, const PendingFile& file) {
  std::filesystem::path path = dir / file.name;
  const auto& spec = survey_internal::SpecOf(file.kind);
  std::string text = "\xEF\xBB\xBF";
  text += CsvLine(std::vector<std::string>(spec.columns.begin(), spec.columns.end()));
  // The registry is WGS-84, and the files say so in their last column when they have one.
  const bool has_crs = !spec.columns.empty() && spec.columns.back() == "crs";
  for (std::vector<std::string> row : file.rows) {
    if (has_crs) row.emplace_back(CrsName(Crs::kWgs84));
    PG_ASSERT(row.size() == spec.columns.size());
    text += CsvLine(row);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Unavailable(fmt::format("cannot write {}", path.string()));
  return Status::Ok();
}

// Adds the entry and field to a formatter's error, so the caller knows what to fix.
template <typename T>
Result<T> InEntry(Result<T> r, std::string_view kind, const std::string& id,
                  std::string_view field) {
  if (r.ok()) return r;
  return InvalidArgument(fmt::format("{} '{}': {}", kind, id, r.status().message()),
                         std::string(field));
}

using Rows = std::vector<std::vector<std::string>>;

// city.csv, and districts.csv when the city has districts.
void AddCityFiles(const model::City& c, std::vector<PendingFile>& files) {
  std::string bbox;
  if (!c.bbox.empty()) {
    bbox = fmt::format("{},{},{},{}", FormatDecimal(c.bbox.min_lon), FormatDecimal(c.bbox.min_lat),
                       FormatDecimal(c.bbox.max_lon), FormatDecimal(c.bbox.max_lat));
  }
  files.push_back({"city.csv",
                   EntryKind::kCity,
                   {{c.id, c.name.zh, c.name.en, c.time_zone,
                     fmt::format("{}", fmt::join(c.locales, ";")), bbox, Bool(c.is_demo)}}});
  if (c.districts.empty()) return;
  Rows rows;
  for (const auto& d : c.districts) {
    rows.push_back({d.id, d.name.zh, d.name.en, FormatPointsCell(d.outline)});
  }
  files.push_back({"districts.csv", EntryKind::kDistrict, std::move(rows)});
}

Result<std::vector<std::string>> FacilityRow(const model::Facility& f) {
  auto category = [&](SpaceCategory cat) {
    auto it = f.capacity.by_category.find(cat);
    return it == f.capacity.by_category.end() ? std::string() : std::to_string(it->second);
  };
  PG_ASSIGN_OR_RETURN(std::string entrances, InEntry(FormatEntrancesCell(f.entrances), "facility",
                                                     f.id.str(), "entrances"));
  return std::vector<std::string>{f.id.str(),
                                  f.name.zh,
                                  f.name.en,
                                  std::string(model::Name(f.kind)),
                                  FormatDecimal(f.location.lat),
                                  FormatDecimal(f.location.lon),
                                  Optional(f.capacity.total),
                                  category(SpaceCategory::kDisabled),
                                  category(SpaceCategory::kEv),
                                  category(SpaceCategory::kFamily),
                                  category(SpaceCategory::kMotorcycle),
                                  f.operator_name,
                                  f.opening_hours,
                                  f.tariff ? FormatTariffCell(*f.tariff) : "",
                                  Optional(f.fee),
                                  Optional(f.max_height_m),
                                  f.district,
                                  std::string(model::Name(f.access)),
                                  entrances,
                                  FormatPointsCell(f.outline),
                                  f.osm_ref};
}

std::vector<std::string> BayRow(const model::Bay& b) {
  return {b.id.str(),
          b.facility.str(),
          b.category ? std::string(model::Name(*b.category)) : "",
          FormatDecimal(b.location.lat),
          FormatDecimal(b.location.lon),
          Optional(b.time_limit_minutes),
          b.sensor_id};
}

std::vector<std::string> ChargerRow(const model::Charger& c) {
  return {c.id.str(),
          c.site,
          c.facility ? c.facility->str() : "",
          c.name.zh,
          c.name.en,
          FormatDecimal(c.location.lat),
          FormatDecimal(c.location.lon),
          FormatConnectorsCell(c.connectors),
          c.operator_name,
          c.district,
          std::string(model::Name(c.access)),
          std::string(model::Name(c.lifecycle)),
          c.planned_date,
          c.construction_date,
          c.in_service_date,
          c.retired_date,
          c.osm_ref};
}

Result<std::vector<std::string>> SignRow(const model::Sign& s) {
  PG_ASSIGN_OR_RETURN(std::string lines,
                      InEntry(FormatSignLinesCell(s.lines), "sign", s.id.str(), "lines"));
  return std::vector<std::string>{s.id.str(),
                                  s.name.zh,
                                  s.name.en,
                                  FormatDecimal(s.location.lat),
                                  FormatDecimal(s.location.lon),
                                  std::string(model::Name(s.level)),
                                  lines,
                                  std::to_string(s.digits),
                                  Bool(s.bilingual),
                                  s.controller_id};
}

std::vector<std::string> SourceRow(const model::Source& s) {
  return {s.id.str(), std::string(model::Name(s.kind)), model::FormatScope(s.scope),
          std::to_string(s.expected_interval.count()), s.description};
}

// One file of `entries` (none when there are none), each row made by `row`, which returns the
// row or (for Result) the error of an entry that has no cell form.
template <typename Entry, typename RowOf>
Status AddFile(const std::vector<Entry>& entries, const char* name, EntryKind kind, RowOf row,
               std::vector<PendingFile>& files) {
  if (entries.empty()) return Status::Ok();
  Rows rows;
  for (const Entry& e : entries) {
    if constexpr (std::is_same_v<decltype(row(e)), std::vector<std::string>>) {
      rows.push_back(row(e));
    } else {
      PG_ASSIGN_OR_RETURN(auto r, row(e));
      rows.push_back(std::move(r));
    }
  }
  files.push_back({name, kind, std::move(rows)});
  return Status::Ok();
}

}  // namespace

Status WriteSurveyCsv(const model::RegistryData& data, const std::string& directory) {
  std::filesystem::path dir(directory);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Unavailable(fmt::format("cannot create {}: {}", directory, ec.message()));

  // Every row is formatted before any file is written, so a value without a cell form leaves
  // the directory as it was.
  std::vector<PendingFile> files;
  if (data.city) AddCityFiles(*data.city, files);
  PG_RETURN_IF_ERROR(
      AddFile(data.facilities, "facilities.csv", EntryKind::kFacility, FacilityRow, files));
  PG_RETURN_IF_ERROR(AddFile(data.bays, "bays.csv", EntryKind::kBay, BayRow, files));
  PG_RETURN_IF_ERROR(
      AddFile(data.chargers, "chargers.csv", EntryKind::kCharger, ChargerRow, files));
  PG_RETURN_IF_ERROR(AddFile(data.signs, "signs.csv", EntryKind::kSign, SignRow, files));
  PG_RETURN_IF_ERROR(AddFile(data.sources, "sources.csv", EntryKind::kSource, SourceRow, files));
  for (const PendingFile& file : files) PG_RETURN_IF_ERROR(WriteCsvFile(dir, file));
  return Status::Ok();
}

}  // namespace pg::registry
