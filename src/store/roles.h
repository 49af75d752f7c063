// Roles<R...>: references to several roles of one store, for a module that uses more than one.
//
// A module names the roles it uses in its signature; a caller passes any store that implements
// them all (store::Store does), which converts implicitly, so the composition root can keep
// handing one object around:
//
//   Status Backfill(store::Roles<store::RegistryReader, store::OccupancyHistoryWriter> store);
//   Backfill(*sqlite_store);
//   ...
//   store.get<store::OccupancyHistoryWriter>().AppendOccupancy(samples);
//
// A Roles converts to one holding fewer of its roles. The store must outlive the Roles (it holds
// references). storage_health() is the store's (store.h) when it has one, else nullptr.
//
// Thread-safety: as safe as the store it refers to.
#pragma once

#include <concepts>
#include <tuple>
#include <type_traits>

#include "store/storage_health.h"

namespace pg::store {

// Whether `S` implements every role R (derives from it).
template <typename S, typename... R>
concept ImplementsRoles = (std::derived_from<S, R> && ...);

// Whether `Other` (a Roles) holds every role R.
template <typename Other, typename... R>
concept HoldsRoles = (Other::template kHolds<R> && ...);

template <typename... R>
class Roles {
 public:
  template <typename T>
  static constexpr bool kHolds = (std::is_same_v<T, R> || ...);

  // Implicit on purpose: a store that implements every role is these roles.
  template <ImplementsRoles<R...> S>
  Roles(S& store)  // NOLINT(google-explicit-constructor)
      : refs_(static_cast<R&>(store)...) {
    if constexpr (requires { store.storage_health(); }) health_ = store.storage_health();
  }
  // From a Roles holding these roles among others.
  template <HoldsRoles<R...> Other>
  Roles(const Other& other)  // NOLINT(google-explicit-constructor)
      : refs_(other.template get<R>()...), health_(other.storage_health()) {}
  // From roles implemented by different objects (tests, a store assembled from parts).
  explicit Roles(R&... roles, const StorageHealth* health = nullptr)
      : refs_(roles...), health_(health) {}

  template <typename T>
  T& get() const {
    return std::get<T&>(refs_);
  }
  const StorageHealth* storage_health() const { return health_; }

 private:
  std::tuple<R&...> refs_;
  const StorageHealth* health_ = nullptr;
};

}  // namespace pg::store
