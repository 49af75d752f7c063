// The SQLite store runs every role's conformance suite (store/testing/conformance.h), each test on
// a new database file in a temporary folder.
#include <gtest/gtest.h>

#include <memory>

#include "store/store.h"
#include "store/testing/conformance.h"
#include "tests/support/temp_dir.h"

namespace pg::store::conformance {
namespace {

// A new, empty SQLite store; the folder it lives in goes with it.
std::shared_ptr<Store> OpenFreshSqliteStore() {
  struct Owned {
    pg::testing::TempDir dir;
    std::unique_ptr<Store> store;  // closed before the folder is removed
  };
  auto owned = std::make_shared<Owned>();
  auto store = OpenSqliteStore(owned->dir.File("city.db"));
  if (!store.ok()) {
    ADD_FAILURE() << store.status().ToString();
    return nullptr;
  }
  owned->store = std::move(*store);
  return std::shared_ptr<Store>(owned, owned->store.get());
}

INSTANTIATE_TEST_SUITE_P(Sqlite, RegistryStoreConformance,
                         ::testing::Values(RoleOf<RegistryStore>(OpenFreshSqliteStore)));
INSTANTIATE_TEST_SUITE_P(Sqlite, SourceStoreConformance,
                         ::testing::Values(SourceAndRegistryOf(OpenFreshSqliteStore)));
INSTANTIATE_TEST_SUITE_P(Sqlite, OccupancyHistoryConformance,
                         ::testing::Values(RoleOf<OccupancyHistory>(OpenFreshSqliteStore)));
INSTANTIATE_TEST_SUITE_P(Sqlite, CounterStoreConformance,
                         ::testing::Values(RoleOf<CounterStore>(OpenFreshSqliteStore)));
INSTANTIATE_TEST_SUITE_P(Sqlite, ForecastModelStoreConformance,
                         ::testing::Values(RoleOf<ForecastModelStore>(OpenFreshSqliteStore)));
INSTANTIATE_TEST_SUITE_P(Sqlite, SettingsStoreConformance,
                         ::testing::Values(RoleOf<SettingsStore>(OpenFreshSqliteStore)));
INSTANTIATE_TEST_SUITE_P(Sqlite, SignHistoryConformance,
                         ::testing::Values(RoleOf<SignHistory>(OpenFreshSqliteStore)));
INSTANTIATE_TEST_SUITE_P(Sqlite, DeadLetterStoreConformance,
                         ::testing::Values(RoleOf<DeadLetterStore>(OpenFreshSqliteStore)));
INSTANTIATE_TEST_SUITE_P(Sqlite, ApiKeyStoreConformance,
                         ::testing::Values(RoleOf<ApiKeyStore>(OpenFreshSqliteStore)));
INSTANTIATE_TEST_SUITE_P(Sqlite, AuditLogConformance,
                         ::testing::Values(RoleOf<AuditLog>(OpenFreshSqliteStore)));

}  // namespace
}  // namespace pg::store::conformance
