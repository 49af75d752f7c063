// Conformance suites of the store's roles (store.h): one value-parameterised GoogleTest suite per
// role, written against the role's interface only. An implementation's test instantiates each
// suite of a role it implements with a factory that makes a fresh, empty store:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, SignHistoryConformance,
//                            ::testing::Values(RoleOf<SignHistory>(OpenFreshSqliteStore)));
//
// store/sqlite/sqlite_store_test.cc runs every suite against the SQLite store; a new
// implementation instantiates the same suites (those of the roles it implements so far: a suite
// that no test instantiates is allowed). What only one implementation can check (its schema and
// migrations, its files, its faults) stays in that implementation's own tests.
//
// Suites:
//   RegistryStoreConformance        RegistryStore
//   SourceStoreConformance          SourceStore (with the RegistryStore of the same store:
//                                   sources are registry entries too)
//   OccupancyHistoryConformance     OccupancyHistory
//   CounterStoreConformance         CounterStore
//   ForecastModelStoreConformance   ForecastModelStore
//   SettingsStoreConformance        SettingsStore
//   SignHistoryConformance          SignHistory
//   DeadLetterStoreConformance      DeadLetterStore
//   ApiKeyStoreConformance          ApiKeyStore
//   AuditLogConformance             AuditLog
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "store/store.h"

namespace pg::store::conformance {

// Records the suites and an implementation's own tests build.
// A facility with an English name, at a fixed place, of `origin` (survey or OSM).
inline model::Facility MakeFacility(const std::string& id, model::Origin origin, int capacity) {
  model::Facility f;
  f.id = model::FacilityId(id);
  f.name.en = id;
  f.location = {34.0, 113.8};
  f.capacity.total = capacity;
  f.origin = origin;
  return f;
}
// Content `content` of `sign`, its `seq`th, published at `t_ms` for an observation.
inline SignDisplayRecord Display(const char* sign, int64_t seq, int64_t t_ms, std::string content) {
  SignDisplayRecord r;
  r.sign = model::SignId(sign);
  r.seq = seq;
  r.time = FromUnixMillis(t_ms);
  r.content_json = std::move(content);
  r.cause_json = R"({"kind":"observation"})";
  return r;
}

// Makes the store a test runs against: new and empty for every call. Made<Role> is
// std::shared_ptr<Role> for most suites; what it owns beside the role (a temporary folder, a
// connection) lives as long as it.
template <typename Made>
using Factory = std::function<Made()>;

// The roles of one whole store, for an implementation that opens Stores: `open` makes a fresh,
// empty one.
template <typename Role>
Factory<std::shared_ptr<Role>> RoleOf(Factory<std::shared_ptr<Store>> open) {
  return [open = std::move(open)] {
    std::shared_ptr<Store> store = open();
    return std::shared_ptr<Role>(store, store.get());
  };
}

// The source role with the registry role of the same store.
struct SourceAndRegistry {
  std::shared_ptr<SourceStore> sources;
  RegistryStore* registry = nullptr;  // owned with `sources`
};
inline Factory<SourceAndRegistry> SourceAndRegistryOf(Factory<std::shared_ptr<Store>> open) {
  return [open = std::move(open)] {
    std::shared_ptr<Store> store = open();
    return SourceAndRegistry{std::shared_ptr<SourceStore>(store, store.get()), store.get()};
  };
}

// The fixture of every suite: `made_` is a fresh store from the factory.
template <typename Made>
class ConformanceTest : public ::testing::TestWithParam<Factory<Made>> {
 protected:
  void SetUp() override { made_ = this->GetParam()(); }
  Made made_;
};

template <typename Role>
class RoleConformanceTest : public ConformanceTest<std::shared_ptr<Role>> {
 protected:
  void SetUp() override {
    ConformanceTest<std::shared_ptr<Role>>::SetUp();
    if (this->IsSkipped()) return;  // the factory skipped: no server to test against
    ASSERT_NE(this->made_, nullptr) << "the factory made no store";
  }
  Role& store() { return *this->made_; }
};

class RegistryStoreConformance : public RoleConformanceTest<RegistryStore> {};
class SourceStoreConformance : public ConformanceTest<SourceAndRegistry> {};
class OccupancyHistoryConformance : public RoleConformanceTest<OccupancyHistory> {};
class CounterStoreConformance : public RoleConformanceTest<CounterStore> {};
class ForecastModelStoreConformance : public RoleConformanceTest<ForecastModelStore> {};
class SettingsStoreConformance : public RoleConformanceTest<SettingsStore> {};
class SignHistoryConformance : public RoleConformanceTest<SignHistory> {};
class DeadLetterStoreConformance : public RoleConformanceTest<DeadLetterStore> {};
class ApiKeyStoreConformance : public RoleConformanceTest<ApiKeyStore> {};
class AuditLogConformance : public RoleConformanceTest<AuditLog> {};

}  // namespace pg::store::conformance
