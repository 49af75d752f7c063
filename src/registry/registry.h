// Registry: an immutable, indexed snapshot of the city model that every read path shares.
//
// Built once from RegistryData (what the store holds); replaced whole when the registry changes,
// never modified. Readers hold a shared_ptr<const Registry> for as long as they need a consistent
// view.
//
//   auto registry = pg::registry::Registry::Build(std::move(data));
//   if (const auto* f = (*registry)->FindFacility(FacilityId("F1"))) …
//
// Thread-safety: immutable after Build; safe to share across threads.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "model/city_model.h"

namespace date {
class time_zone;
}

namespace pg::registry {

class Registry {
 public:
  // Indexes `data`. A registry without a city gets a placeholder city ("city", Asia/Shanghai).
  // Free text beyond today's bounds (stored by an older version) is cut: model::CutToBounds.
  // Errors: kInvalidArgument when the city's time zone is unknown.
  static Result<std::shared_ptr<const Registry>> Build(model::RegistryData data);

  const model::City& city() const { return city_; }
  const date::time_zone& time_zone() const { return *time_zone_; }

  std::span<const model::Facility> facilities() const { return data_.facilities; }
  std::span<const model::Bay> bays() const { return data_.bays; }
  std::span<const model::Charger> chargers() const { return data_.chargers; }
  std::span<const model::Sign> signs() const { return data_.signs; }
  std::span<const model::Source> sources() const { return data_.sources; }

  // nullptr when unknown. The pointer lives as long as this Registry.
  const model::Facility* FindFacility(const model::FacilityId& id) const;
  const model::Bay* FindBay(const model::BayId& id) const;
  const model::Charger* FindCharger(const model::ChargerId& id) const;
  const model::Sign* FindSign(const model::SignId& id) const;

  // Bays of one facility (on-street zones and sensed car parks), in id order.
  std::span<const model::Bay* const> BaysOf(const model::FacilityId& id) const;
  // Chargers standing in one facility.
  std::span<const model::Charger* const> ChargersOf(const model::FacilityId& id) const;

 private:
  Registry() = default;

  model::RegistryData data_;
  model::City city_;
  const date::time_zone* time_zone_ = nullptr;
  std::unordered_map<std::string, size_t> facility_index_;
  std::unordered_map<std::string, size_t> bay_index_;
  std::unordered_map<std::string, size_t> charger_index_;
  std::unordered_map<std::string, size_t> sign_index_;
  std::unordered_map<std::string, std::vector<const model::Bay*>> bays_by_facility_;
  std::unordered_map<std::string, std::vector<const model::Charger*>> chargers_by_facility_;
};

}  // namespace pg::registry
