// The PostgreSQL store's schema: its migrations, applied in order under an advisory lock so that
// nodes starting together migrate once, and the monthly partitions of the history tables.
#pragma once

#include <pqxx/pqxx>

#include "core/status.h"
#include "core/time.h"

namespace pg::store::postgres {

// The schema version this build writes.
int SchemaVersion();

// Brings the schema of the connection's search_path up to SchemaVersion(), each migration in its
// own transaction. Errors: kFailedPrecondition when the schema is newer than this build's, or
// PostGIS is not installed in the database and cannot be created by this user (the message says
// what the database owner must run); the store's errors otherwise. Throws libpqxx's exceptions.
Status Migrate(pqxx::connection_base& connection);

// The schema version found, without changing anything (0: none yet).
int FoundSchemaVersion(pqxx::connection_base& connection);

// Makes the monthly partitions of every history table from the month before `now` to two months
// after it (rows of other months go to each table's DEFAULT partition). Idempotent; safe when
// nodes run it at once (in `tx`, which the caller commits). Throws libpqxx's exceptions.
void EnsurePartitions(pqxx::dbtransaction& tx, Timestamp now);

}  // namespace pg::store::postgres
