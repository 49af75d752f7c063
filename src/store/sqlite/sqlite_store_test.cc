#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::store {
namespace {

using model::Facility;
using model::FacilityId;
using model::Origin;

Facility MakeFacility(const std::string& id, Origin origin, int capacity) {
  Facility f;
  f.id = FacilityId(id);
  f.name.en = id;
  f.location = {34.0, 113.8};
  f.capacity.total = capacity;
  f.origin = origin;
  return f;
}

TEST(SqliteStore, CreatesSchemaAndRoundTripsTheRegistry) {
  testing::TempDir dir;
  auto store = OpenSqliteStore(dir.File("city.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  model::RegistryData data;
  model::City city;
  city.id = "xuchang";
  city.name = {"许昌", "Xuchang"};
  data.city = city;
  data.facilities = {MakeFacility("F1", Origin::kSurvey, 100)};
  auto summary = (*store)->WriteRegistry(data, RegistryWriteMode::kUpsert);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->inserted, 1);
  auto loaded = (*store)->LoadRegistry();
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded->city.has_value());
  EXPECT_EQ(*loaded->city, city);
  ASSERT_EQ(loaded->facilities.size(), 1u);
  EXPECT_EQ(loaded->facilities[0], data.facilities[0]);
}

TEST(SqliteStore, SurveyWinsOverOsmAndOsmReimportReplacesOsm) {
  testing::TempDir dir;
  auto store = *OpenSqliteStore(dir.File("city.db"));
  model::RegistryData survey;
  survey.facilities = {MakeFacility("osm:w1", Origin::kSurvey, 500)};
  ASSERT_TRUE(store->WriteRegistry(survey, RegistryWriteMode::kUpsert).ok());

  model::RegistryData osm;
  osm.facilities = {MakeFacility("osm:w1", Origin::kOsm, 10),
                    MakeFacility("osm:w2", Origin::kOsm, 20)};
  auto first = store->WriteRegistry(osm, RegistryWriteMode::kReplaceOsm);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->kept_survey, 1);
  EXPECT_EQ(first->inserted, 1);

  model::RegistryData osm2;
  osm2.facilities = {MakeFacility("osm:w3", Origin::kOsm, 30)};
  auto second = store->WriteRegistry(osm2, RegistryWriteMode::kReplaceOsm);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->deleted, 1);  // w2 gone; the survey's w1 stays

  auto loaded = *store->LoadRegistry();
  ASSERT_EQ(loaded.facilities.size(), 2u);
  EXPECT_EQ(loaded.facilities[0].id.str(), "osm:w1");
  EXPECT_EQ(loaded.facilities[0].capacity.total, 500);
  EXPECT_EQ(loaded.facilities[1].id.str(), "osm:w3");
}

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

TEST(SqliteStore, SourcesKeepTheirKeyAndCanBeRevoked) {
  testing::TempDir dir;
  auto store = *OpenSqliteStore(dir.File("city.db"));
  SourceRecord rec;
  rec.source.id = model::SourceId("gate-1");
  rec.source.scope.all = true;
  rec.key_hash = "$argon2id$fake";
  rec.created = FromUnixMillis(1000);
  ASSERT_TRUE(store->AddSource(rec).ok());
  EXPECT_EQ(store->AddSource(rec).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(store->RevokeSource(rec.source.id, FromUnixMillis(2000)).ok());
  auto sources = *store->LoadSources();
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_TRUE(sources[0].source.revoked_at.has_value());
  EXPECT_TRUE(sources[0].key_hash.empty());
  EXPECT_EQ(store->RevokeSource(model::SourceId("nope"), FromUnixMillis(0)).code(),
            StatusCode::kNotFound);
  // A registry write of the same source (a survey re-import) does not undo the revocation.
  model::RegistryData survey;
  model::Source again = rec.source;
  again.description = "re-surveyed";
  survey.sources = {again};
  ASSERT_TRUE(store->WriteRegistry(survey, RegistryWriteMode::kUpsert).ok());
  auto registry = *store->LoadRegistry();
  ASSERT_EQ(registry.sources.size(), 1u);
  EXPECT_EQ(registry.sources[0].description, "re-surveyed");
  EXPECT_EQ(registry.sources[0].revoked_at, FromUnixMillis(2000));
}

TEST(SqliteStore, OccupancyHistoryIsQueriedByHalfOpenRange) {
  testing::TempDir dir;
  auto store = *OpenSqliteStore(dir.File("city.db"));
  std::vector<model::OccupancySample> samples;
  for (int i = 0; i < 10; ++i) {
    samples.push_back({FacilityId("F1"), FromUnixMillis(i * 1000), i, 100});
  }
  ASSERT_TRUE(store->AppendOccupancy(samples).ok());
  auto got = *store->LoadOccupancy(FacilityId("F1"), FromUnixMillis(2000), FromUnixMillis(5000));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got.front().occupied, 2);
  EXPECT_EQ(got.back().occupied, 4);
  EXPECT_EQ(**store->LatestOccupancyTime(), FromUnixMillis(9000));
}

SignDisplayRecord Display(const char* sign, int64_t seq, int64_t t_ms, std::string content) {
  SignDisplayRecord r;
  r.sign = model::SignId(sign);
  r.seq = seq;
  r.time = FromUnixMillis(t_ms);
  r.content_json = std::move(content);
  r.cause_json = R"({"kind":"observation"})";
  return r;
}

TEST(SqliteStore, SignHistoryAnswersWhatWasShownAtAnInstant) {
  testing::TempDir dir;
  auto store = *OpenSqliteStore(dir.File("city.db"));
  std::vector<SignDisplayRecord> batch = {Display("S1", 1, 1000, "a"), Display("S1", 2, 5000, "b"),
                                          Display("S2", 1, 2000, "x")};
  ASSERT_TRUE(store->AppendSignDisplays(batch).ok());
  EXPECT_FALSE((*store->SignDisplayAt(model::SignId("S1"), FromUnixMillis(999))).has_value());
  EXPECT_EQ((*store->SignDisplayAt(model::SignId("S1"), FromUnixMillis(1000)))->content_json, "a");
  EXPECT_EQ((*store->SignDisplayAt(model::SignId("S1"), FromUnixMillis(4999)))->content_json, "a");
  EXPECT_EQ((*store->SignDisplayAt(model::SignId("S1"), FromUnixMillis(5000)))->content_json, "b");
  auto range =
      *store->LoadSignDisplays(model::SignId("S1"), FromUnixMillis(0), FromUnixMillis(5000), 100);
  ASSERT_EQ(range.size(), 1u);
  EXPECT_EQ(range[0].seq, 1);
  auto latest = *store->LatestSignDisplays();
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest[0].sign.str(), "S1");
  EXPECT_EQ(latest[0].seq, 2);
  EXPECT_EQ(latest[1].sign.str(), "S2");
}

TEST(SqliteStore, SignHistoryBatchIsAllOrNothingAndAcknowledgedOnce) {
  testing::TempDir dir;
  auto store = *OpenSqliteStore(dir.File("city.db"));
  std::vector<SignDisplayRecord> first = {Display("S1", 1, 1000, "a")};
  ASSERT_TRUE(store->AppendSignDisplays(first).ok());
  std::vector<SignDisplayRecord> clash = {Display("S1", 2, 2000, "b"), Display("S1", 1, 3000, "c")};
  EXPECT_EQ(store->AppendSignDisplays(clash).code(), StatusCode::kAlreadyExists);
  auto all =
      *store->LoadSignDisplays(model::SignId("S1"), FromUnixMillis(0), FromUnixMillis(10'000), 100);
  ASSERT_EQ(all.size(), 1u);
  std::vector<SignAck> acks = {{model::SignId("S1"), 1, FromUnixMillis(1200)},
                               {model::SignId("S1"), 1, FromUnixMillis(1900)},
                               {model::SignId("S1"), 7, FromUnixMillis(1900)}};
  ASSERT_TRUE(store->MarkSignsAcknowledged(acks).ok());
  EXPECT_EQ((*store->SignDisplayAt(model::SignId("S1"), FromUnixMillis(5000)))->acknowledged,
            FromUnixMillis(1200));
}

TEST(SqliteStore, SignFaultsAndOverridesAreKept) {
  testing::TempDir dir;
  auto store = *OpenSqliteStore(dir.File("city.db"));
  ASSERT_TRUE(
      store->AppendSignFault({model::SignId("S1"), FromUnixMillis(1000), "offline", "x"}).ok());
  ASSERT_TRUE(
      store->AppendSignFault({model::SignId("S1"), FromUnixMillis(3000), "online", "y"}).ok());
  auto faults =
      *store->LoadSignFaults(model::SignId("S1"), FromUnixMillis(0), FromUnixMillis(5000), 10);
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[0].kind, "offline");
  EXPECT_EQ((*store->SignFaultAt(model::SignId("S1"), FromUnixMillis(2999)))->kind, "offline");
  EXPECT_EQ((*store->SignFaultAt(model::SignId("S1"), FromUnixMillis(3000)))->kind, "online");

  SignOverrideRecord o;
  o.sign = model::SignId("S1");
  o.line = 1;
  o.kind = "text";
  o.text = {"施工", "WORKS"};
  o.reason = "road works";
  o.created_by = "ops-1";
  o.created = FromUnixMillis(1000);
  o.expires = FromUnixMillis(60'000);
  auto id = store->AddSignOverride(o);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  model::SignId s1("S1");
  auto open = *store->LoadSignOverrides(&s1, true, 10);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].id, *id);
  EXPECT_EQ(open[0].line, 1);
  EXPECT_EQ(open[0].text, o.text);
  ASSERT_TRUE(store->EndSignOverride(*id, FromUnixMillis(2000), "ops-2", "done").ok());
  EXPECT_EQ(store->EndSignOverride(*id, FromUnixMillis(2000), "ops-2", "again").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->EndSignOverride(999, FromUnixMillis(2000), "ops-2", "x").code(),
            StatusCode::kNotFound);
  EXPECT_TRUE((*store->LoadSignOverrides(&s1, true, 10)).empty());
  auto audit = *store->LoadSignOverrides(nullptr, false, 10);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].ended, FromUnixMillis(2000));
  EXPECT_EQ(audit[0].ended_by, "ops-2");
  EXPECT_EQ(audit[0].end_reason, "done");
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
                           "PRAGMA user_version=3;",
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

TEST(SqliteStore, ReportHistoryRoundTripsAndASchemaFourFileGainsIt) {
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
                           "PRAGMA user_version=4;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto opened = OpenSqliteStore(path);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto& store = **opened;
  Timestamp t0 = FromUnixMillis(1'000'000);
  std::vector<model::BayEvent> bays = {{model::BayId("B2"), t0, true},
                                       {model::BayId("B1"), t0 + Minutes(5), true},
                                       {model::BayId("B1"), t0 + Minutes(9), false}};
  ASSERT_TRUE(store.AppendBayEvents(bays).ok());
  auto read = store.LoadBayEvents(t0, t0 + Minutes(9));
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 2u);  // by bay, then time; the end is excluded
  EXPECT_EQ((*read)[0], bays[1]);
  EXPECT_EQ((*read)[1], bays[0]);
  std::vector<model::ChargerStatusEvent> statuses = {
      {model::ChargerId("C1"), 1, t0, model::ChargerStatus::kFaulted},
      {model::ChargerId("C1"), 1, t0 + Minutes(1), model::ChargerStatus::kAvailable}};
  ASSERT_TRUE(store.AppendChargerStatus(statuses).ok());
  auto loaded = store.LoadChargerStatus(t0, t0 + Minutes(2));
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, statuses);
  // Counters: hourly buckets; absent differs from zero.
  EXPECT_FALSE(store.CounterSum("guidance.queries", t0, t0 + Minutes(60))->has_value());
  ASSERT_TRUE(store.AddToCounter("guidance.queries", t0, 2).ok());
  ASSERT_TRUE(store.AddToCounter("guidance.queries", t0 + Minutes(1), 3).ok());
  auto sum = store.CounterSum("guidance.queries", FromUnixMillis(0), t0 + Minutes(60));
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(*sum, 5);
  std::vector<model::OccupancyRollup> rollups(2);
  rollups[0].id = "F2";
  rollups[1].id = "F1";
  rollups[0].start = rollups[1].start = t0;
  rollups[0].capacity = rollups[1].capacity = 10;
  ASSERT_TRUE(store.AppendRollups(rollups).ok());
  auto all = store.LoadAllRollups(model::OccupancyRollup::Kind::kFacility, Seconds(300), t0,
                                  t0 + Minutes(5));
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "F1");
}

}  // namespace
}  // namespace pg::store

namespace pg::store {
namespace {

constexpr const char* kSourceKey = "pgk_0123456789ab_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfG";

TEST(SqliteStore, DeadLettersAreStoredWithoutCredentials) {
  testing::TempDir dir;
  auto store = *OpenSqliteStore(dir.File("city.db"));
  DeadLetter d;
  d.channel = "mqtt";
  d.topic = "parkguide/c/obs/gw";
  d.reason = "bad";
  d.payload = std::string(R"({"key":")") + kSourceKey + R"(","observations":[{"seq":1}]})";
  ASSERT_TRUE(store->AppendDeadLetter(d).ok());
  auto letters = store->LoadDeadLetters(10);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ((*letters)[0].payload, R"({"key":"[REDACTED]","observations":[{"seq":1}]})");
}

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
                      "PRAGMA user_version=5;";
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
