#include "store/postgres/postgres_schema.h"

#include <date/date.h>
#include <fmt/format.h>

#include <iterator>
#include <string_view>

namespace pg::store::postgres {
namespace {

// Any 64-bit number, the same on every node: the advisory lock key of schema changes.
constexpr int64_t kSchemaLockKey = 0x50475544'4d494752;  // "PGUDMIGR"

// The history tables, partitioned by month of their time column `t`.
constexpr std::string_view kPartitionedTables[] = {"occupancy", "charger_site_occupancy", "rollups",
                                                   "bay_events", "charger_status"};

// Append only: each entry moves the schema one version up. Times are timestamptz, converted at
// the statement's edge by ms_to_ts / ts_to_ms (exact to the millisecond both ways); registry
// entries are jsonb (read back through the model's parsers), opaque documents text (kept byte
// for byte: the sign history's contents, forecast models), bytes from outside bytea.
constexpr const char* kMigrations[] = {
    // v1: everything SQLite's schema v8 holds.
    R"sql(
    CREATE FUNCTION ms_to_ts(ms bigint) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT 'epoch'::timestamptz + ms * interval '1 millisecond' $$;
    CREATE FUNCTION ts_to_ms(t timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT (extract(epoch FROM t) * 1000)::bigint $$;
    CREATE TABLE settings(key text PRIMARY KEY, value text NOT NULL);
    CREATE TABLE city(singleton int PRIMARY KEY CHECK (singleton = 1), doc jsonb NOT NULL);
    CREATE TABLE facilities(id text PRIMARY KEY, origin text NOT NULL, doc jsonb NOT NULL,
      geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(
        (doc->'location'->>'lon')::float8, (doc->'location'->>'lat')::float8), 4326)) STORED);
    CREATE INDEX facilities_geom ON facilities USING gist(geom);
    CREATE TABLE bays(id text PRIMARY KEY, origin text NOT NULL, facility_id text NOT NULL,
      doc jsonb NOT NULL,
      geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(
        (doc->'location'->>'lon')::float8, (doc->'location'->>'lat')::float8), 4326)) STORED);
    CREATE INDEX bays_by_facility ON bays(facility_id);
    CREATE INDEX bays_geom ON bays USING gist(geom);
    CREATE TABLE chargers(id text PRIMARY KEY, origin text NOT NULL, doc jsonb NOT NULL);
    CREATE TABLE signs(id text PRIMARY KEY, origin text NOT NULL, doc jsonb NOT NULL);
    CREATE TABLE sources(id text PRIMARY KEY, doc jsonb NOT NULL, key_hash text NOT NULL,
      created timestamptz NOT NULL, revoked timestamptz);
    CREATE TABLE occupancy(facility_id text NOT NULL, t timestamptz NOT NULL,
      occupied int NOT NULL, capacity int NOT NULL, PRIMARY KEY (facility_id, t))
      PARTITION BY RANGE (t);
    CREATE INDEX occupancy_by_time ON occupancy(t);
    CREATE TABLE charger_site_occupancy(site text NOT NULL, t timestamptz NOT NULL,
      busy int NOT NULL, connectors int NOT NULL, PRIMARY KEY (site, t)) PARTITION BY RANGE (t);
    CREATE TABLE rollups(kind smallint NOT NULL, id text NOT NULL, step_s int NOT NULL,
      t timestamptz NOT NULL, min_occupied int NOT NULL, mean_occupied float8 NOT NULL,
      max_occupied int NOT NULL, capacity int NOT NULL, coverage float8 NOT NULL,
      PRIMARY KEY (kind, id, step_s, t)) PARTITION BY RANGE (t);
    CREATE TABLE bay_events(bay_id text NOT NULL, t timestamptz NOT NULL, occupied boolean NOT NULL,
      PRIMARY KEY (bay_id, t)) PARTITION BY RANGE (t);
    CREATE INDEX bay_events_by_time ON bay_events(t);
    CREATE TABLE charger_status(charger_id text NOT NULL, connector int NOT NULL,
      t timestamptz NOT NULL, status text NOT NULL, PRIMARY KEY (charger_id, connector, t))
      PARTITION BY RANGE (t);
    CREATE INDEX charger_status_by_time ON charger_status(t);
    CREATE TABLE occupancy_default PARTITION OF occupancy DEFAULT;
    CREATE TABLE charger_site_occupancy_default PARTITION OF charger_site_occupancy DEFAULT;
    CREATE TABLE rollups_default PARTITION OF rollups DEFAULT;
    CREATE TABLE bay_events_default PARTITION OF bay_events DEFAULT;
    CREATE TABLE charger_status_default PARTITION OF charger_status DEFAULT;
    CREATE TABLE counters(name text NOT NULL, t timestamptz NOT NULL, count bigint NOT NULL,
      PRIMARY KEY (name, t));
    CREATE TABLE ingest_errors(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      t timestamptz NOT NULL, channel text NOT NULL, topic bytea NOT NULL, source text NOT NULL,
      reason bytea NOT NULL, payload bytea NOT NULL);
    CREATE TABLE forecast_models(series text PRIMARY KEY, trained timestamptz NOT NULL,
      window_from timestamptz NOT NULL, window_to timestamptz NOT NULL, score text NOT NULL,
      model text NOT NULL);
    CREATE TABLE sign_display(sign_id text NOT NULL, seq bigint NOT NULL, t timestamptz NOT NULL,
      content text NOT NULL, cause text NOT NULL, acked timestamptz, PRIMARY KEY (sign_id, seq));
    CREATE INDEX sign_display_by_time ON sign_display(sign_id, t);
    CREATE TABLE sign_faults(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      sign_id text NOT NULL, t timestamptz NOT NULL, kind text NOT NULL, detail text NOT NULL);
    CREATE INDEX sign_faults_by_time ON sign_faults(sign_id, t);
    CREATE TABLE sign_overrides(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      sign_id text NOT NULL, line int, kind text NOT NULL, text_zh text NOT NULL,
      text_en text NOT NULL, reason text NOT NULL, created_by text NOT NULL,
      created timestamptz NOT NULL, expires timestamptz NOT NULL, ended timestamptz,
      ended_by text NOT NULL DEFAULT '', end_reason text NOT NULL DEFAULT '');
    CREATE INDEX sign_overrides_by_sign ON sign_overrides(sign_id, id);
    CREATE TABLE api_keys(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL,
      role text NOT NULL, facilities jsonb NOT NULL, key_hash text NOT NULL,
      created timestamptz NOT NULL, expires timestamptz, revoked timestamptz);
    CREATE INDEX api_keys_by_name ON api_keys(name, id);
    -- One current generation per name, also when two nodes add the same name at once.
    CREATE UNIQUE INDEX api_keys_one_current ON api_keys(name)
      WHERE expires IS NULL AND revoked IS NULL;
    CREATE TABLE audit_log(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      t timestamptz NOT NULL, actor text NOT NULL, role text NOT NULL, remote text NOT NULL,
      action text NOT NULL, target text NOT NULL, request text NOT NULL, before text NOT NULL,
      after text NOT NULL, outcome text NOT NULL);
    CREATE INDEX audit_log_by_time ON audit_log(t);
    CREATE INDEX audit_log_by_actor ON audit_log(actor, id);
    )sql",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

// The version table lives beside the tables it describes (the search_path's first schema).
constexpr const char* kVersionTable =
    "CREATE TABLE IF NOT EXISTS parkguide_schema(singleton int PRIMARY KEY CHECK (singleton = 1), "
    "version int NOT NULL)";

int VersionIn(pqxx::transaction_base& tx) {
  pqxx::result r = tx.exec("SELECT version FROM parkguide_schema");
  return r.empty() ? 0 : r[0][0].as<int>();
}

// PostGIS in the database, created by this user when they may. REQUIRES: the schema lock held.
Status EnsurePostgis(pqxx::dbtransaction& tx) {
  if (!tx.exec("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").empty()) return Status::Ok();
  try {
    pqxx::subtransaction attempt{tx, "postgis"};
    attempt.exec0("CREATE EXTENSION postgis SCHEMA public");
    attempt.commit();
    return Status::Ok();
  } catch (const pqxx::sql_error& e) {
    return FailedPrecondition(fmt::format(
        "the database has no PostGIS and this user cannot add it ({}): as its owner, run "
        "CREATE EXTENSION postgis; in it (Debian: apt install postgresql-15-postgis-3)",
        e.what()));
  }
}

// The schema the connection's search_path names first, created when missing: a city's URI may
// name its own (options=-csearch_path=xuchang,public), and tables must not land in the next
// schema of the path instead. REQUIRES: the schema lock held.
void EnsureFirstSchema(pqxx::transaction_base& tx) {
  const std::string path = tx.exec("SELECT current_setting('search_path')")[0][0].as<std::string>();
  std::string first = path.substr(0, path.find(','));
  first.erase(0, first.find_first_not_of(' '));
  first.erase(first.find_last_not_of(' ') + 1);
  if (first.size() >= 2 && first.front() == '"' && first.back() == '"') {
    first = first.substr(1, first.size() - 2);
  }
  if (first.empty() || first == "$user") return;
  tx.exec0("CREATE SCHEMA IF NOT EXISTS " + tx.quote_name(first));
}

}  // namespace

int SchemaVersion() { return kSchemaVersion; }

int FoundSchemaVersion(pqxx::connection_base& connection) {
  pqxx::read_transaction tx{connection};
  if (tx.exec("SELECT to_regclass('parkguide_schema')")[0][0].is_null()) return 0;
  return VersionIn(tx);
}

Status Migrate(pqxx::connection_base& connection) {
  for (;;) {
    pqxx::work tx{connection};
    // Held to the end of the transaction: a second node waits, then finds the work done.
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kSchemaLockKey);
    PG_RETURN_IF_ERROR(EnsurePostgis(tx));
    EnsureFirstSchema(tx);
    tx.exec0(kVersionTable);
    const int version = VersionIn(tx);
    if (version > kSchemaVersion) {
      return FailedPrecondition(fmt::format(
          "the PostgreSQL schema was written by a newer parkguide (schema version {}; this build "
          "knows up to {}): upgrade parkguide to use it",
          version, kSchemaVersion));
    }
    if (version == kSchemaVersion) return Status::Ok();
    tx.exec0(kMigrations[version]);
    tx.exec_params0(
        "INSERT INTO parkguide_schema(singleton, version) VALUES(1, $1) "
        "ON CONFLICT(singleton) DO UPDATE SET version = excluded.version",
        version + 1);
    tx.commit();
  }
}

void EnsurePartitions(pqxx::dbtransaction& tx, Timestamp now) {
  using namespace date;
  const year_month_day today{floor<days>(now)};
  const year_month first = year_month{today.year(), today.month()} - months{1};
  tx.exec_params("SELECT pg_advisory_xact_lock($1)", kSchemaLockKey);
  for (int i = 0; i < 4; ++i) {
    const year_month from = first + months{i};
    const year_month to = from + months{1};
    for (std::string_view table : kPartitionedTables) {
      const std::string name = fmt::format("{}_{:04d}{:02d}", table, static_cast<int>(from.year()),
                                           static_cast<unsigned>(from.month()));
      if (!tx.exec_params("SELECT to_regclass($1)", name)[0][0].is_null()) continue;
      // A month's rows already in the DEFAULT partition would block the new one: leave them
      // there (the queries read both) rather than fail.
      try {
        pqxx::subtransaction attempt{tx, "partition"};
        attempt.exec0(fmt::format(
            "CREATE TABLE {} PARTITION OF {} FOR VALUES FROM ('{:04d}-{:02d}-01 00:00+00') TO "
            "('{:04d}-{:02d}-01 00:00+00')",
            name, table, static_cast<int>(from.year()), static_cast<unsigned>(from.month()),
            static_cast<int>(to.year()), static_cast<unsigned>(to.month())));
        attempt.commit();
      } catch (const pqxx::check_violation&) {
        // The subtransaction rolled back to its savepoint: the outer one goes on.
      }
    }
  }
}

}  // namespace pg::store::postgres
