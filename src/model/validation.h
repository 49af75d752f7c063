// Validation of the city model: every problem found, each naming its field.
//
// Checks single entries (ranges, required fields, syntax of opening hours) and, for a whole
// RegistryData, references between entries (a bay's facility exists, ids are unique). Problems
// are returned, not thrown; an empty vector means valid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "model/city_model.h"

namespace pg::model {

// Counts and amounts a real city never reaches, so that a survey file or a source cannot make
// one entry megabytes large (docs/formats/survey.md, "Limits"). Text limits are core's
// (core/text_bounds.h): names and labels kMaxNameChars, descriptions and opening hours
// kMaxReasonChars, ids kMaxIdChars.
inline constexpr size_t kMaxOutlinePoints = 20'000;
inline constexpr size_t kMaxEntrances = 100;
inline constexpr size_t kMaxTariffBands = 48;
inline constexpr int64_t kMaxPriceFenPerHour = 1'000'000;  // 10,000 yuan
inline constexpr int64_t kMaxDailyCapFen = 10'000'000;     // 100,000 yuan
inline constexpr int kMaxCapacity = 1'000'000;             // the most a count may say, too
inline constexpr int kMaxConnectorId = 255;                // as OCPP and the ingest accept
inline constexpr size_t kMaxSignLines = 32;
inline constexpr size_t kMaxLineFacilities = 256;  // a level-1 line's group
inline constexpr size_t kMaxDistricts = 1'000;

// Id syntax shared by every entry: 1–64 (kMaxIdChars) characters of [A-Za-z0-9_.:-].
Status ValidateId(std::string_view id, std::string_view field);

// A place an entry of the city is at: a valid WGS-84 position and not exactly 0,0 — what a
// missing location reads as (a point in the Gulf of Guinea no city is at).
Status ValidatePlace(const LatLon& place, std::string_view field);

// Text fields name their member as the JSON form spells it ("name.zh", "operator"); text must
// be plain (core/text_bounds.h: UTF-8 without control characters) within its limit.
std::vector<Status> Validate(const District& district);
std::vector<Status> Validate(const City& city);
std::vector<Status> Validate(const Facility& facility);
std::vector<Status> Validate(const Bay& bay);
std::vector<Status> Validate(const Charger& charger);
std::vector<Status> Validate(const Sign& sign);
std::vector<Status> Validate(const Source& source);

// The reading side of the same bounds: every free text of `data` (names, labels, operators,
// districts, descriptions) that validation would refuse now is cut and cleaned (BoundedText), so
// what an older version stored unbounded — a 100,000-character name, a control character in a
// sign's label — reaches no reader. Ids are left alone (an id is either valid or names nothing).
void CutToBounds(RegistryData& data);

// A problem in a RegistryData, located by entry kind and position.
struct RegistryProblem {
  std::string entry_kind;  // "facility", "bay", "charger", "sign", "source", "city"
  size_t index = 0;        // position in its vector
  Status status;
};

// Entry validation plus: ids unique per kind; bays, chargers and sign lines refer to facilities
// that exist in `data` or in `known_facilities` (already in the store).
std::vector<RegistryProblem> ValidateRegistry(const RegistryData& data,
                                              const std::vector<FacilityId>& known_facilities);

}  // namespace pg::model
