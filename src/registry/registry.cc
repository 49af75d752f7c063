#include "registry/registry.h"

#include <date/tz.h>

#include "model/validation.h"

namespace pg::registry {

Result<std::shared_ptr<const Registry>> Registry::Build(model::RegistryData data) {
  std::shared_ptr<Registry> r(new Registry());
  r->data_ = std::move(data);
  // Text an older version stored without today's bounds reaches no reader (API, signs, reports).
  model::CutToBounds(r->data_);
  if (r->data_.city) {
    r->city_ = *r->data_.city;
  } else {
    r->city_.id = "city";
    r->city_.name = {"城市", "City"};
  }
  PG_ASSIGN_OR_RETURN(r->time_zone_, LookupTimeZone(r->city_.time_zone));
  const auto& d = r->data_;
  for (size_t i = 0; i < d.facilities.size(); ++i) r->facility_index_[d.facilities[i].id.str()] = i;
  for (size_t i = 0; i < d.bays.size(); ++i) {
    r->bay_index_[d.bays[i].id.str()] = i;
    r->bays_by_facility_[d.bays[i].facility.str()].push_back(&d.bays[i]);
  }
  for (size_t i = 0; i < d.chargers.size(); ++i) {
    r->charger_index_[d.chargers[i].id.str()] = i;
    if (d.chargers[i].facility) {
      r->chargers_by_facility_[d.chargers[i].facility->str()].push_back(&d.chargers[i]);
    }
  }
  for (size_t i = 0; i < d.signs.size(); ++i) r->sign_index_[d.signs[i].id.str()] = i;
  if (r->city_.bbox.empty()) {
    for (const auto& f : d.facilities) r->city_.bbox.Extend(f.location);
  }
  return std::shared_ptr<const Registry>(std::move(r));
}

namespace {
template <typename T>
const T* Find(const std::unordered_map<std::string, size_t>& index, const std::vector<T>& v,
              const std::string& id) {
  auto it = index.find(id);
  return it == index.end() ? nullptr : &v[it->second];
}
}  // namespace

const model::Facility* Registry::FindFacility(const model::FacilityId& id) const {
  return Find(facility_index_, data_.facilities, id.str());
}
const model::Bay* Registry::FindBay(const model::BayId& id) const {
  return Find(bay_index_, data_.bays, id.str());
}
const model::Charger* Registry::FindCharger(const model::ChargerId& id) const {
  return Find(charger_index_, data_.chargers, id.str());
}
const model::Sign* Registry::FindSign(const model::SignId& id) const {
  return Find(sign_index_, data_.signs, id.str());
}

std::span<const model::Bay* const> Registry::BaysOf(const model::FacilityId& id) const {
  auto it = bays_by_facility_.find(id.str());
  if (it == bays_by_facility_.end()) return {};
  return it->second;
}

std::span<const model::Charger* const> Registry::ChargersOf(const model::FacilityId& id) const {
  auto it = chargers_by_facility_.find(id.str());
  if (it == chargers_by_facility_.end()) return {};
  return it->second;
}

}  // namespace pg::registry
