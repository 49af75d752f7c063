#include "interchange/datex2_publications.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <pugixml.hpp>
#include <sstream>
#include <vector>

#include "model/opening_hours.h"
#include "model/vocabulary.h"

namespace pg::interchange {
namespace {

constexpr const char* kNamespaces[][2] = {
    {"xmlns:d2", "http://datex2.eu/schema/3/d2Payload"},
    {"xmlns:com", "http://datex2.eu/schema/3/common"},
    {"xmlns:loc", "http://datex2.eu/schema/3/locationReferencing"},
    {"xmlns:prk", "http://datex2.eu/schema/3/parking"},
    {"xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"}};

// DATEX's CurrencyEnum (DATEXII_3_Parking.xsd); any other ISO 4217 code goes as _extended.
constexpr std::string_view kDatexCurrencies[] = {"eur", "all", "amd", "azn", "bam", "bgn", "byr",
                                                 "chf", "czk", "dkk", "gbp", "gel", "hrk", "huf",
                                                 "isk", "ltl", "mdl", "mkd", "nok", "pln", "ron",
                                                 "rsd", "rub", "sek", "try", "uah", "usd"};

// The fixed group index of each space category, the same in the table and the status.
int GroupIndex(model::SpaceCategory c) { return static_cast<int>(c) + 1; }

pugi::xml_node Text(pugi::xml_node parent, const char* name, std::string_view text) {
  pugi::xml_node n = parent.append_child(name);
  n.text().set(std::string(text).c_str());
  return n;
}

pugi::xml_node Typed(pugi::xml_node parent, const char* name, const char* xsi_type) {
  pugi::xml_node n = parent.append_child(name);
  n.append_attribute("xsi:type") = xsi_type;
  return n;
}

// com:MultilingualString with the languages the name has.
void Multilingual(pugi::xml_node parent, const char* name, const model::LocalizedName& text) {
  if (text.zh.empty() && text.en.empty()) return;
  pugi::xml_node values = parent.append_child(name).append_child("com:values");
  for (const auto& [lang, value] : {std::pair{"zh-CN", &text.zh}, std::pair{"en", &text.en}}) {
    if (value->empty()) continue;
    pugi::xml_node v = Text(values, "com:value", *value);
    v.append_attribute("lang") = lang;
  }
}

void Point(pugi::xml_node parent, const char* name, const LatLon& p) {
  pugi::xml_node coords = Typed(parent, name, "loc:PointLocation")
                              .append_child("loc:pointByCoordinates")
                              .append_child("loc:pointCoordinates");
  Text(coords, "loc:latitude", fmt::format("{:.7f}", p.lat));
  Text(coords, "loc:longitude", fmt::format("{:.7f}", p.lon));
}

std::string Money(int64_t fen) { return fmt::format("{}.{:02}", fen / 100, fen % 100); }

std::string TimeOfDay(int minute) {
  return fmt::format("{:02}:{:02}:00", minute / 60 % 24, minute % 60);
}

std::string Digest(std::string_view text) {
  std::array<unsigned char, 8> hash{};
  crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  std::string hex(hash.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), hash.data(), hash.size());
  hex.pop_back();
  return hex;
}

std::string Serialize(const pugi::xml_node& node) {
  std::ostringstream out;
  node.print(out, "", pugi::format_raw);
  return out.str();
}

void Currency(pugi::xml_node band, const std::string& iso) {
  std::string code = iso;
  std::transform(code.begin(), code.end(), code.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  pugi::xml_node n = band.append_child("prk:chargeCurrency");
  if (std::find(std::begin(kDatexCurrencies), std::end(kDatexCurrencies), code) !=
      std::end(kDatexCurrencies)) {
    n.text().set(code.c_str());
  } else {
    n.append_attribute("_extendedValue") = code.c_str();
    n.text().set("_extended");
  }
}

void Charge(pugi::xml_node band, int64_t fen, int interval_s, const char* type, int order) {
  pugi::xml_node c = band.append_child("prk:charge");
  Text(c, "prk:charge", Money(fen));
  if (interval_s > 0) Text(c, "prk:chargeInterval", std::to_string(interval_s));
  Text(c, "prk:chargeType", type);
  if (std::string_view(type) == "freeParking") Text(c, "prk:maxIterationsOfCharge", "1");
  if (order > 0) Text(c, "prk:chargeOrderIndex", std::to_string(order));
}

// The tariff as one ChargeBand: free minutes, a price per hour per time band, the daily cap.
void Tariff(pugi::xml_node record, const model::Facility& f) {
  const model::Tariff& t = *f.tariff;
  pugi::xml_node tp = record.append_child("prk:tariffsAndPayment");
  Text(tp, "prk:freeOfCharge", t.bands.empty() ? "true" : "false");
  if (t.bands.empty()) return;
  pugi::xml_node band = tp.append_child("prk:chargeBand");
  band.append_attribute("id") = (f.id.str() + ":tariff").c_str();
  band.append_attribute("version") = "1";
  Currency(band, t.currency);
  int order = 1;
  if (t.free_minutes > 0) Charge(band, 0, t.free_minutes * 60, "freeParking", order++);
  for (const model::TariffBand& b : t.bands) {
    // A band across midnight is two periods of the day: DATEX does not define one that wraps.
    std::vector<std::pair<int, int>> spans{{b.start_minute, b.end_minute}};
    if (b.end_minute <= b.start_minute) spans = {{b.start_minute, 24 * 60}, {0, b.end_minute}};
    for (const auto& [start, end] : spans) {
      if (end == start) continue;
      pugi::xml_node c = band.append_child("prk:charge");
      Text(c, "prk:charge", Money(b.price_fen_per_hour));
      Text(c, "prk:chargeInterval", "3600");
      Text(c, "prk:chargeType", "additionalIntervalPrice");
      Text(c, "prk:chargeOrderIndex", std::to_string(order++));
      if (start == 0 && end == 24 * 60) continue;
      pugi::xml_node period = c.append_child("prk:timePeriodOfDay");
      Text(period, "com:startTimeOfPeriod", TimeOfDay(start));
      Text(period, "com:endTimeOfPeriod", end == 24 * 60 ? "23:59:59" : TimeOfDay(end));
    }
  }
  if (t.daily_cap_fen) Charge(band, *t.daily_cap_fen, 86400, "maximum", 0);
}

// One group of spaces per counted category, with what makes a space of it.
void SpaceGroups(pugi::xml_node record, const model::Facility& f) {
  for (const auto& [category, spaces] : f.capacity.by_category) {
    pugi::xml_node group = record.append_child("prk:groupOfParkingSpaces");
    group.append_attribute("groupIndex") = GroupIndex(category);
    pugi::xml_node basics = Typed(group, "prk:parkingSpaceBasics", "prk:GroupOfParkingSpaces");
    Multilingual(basics, "prk:parkingSpaceOrGroupIdentifier",
                 {"", std::string(model::Name(category))});
    if (category == model::SpaceCategory::kDisabled) {
      Text(basics, "prk:accessibility", "handicappedMarked");
    }
    pugi::xml_node only = basics.append_child("prk:onlyAssignedParking");
    switch (category) {
      case model::SpaceCategory::kDisabled:
        Text(only, "prk:applicableForUser", "disabled");
        break;
      case model::SpaceCategory::kFamily:
        Text(only, "prk:applicableForUser", "families");
        break;
      case model::SpaceCategory::kEv:
        Text(only.append_child("prk:vehicleCharacteristics"), "com:fuelType", "battery");
        break;
      case model::SpaceCategory::kMotorcycle:
        Text(only.append_child("prk:vehicleCharacteristics"), "com:vehicleType", "motorcycle");
        break;
    }
    Text(basics, "prk:parkingNumberOfSpaces", std::to_string(spaces));
    Text(basics, "prk:parkingTypeOfGroup", "statisticsOnly");
  }
}

// The occupied counts at which state::ViewFacility turns almost_full and full.
void Thresholds(pugi::xml_node record, int capacity, const state::LiveRules& rules) {
  if (capacity <= 0) return;
  const int almost_full =
      capacity - static_cast<int>(std::ceil(rules.almost_full_share * capacity));
  pugi::xml_node t = record.append_child("prk:parkingThresholds");
  Text(t, "prk:almostFullDecreasing", std::to_string(std::max(0, almost_full)));
  Text(t, "prk:almostFullIncreasing", std::to_string(std::max(0, almost_full)));
  Text(t, "prk:fullDecreasing", std::to_string(capacity));
  Text(t, "prk:fullIncreasing", std::to_string(capacity));
}

constexpr const char* kDays[] = {"monday", "tuesday",  "wednesday", "thursday",
                                 "friday", "saturday", "sunday"};

void OpeningTimes(pugi::xml_node parent, const model::Facility& f, Timestamp since) {
  pugi::xml_node ot = parent.append_child("prk:openingTimes");
  if (f.opening_hours.empty()) {
    Text(ot, "prk:openingTimesUnknown", "true");
    return;
  }
  auto hours = model::OpeningHours::Parse(f.opening_hours);
  if (!hours.ok()) {
    Text(ot, "prk:openingTimesNotSpecified", "true");
    return;
  }
  Text(ot, "prk:openAllYear", "true");
  Text(ot, "prk:available24hours", hours->IsAlwaysOpen() ? "true" : "false");
  if (hours->IsAlwaysOpen()) return;
  pugi::xml_node validity = ot.append_child("prk:validity");
  Text(validity, "com:validityStatus", "definedByValidityTimeSpec");
  pugi::xml_node spec = validity.append_child("com:validityTimeSpecification");
  Text(spec, "com:overallStartTime", FormatRfc3339Utc(since));
  // Days with the same open spans share their periods.
  std::vector<bool> done(7, false);
  for (int d = 0; d < 7; ++d) {
    if (done[d] || hours->OpenSpans(d).empty()) continue;
    std::vector<int> days;
    for (int e = d; e < 7; ++e) {
      if (!done[e] && hours->OpenSpans(e) == hours->OpenSpans(d)) {
        days.push_back(e);
        done[e] = true;
      }
    }
    for (const auto& [start, end] : hours->OpenSpans(d)) {
      pugi::xml_node period = spec.append_child("com:validPeriod");
      pugi::xml_node time = period.append_child("com:recurringTimePeriodOfDay");
      Text(time, "com:startTimeOfPeriod", TimeOfDay(start));
      Text(time, "com:endTimeOfPeriod", end >= 24 * 60 ? "23:59:59" : TimeOfDay(end));
      pugi::xml_node week = period.append_child("com:recurringDayWeekMonthPeriod");
      for (int day : days) Text(week, "com:applicableDay", kDays[day]);
    }
  }
}

void Entrances(pugi::xml_node record, const model::Facility& f) {
  for (const model::Entrance& e : f.entrances) {
    pugi::xml_node access = record.append_child("prk:parkingAccess");
    access.append_attribute("id") = (f.id.str() + ":" + e.id).c_str();
    Text(access, "prk:accessCategory",
         e.kind == model::EntranceKind::kVehicle ? "vehicleEntranceAndExit"
                                                 : "pedestrianEntranceAndExit");
    Point(access, "prk:location", e.location);
  }
}

const char* Layout(model::FacilityKind kind) {
  switch (kind) {
    case model::FacilityKind::kMultiStorey:
      return "multiStorey";
    case model::FacilityKind::kUnderground:
      return "underground";
    default:
      return "openSpace";
  }
}

// One UrbanParkingSite; its version and version time are set by the caller.
void SiteRecord(pugi::xml_node record, const model::Facility& f, const state::LiveRules& rules,
                Timestamp since) {
  Multilingual(record, "prk:parkingName", f.name);
  record.append_child("prk:parkingRecordVersionTime");
  if (f.capacity.total)
    Text(record, "prk:parkingNumberOfSpaces", std::to_string(*f.capacity.total));
  if (!f.operator_name.empty()) {
    pugi::xml_node op = Typed(record, "prk:operator", "prk:ContactDetails");
    op.append_attribute("id") = ("operator:" + f.operator_name).c_str();
    op.append_attribute("version") = "1";
    Multilingual(op, "prk:contactOrganisationName", {f.operator_name, ""});
  }
  Point(record, "prk:parkingLocation", f.location);
  if (f.max_height_m) {
    pugi::xml_node height = record.append_child("prk:prohibitedParking")
                                .append_child("prk:vehicleCharacteristics")
                                .append_child("com:heightCharacteristic");
    Text(height, "com:comparisonOperator", "greaterThan");
    Text(height, "com:vehicleHeight", fmt::format("{:.2f}", *f.max_height_m));
  }
  if (f.tariff) Tariff(record, f);
  SpaceGroups(record, f);
  Thresholds(record, f.capacity.total.value_or(0), rules);
  Text(record, "prk:parkingLayout", Layout(f.kind));
  OpeningTimes(record, f, since);
  Entrances(record, f);
  Text(record, "prk:urbanParkingSiteType",
       f.kind == model::FacilityKind::kOnStreet ? "onStreetParking" : "offStreetParking");
}

struct RecordRef {
  std::string id;
  std::string version;
};

pugi::xml_node Payload(pugi::xml_document& doc, const char* type, const ExportInput& in,
                       const Datex2Publisher& publisher) {
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  pugi::xml_node payload = doc.append_child("d2:payload");
  for (const auto& [name, uri] : kNamespaces) payload.append_attribute(name) = uri;
  payload.append_attribute("xsi:type") = type;
  payload.append_attribute("lang") = "zh-CN";
  payload.append_attribute("modelBaseVersion") = "3";
  Text(payload, "com:publicationTime", TimeIn(in, in.now));
  pugi::xml_node creator = payload.append_child("com:publicationCreator");
  Text(creator, "com:country", publisher.country);
  Text(creator, "com:nationalIdentifier",
       publisher.national_identifier.empty() ? "parkguide-" + in.registry.city().id
                                             : publisher.national_identifier);
  return payload;
}

// The table: every record rendered, versioned by its content; returns the table's version.
std::string BuildTable(pugi::xml_node table, const ExportInput& in, RecordVersions& versions,
                       std::vector<RecordRef>& records) {
  std::string all_versions;
  for (const model::Facility& f : in.registry.facilities()) {
    pugi::xml_node record = Typed(table, "prk:parkingRecord", "prk:UrbanParkingSite");
    record.append_attribute("id") = f.id.str().c_str();
    SiteRecord(record, f, in.rules, in.now);
    // The version time and overallStartTime vary with the clock: not part of the content.
    pugi::xml_node spec = record.child("prk:openingTimes")
                              .child("prk:validity")
                              .child("com:validityTimeSpecification");
    if (spec) spec.child("com:overallStartTime").text().set("");
    const std::string version = Digest(Serialize(record));
    const Timestamp since = versions.VersionTime("record:" + f.id.str(), version, in.now);
    if (spec) spec.child("com:overallStartTime").text().set(TimeIn(in, since).c_str());
    record.insert_attribute_after("version", record.attribute("id")) = version.c_str();
    record.child("prk:parkingRecordVersionTime").text().set(TimeIn(in, since).c_str());
    records.push_back({f.id.str(), version});
    all_versions += f.id.str() + "=" + version + ";";
  }
  return Digest(all_versions);
}

std::string TableId(const ExportInput& in) { return in.registry.city().id + ":parking"; }

std::string ToXml(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
  return out.str();
}

void Occupancy(pugi::xml_node status, const state::FacilityView& view, std::string_view trend) {
  pugi::xml_node occ = status.append_child("prk:parkingOccupancy");
  if (!view.free || !view.occupied) {
    Text(occ, "prk:parkingNumberOfVacantSpacesGraded", "unknown");
    Text(occ, "prk:parkingOccupancyGraded", "unknown");
    Text(occ, "prk:parkingOccupancyTrend", "unknown");
    return;
  }
  Text(occ, "prk:parkingNumberOfVacantSpaces", std::to_string(*view.free));
  Text(occ, "prk:parkingNumberOfOccupiedSpaces", std::to_string(*view.occupied));
  if (view.capacity > 0) {
    Text(occ, "prk:parkingOccupancy",
         fmt::format("{:.1f}", 100.0 * std::min(*view.occupied, view.capacity) / view.capacity));
  }
  Text(occ, "prk:parkingOccupancyTrend", trend);
}

void GroupStatuses(pugi::xml_node status, const state::FacilityView& view) {
  for (const auto& c : view.by_category) {
    if (!c.free || !c.occupied) continue;
    pugi::xml_node wrapper = status.append_child("prk:groupOfParkingSpacesStatus");
    wrapper.append_attribute("groupIndex") = GroupIndex(c.category);
    pugi::xml_node s = wrapper.append_child("prk:groupOfParkingSpacesStatus");
    Text(s, "prk:parkingNumberOfVacantSpaces", std::to_string(*c.free));
    Text(s, "prk:parkingNumberOfOccupiedSpaces", std::to_string(*c.occupied));
  }
}

std::string_view SiteStatus(state::OccupancyState s) {
  switch (s) {
    case state::OccupancyState::kOpen:
      return "spacesAvailable";
    case state::OccupancyState::kAlmostFull:
      return "almostFull";
    case state::OccupancyState::kFull:
      return "full";
    case state::OccupancyState::kClosed:
      return "";  // DATEX says closed by the opening status
    case state::OccupancyState::kUnknown:
      return "unknown";
  }
  return "unknown";
}

void SiteStatusRecord(pugi::xml_node payload, const ExportInput& in, const model::Facility& f,
                      const RecordRef& ref, const EarlierOccupancy& earlier) {
  const state::FacilityView view =
      state::ViewFacility(in.registry, in.snapshot, f, in.now, in.rules);
  pugi::xml_node status = Typed(payload, "prk:parkingRecordStatus", "prk:ParkingSiteStatus");
  pugi::xml_node r = status.append_child("prk:parkingRecordReference");
  r.append_attribute("targetClass") = "par:ParkingRecord";
  r.append_attribute("id") = ref.id.c_str();
  r.append_attribute("version") = ref.version.c_str();
  Text(status, "prk:parkingStatusOriginTime", TimeIn(in, view.updated.value_or(in.now)));
  if (view.state == state::OccupancyState::kUnknown) {
    Text(status, "prk:parkingFault", "noParkingInformationAvailable");
  }
  std::string_view trend = "unknown";
  if (view.occupied && earlier) {
    if (auto before = earlier(f.id))
      trend = OccupancyTrend(*view.occupied - *before, view.capacity);
  }
  Occupancy(status, view, trend);
  GroupStatuses(status, view);
  if (auto word = SiteStatus(view.state); !word.empty())
    Text(status, "prk:parkingSiteStatus", word);
  Text(status, "prk:parkingSiteOpeningStatus",
       view.state == state::OccupancyState::kClosed    ? "closed"
       : view.state == state::OccupancyState::kUnknown ? "statusUnknown"
                                                       : "open");
}

}  // namespace

Timestamp RecordVersions::VersionTime(const std::string& id, const std::string& version,
                                      Timestamp now) {
  std::lock_guard lock(mu_);
  auto& entry = seen_[id];
  if (entry.first != version) entry = {version, now};
  return entry.second;
}

std::string_view OccupancyTrend(int delta, int capacity) {
  const double threshold = std::max(1.0, 0.02 * capacity);
  if (delta >= threshold) return "increasing";
  if (-delta >= threshold) return "decreasing";
  return "stable";
}

std::string ParkingTablePublication(const ExportInput& in, const Datex2Publisher& publisher,
                                    RecordVersions& versions) {
  pugi::xml_document doc;
  pugi::xml_node payload = Payload(doc, "prk:ParkingTablePublication", in, publisher);
  Text(payload.append_child("prk:headerInformation"), "com:informationStatus", "real");
  pugi::xml_node table = payload.append_child("prk:parkingTable");
  table.append_attribute("id") = TableId(in).c_str();
  Multilingual(table, "prk:parkingTableName", in.registry.city().name);
  pugi::xml_node version_time = table.append_child("prk:parkingTableVersionTime");
  std::vector<RecordRef> records;
  const std::string version = BuildTable(table, in, versions, records);
  table.insert_attribute_after("version", table.attribute("id")) = version.c_str();
  version_time.text().set(TimeIn(in, versions.VersionTime("table", version, in.now)).c_str());
  return ToXml(doc);
}

std::string ParkingStatusPublication(const ExportInput& in, const Datex2Publisher& publisher,
                                     RecordVersions& versions, const EarlierOccupancy& earlier) {
  pugi::xml_document table_doc;
  std::vector<RecordRef> records;
  const std::string table_version =
      BuildTable(table_doc.append_child("prk:parkingTable"), in, versions, records);
  pugi::xml_document doc;
  pugi::xml_node payload = Payload(doc, "prk:ParkingStatusPublication", in, publisher);
  pugi::xml_node table = payload.append_child("prk:parkingTableReference");
  table.append_attribute("targetClass") = "par:ParkingTable";
  table.append_attribute("id") = TableId(in).c_str();
  table.append_attribute("version") = table_version.c_str();
  Text(payload.append_child("prk:headerInformation"), "com:informationStatus", "real");
  const auto facilities = in.registry.facilities();
  for (size_t i = 0; i < facilities.size(); ++i) {
    SiteStatusRecord(payload, in, facilities[i], records[i], earlier);
  }
  return ToXml(doc);
}

}  // namespace pg::interchange
