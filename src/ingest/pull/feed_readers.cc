#include "ingest/pull/feed_readers.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

namespace pg::ingest::pull {
namespace {

// The local name of a (possibly prefixed) element name: "prk:parkingOccupancy" →
// "parkingOccupancy".
std::string_view Local(const char* name) {
  std::string_view n(name);
  const size_t colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& node, std::string_view local) {
  for (pugi::xml_node c : node.children()) {
    if (Local(c.name()) == local) return c;
  }
  return {};
}

std::optional<int> Count(const pugi::xml_node& node, std::string_view local) {
  pugi::xml_node n = Child(node, local);
  if (!n) return std::nullopt;
  char* end = nullptr;
  const std::string text = n.text().get();
  const long v = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0' || v < 0 || v > 1'000'000) return std::nullopt;
  return static_cast<int>(v);
}

Result<SiteReading> ReadSiteStatus(const pugi::xml_node& status) {
  SiteReading r;
  pugi::xml_node ref = Child(status, "parkingRecordReference");
  r.their_id = ref.attribute("id").value();
  if (r.their_id.empty()) return InvalidArgument("a parkingRecordStatus has no record id", "xml");
  auto time = ParseRfc3339(Child(status, "parkingStatusOriginTime").text().get());
  if (!time.ok()) {
    return InvalidArgument(
        fmt::format("record {}: parkingStatusOriginTime is not a date-time", r.their_id), "xml");
  }
  r.time = *time;
  pugi::xml_node occupancy = Child(status, "parkingOccupancy");
  r.vacant = Count(occupancy, "parkingNumberOfVacantSpaces");
  r.occupied = Count(occupancy, "parkingNumberOfOccupiedSpaces");
  const std::string_view site = Child(status, "parkingSiteStatus").text().get();
  const std::string_view opening = Child(status, "parkingSiteOpeningStatus").text().get();
  if (opening == "closed" || opening == "closedAbnormal") {
    r.opening = SiteReading::Opening::kClosed;
  } else if (opening == "open") {
    r.opening = SiteReading::Opening::kOpen;
  }
  r.unknown = site == "unknown" || opening == "statusUnknown" ||
              (!r.vacant && !r.occupied && r.opening == SiteReading::Opening::kNotSaid);
  return r;
}

using nlohmann::json;

// The value of an attribute in either form: key-values (the value) or normalized ({value}).
const json* Value(const json& entity, const char* name) {
  auto it = entity.find(name);
  if (it == entity.end()) return nullptr;
  if (it->is_object() && it->contains("value")) return &(*it)["value"];
  return &*it;
}

std::optional<int> IntValue(const json& entity, const char* name) {
  const json* v = Value(entity, name);
  if (!v || !v->is_number_integer() || v->get<int64_t>() < 0 || v->get<int64_t>() > 1'000'000) {
    return std::nullopt;
  }
  return v->get<int>();
}

// observedAt of the counts in normalized form, else observationDateTime.
std::optional<Timestamp> ObservedAt(const json& entity) {
  for (const char* name : {"availableSpotNumber", "occupiedSpotNumber"}) {
    auto it = entity.find(name);
    if (it != entity.end() && it->is_object() && it->contains("observedAt") &&
        (*it)["observedAt"].is_string()) {
      if (auto t = ParseRfc3339((*it)["observedAt"].get<std::string>()); t.ok()) return *t;
    }
  }
  const json* v = Value(entity, "observationDateTime");
  if (v && v->is_string()) {
    if (auto t = ParseRfc3339(v->get<std::string>()); t.ok()) return *t;
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<SiteReading>> ReadDatex2Status(std::string_view xml) {
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer(xml.data(), xml.size());
  if (!parsed) {
    return InvalidArgument(
        fmt::format("not XML: {} at byte {}", parsed.description(), parsed.offset), "xml");
  }
  pugi::xml_node payload = doc.document_element();
  const std::string_view type = payload.attribute("xsi:type").value();
  if (Local(payload.name()) != "payload" ||
      type.find("ParkingStatusPublication") == std::string_view::npos) {
    return InvalidArgument("not a DATEX II v3 ParkingStatusPublication (d2:payload)", "xml");
  }
  std::vector<SiteReading> out;
  for (pugi::xml_node status : payload.children()) {
    if (Local(status.name()) != "parkingRecordStatus") continue;
    PG_ASSIGN_OR_RETURN(SiteReading r, ReadSiteStatus(status));
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<SiteReading>> ReadNgsiLdParking(std::string_view text) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_array()) return InvalidArgument("not a JSON array of NGSI-LD entities", "json");
  std::vector<SiteReading> out;
  for (const json& e : doc) {
    if (!e.is_object() || !e.contains("id") || !e["id"].is_string() || !e.contains("type")) {
      return InvalidArgument("an entity without an id or a type", "json");
    }
    const std::string type = e["type"].is_string() ? e["type"].get<std::string>() : "";
    if (type != "OffStreetParking" && type != "OnStreetParking") continue;
    SiteReading r;
    r.their_id = e["id"].get<std::string>();
    r.vacant = IntValue(e, "availableSpotNumber");
    r.occupied = IntValue(e, "occupiedSpotNumber");
    if (const json* status = Value(e, "status")) {
      auto says = [&](std::string_view word) {
        return status->is_array() ? std::find(status->begin(), status->end(), word) != status->end()
                                  : status->is_string() && *status == word;
      };
      if (says("closed") || says("closedAbnormal")) {
        r.opening = SiteReading::Opening::kClosed;
      } else if (says("open")) {
        r.opening = SiteReading::Opening::kOpen;
      }
    }
    auto time = ObservedAt(e);
    // Counts without a time cannot be placed against what is held: not believed.
    r.unknown = !time || (!r.vacant && !r.occupied && r.opening == SiteReading::Opening::kNotSaid);
    r.time = time.value_or(Timestamp{});
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace pg::ingest::pull
