#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "store/store.h"
#include "store/testing/conformance.h"
#include "tests/support/temp_dir.h"

namespace pg::store {
namespace {

using conformance::Display;
using conformance::MakeFacility;
using model::Facility;
using model::FacilityId;
using model::Origin;

TEST(SqliteStore, RefusesAFileFromANewerVersion) {
  testing::TempDir dir;
  std::string path = dir.File("city.db");
  { ASSERT_TRUE(OpenSqliteStore(path).ok()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string sql = "PRAGMA user_version=" + std::to_string(SqliteSchemaVersion() + 1);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto reopened = OpenSqliteStore(path);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(reopened.status().message().find("newer parkguide"), std::string::npos);
}

int64_t UserVersion(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
  sqlite3_step(st);
  int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

TEST(SqliteStore, AReadOnlyOpenCreatesNothingAndWritesNothing) {
  testing::TempDir dir;
  std::string path = dir.File("city.db");
  auto missing = OpenSqliteStoreReadOnly(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(path));

  {
    auto store = *OpenSqliteStore(path);
    model::RegistryData data;
    data.facilities = {MakeFacility("F1", Origin::kSurvey, 100)};
    ASSERT_TRUE(store->WriteRegistry(data, RegistryWriteMode::kUpsert).ok());
  }
  auto reader = OpenSqliteStoreReadOnly(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->LoadRegistry()->facilities.size(), 1u);
  EXPECT_FALSE((*reader)->PutSetting("x", "y").ok());
  EXPECT_FALSE((*reader)->GetSetting("x")->has_value());
}

TEST(SqliteStore, AReadOnlyOpenSeesTheWritersCommitsBesideIt) {
  testing::TempDir dir;
  std::string path = dir.File("city.db");
  auto writer = *OpenSqliteStore(path);
  ASSERT_TRUE(writer->PutSetting("a", "1").ok());
  auto reader = OpenSqliteStoreReadOnly(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_TRUE(writer->PutSetting("b", "2").ok());
  EXPECT_EQ((*reader)->GetSetting("a")->value_or(""), "1");
  EXPECT_EQ((*reader)->GetSetting("b")->value_or(""), "2");
}

TEST(SqliteStore, AReadOnlyOpenRefusesAnOlderSchemaInsteadOfMigratingIt) {
  testing::TempDir dir;
  std::string path = dir.File("city.db");
  { ASSERT_TRUE(OpenSqliteStore(path).ok()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string sql = "PRAGMA user_version=" + std::to_string(SqliteSchemaVersion() - 1);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto reader = OpenSqliteStoreReadOnly(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(reader.status().message().find("a read-only open does not upgrade it"),
            std::string::npos)
      << reader.status().message();
  EXPECT_EQ(UserVersion(path), SqliteSchemaVersion() - 1) << "not migrated";
}

TEST(SqliteStore, RefusesAFileThatIsNotSqlite) {
  testing::TempDir dir;
  std::string path = dir.File("city.db");
  std::ofstream(path) << "this is not a database, it is a text file with enough bytes in it......"
                         "....................................................................";
  auto store = OpenSqliteStore(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(store.status().message().find(path), std::string::npos);
}

TEST(SqliteStore, ASchemaThreeFileGainsTheSignTables) {
  testing::TempDir dir;
  std::string path = dir.File("city.db");
  {
    auto store = *OpenSqliteStore(path);
    model::RegistryData data;
    data.facilities = {MakeFacility("F1", Origin::kSurvey, 100)};
    ASSERT_TRUE(store->WriteRegistry(data, RegistryWriteMode::kUpsert).ok());
  }
  {  // Put the file back to schema 3, as a parkguide before the signs left it.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "DROP TABLE sign_display; DROP TABLE sign_faults; "
                           "DROP TABLE sign_overrides; DROP TABLE bay_events; "
                           "DROP TABLE charger_status; DROP TABLE counters; "
                           "DROP TABLE api_keys; DROP TABLE audit_log; PRAGMA user_version=3;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->LoadRegistry()->facilities.size(), 1u);
  std::vector<SignDisplayRecord> batch = {Display("S1", 1, 1000, "a")};
  EXPECT_TRUE((*store)->AppendSignDisplays(batch).ok());
}

TEST(SqliteStore, ASchemaFourFileGainsTheReportTables) {
  testing::TempDir dir;
  std::string path = dir.File("city.db");
  {
    auto store = *OpenSqliteStore(path);
    ASSERT_TRUE(store->AddToCounter("guidance.queries", FromUnixMillis(0), 1).ok());
  }
  {  // Back to schema 4, as a parkguide before the weekly report left it.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "DROP TABLE bay_events; DROP TABLE charger_status; DROP TABLE counters; "
                           "DROP TABLE api_keys; DROP TABLE audit_log; PRAGMA user_version=4;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto opened = OpenSqliteStore(path);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto& store = **opened;
  // The tables are back, empty (the role suites check what they keep: store/testing).
  Timestamp t0 = FromUnixMillis(1'000'000);
  EXPECT_FALSE(store.CounterSum("guidance.queries", FromUnixMillis(0), t0)->has_value());
  std::vector<model::BayEvent> bays = {{model::BayId("B1"), t0, true}};
  ASSERT_TRUE(store.AppendBayEvents(bays).ok());
  EXPECT_EQ(store.LoadBayEvents(t0, t0 + Minutes(1))->size(), 1u);
  std::vector<model::ChargerStatusEvent> statuses = {
      {model::ChargerId("C1"), 1, t0, model::ChargerStatus::kFaulted}};
  ASSERT_TRUE(store.AppendChargerStatus(statuses).ok());
  EXPECT_EQ(*store.LoadChargerStatus(t0, t0 + Minutes(1)), statuses);
  ASSERT_TRUE(store.AddToCounter("guidance.queries", t0, 2).ok());
  EXPECT_EQ(store.CounterSum("guidance.queries", FromUnixMillis(0), t0 + Minutes(60))->value_or(0),
            2);
}

TEST(SqliteStore, ASchemaSixFileGainsTheRoleKeysAndTheAuditLog) {
  testing::TempDir dir;
  std::string path = dir.File("city.db");
  { ASSERT_TRUE(OpenSqliteStore(path).ok()); }
  {  // Back to schema 6, as a parkguide before roles left it.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DROP TABLE api_keys; DROP TABLE audit_log; PRAGMA user_version=6;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto opened = OpenSqliteStore(path);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE((*opened)->LoadApiKeys()->empty());
  ApiKeyRecord key;
  key.name = "duty";
  key.role = "traffic_centre";
  key.key_hash = "b2s1$x";
  EXPECT_TRUE((*opened)->AddApiKey(key).ok());
  EXPECT_TRUE((*opened)->LoadAudit({})->empty());
  AuditEntry entry;
  entry.actor = "duty";
  EXPECT_TRUE((*opened)->AppendAudit({&entry, 1}).ok());
}

}  // namespace
}  // namespace pg::store

namespace pg::store {
namespace {

constexpr const char* kSourceKey = "pgk_0123456789ab_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfG";

TEST(SqliteStore, TheSchemaSixMigrationScrubsCredentialsFromOldDeadLetters) {
  testing::TempDir dir;
  std::string path = dir.File("city.db");
  { ASSERT_TRUE(OpenSqliteStore(path).ok()); }
  {  // Back to schema 5, with a dead letter as a parkguide before redaction stored it: raw.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    std::string sql = std::string(
                          "INSERT INTO ingest_errors(t_ms, channel, topic, source, reason, "
                          "payload) VALUES(1, 'mqtt', 'parkguide/c/obs/gw', 'gw', "
                          "'1 problems in the message', '{\"key\":\"") +
                      kSourceKey +
                      "\",\"observations\":[{\"seq\":1}]}'), "
                      "(2, 'mqtt', 't', '', 'not valid JSON', 'Authorization: Bearer " +
                      kSourceKey + "'), (3, 'mqtt', 't', '', 'fine', '{\"seq\":3}');" +
                      "DROP TABLE api_keys; DROP TABLE audit_log; PRAGMA user_version=5;";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto opened = OpenSqliteStore(path);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto letters = (*opened)->LoadDeadLetters(10);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 3u);
  EXPECT_EQ((*letters)[0].payload, R"({"seq":3})");
  EXPECT_EQ((*letters)[1].payload, "Authorization: [REDACTED]");
  EXPECT_EQ((*letters)[2].payload, R"({"key":"[REDACTED]","observations":[{"seq":1}]})");
  EXPECT_EQ((*letters)[2].reason, "1 problems in the message");
  // And the file itself: the secret is in no page of it (the WAL included).
  opened->reset();
  std::string bytes;
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream in(path + suffix, std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  EXPECT_EQ(bytes.find(std::string(kSourceKey).substr(17)), std::string::npos);
}

}  // namespace
}  // namespace pg::store
