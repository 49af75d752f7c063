// The PostgreSQL store runs every role's conformance suite (store/testing/conformance.h), each
// test in a new schema of one throwaway server per test program (tests/support/postgres_server.h).
#include <gtest/gtest.h>

#include <memory>

#include "store/store.h"
#include "store/testing/conformance.h"
#include "tests/support/postgres_server.h"

namespace pg::store::conformance {
namespace {

// A new, empty PostgreSQL store in a schema of its own; skips the test when there is no server.
std::shared_ptr<Store> OpenFreshPostgresStore() {
  testing::PostgresServer* server = testing::SharedPostgresServer();
  if (server == nullptr) {
    [] { GTEST_SKIP() << "no PostgreSQL: " << testing::PostgresUnavailableReason(); }();
    return nullptr;
  }
  auto store = OpenPostgresStore(server->FreshSchemaUri());
  if (!store.ok()) {
    ADD_FAILURE() << store.status().ToString();
    return nullptr;
  }
  return std::shared_ptr<Store>(std::move(*store));
}

INSTANTIATE_TEST_SUITE_P(Postgres, RegistryStoreConformance,
                         ::testing::Values(RoleOf<RegistryStore>(OpenFreshPostgresStore)));
INSTANTIATE_TEST_SUITE_P(Postgres, SourceStoreConformance,
                         ::testing::Values(SourceAndRegistryOf(OpenFreshPostgresStore)));
INSTANTIATE_TEST_SUITE_P(Postgres, OccupancyHistoryConformance,
                         ::testing::Values(RoleOf<OccupancyHistory>(OpenFreshPostgresStore)));
INSTANTIATE_TEST_SUITE_P(Postgres, CounterStoreConformance,
                         ::testing::Values(RoleOf<CounterStore>(OpenFreshPostgresStore)));
INSTANTIATE_TEST_SUITE_P(Postgres, ForecastModelStoreConformance,
                         ::testing::Values(RoleOf<ForecastModelStore>(OpenFreshPostgresStore)));
INSTANTIATE_TEST_SUITE_P(Postgres, SettingsStoreConformance,
                         ::testing::Values(RoleOf<SettingsStore>(OpenFreshPostgresStore)));
INSTANTIATE_TEST_SUITE_P(Postgres, SignHistoryConformance,
                         ::testing::Values(RoleOf<SignHistory>(OpenFreshPostgresStore)));
INSTANTIATE_TEST_SUITE_P(Postgres, DeadLetterStoreConformance,
                         ::testing::Values(RoleOf<DeadLetterStore>(OpenFreshPostgresStore)));
INSTANTIATE_TEST_SUITE_P(Postgres, ApiKeyStoreConformance,
                         ::testing::Values(RoleOf<ApiKeyStore>(OpenFreshPostgresStore)));
INSTANTIATE_TEST_SUITE_P(Postgres, AuditLogConformance,
                         ::testing::Values(RoleOf<AuditLog>(OpenFreshPostgresStore)));

}  // namespace
}  // namespace pg::store::conformance
