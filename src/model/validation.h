// Validation of the city model: every problem found, each naming its field.
//
// Checks single entries (ranges, required fields, syntax of opening hours) and, for a whole
// RegistryData, references between entries (a bay's facility exists, ids are unique). Problems
// are returned, not thrown; an empty vector means valid.
#pragma once

#include <vector>

#include "core/status.h"
#include "model/city_model.h"

namespace pg::model {

// Id syntax shared by every entry: 1–64 characters of [A-Za-z0-9_.:-].
Status ValidateId(std::string_view id, std::string_view field);

std::vector<Status> Validate(const City& city);
std::vector<Status> Validate(const Facility& facility);
std::vector<Status> Validate(const Bay& bay);
std::vector<Status> Validate(const Charger& charger);
std::vector<Status> Validate(const Sign& sign);
std::vector<Status> Validate(const Source& source);

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
