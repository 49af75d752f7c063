// How a subcommand opens a city that another process may be writing (core/city_lock.h): one
// entry point per kind of command, so that a new command (`journal check|ack`, say) picks the
// right one in a line.
//
//   // A command that writes the city (serve, demo, imports, replay, build-roads, calendar --set):
//   auto lock = LockCity(db_path);
//   if (!lock.ok()) return Fail(lock.status().message());
//   … open the store, the journal, the graph; keep `lock` alive until the end …
//
//   // A command that only reads it (route, guide, report, source list, calendar):
//   auto store = OpenCityForReading(db_path);   // notes on stderr when the city is live
//
// Thread-safety: called from the command's one thread.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

#include "core/city_lock.h"
#include "core/status.h"
#include "store/store.h"

namespace pg::cli {

// Records the process's command line for lock records ("parkguide serve --db city.db"); main
// calls it once before running a command.
void SetCommandLine(int argc, const char* const* argv);
const std::string& CommandLine();

// Adds `--store URI` (env PARKGUIDE_STORE) to a command: the city's store on a PostgreSQL server
// instead of the SQLite file `--db` names; `--db` then names only this machine's files of the
// city (journal, road graph, reports, lock). One process runs one command, so the option has
// one value per process: StoreUri().
void AddStoreOption(CLI::App& command);
// "" when the city's store is the SQLite file at the command's --db.
const std::string& StoreUri();

// The city's store for a command that writes it (after LockCity): the PostgreSQL store of
// --store when given, else the SQLite file at `db_path`, created or upgraded as needed.
Result<std::unique_ptr<store::Store>> OpenCityStore(const std::string& db_path);

// Takes the lock of the city at `db_path` for a command that writes it, before it opens anything.
// Errors: those of CityLock::Acquire; the refusal's message (it names the holder) ends with
// "; nothing was changed".
Result<CityLock> LockCity(const std::string& db_path);

// The one-line note on stderr for a reader of a live city:
// "parkguide: note: city.db is in use by pid 4242 (parkguide serve --db city.db) since …: reading
// a live city; figures may change while this runs". Nothing when nobody holds the lock.
// Returns whether somebody does. Errors: those of CityLock::Probe.
Result<bool> NoteLiveCity(const std::string& db_path);

// Makes the city at `db_path` ready for a read-only command: says whether it is live
// (NoteLiveCity), and when it is not and its schema is older than this build's, upgrades it under
// the lock as any write command would (a live city is never migrated from under its writer).
// Errors: kNotFound when there is no database; kFailedPrecondition for a schema this build cannot
// read as it is while the city is live (or at all); those of the store.
Status PrepareToRead(const std::string& db_path);

// PrepareToRead, then the store opened read-only (store::OpenSqliteStoreReadOnly).
Result<std::unique_ptr<store::Store>> OpenCityForReading(const std::string& db_path);

// A city opened for the few writes a running server is built to pick up while it runs (source
// keys, reloaded every few seconds): `lock` is held when nobody else writes the city; when
// somebody does, it is empty, a note says so on stderr, and the schema must already be this
// build's (it is never migrated under a live writer). Errors: kFailedPrecondition for that
// schema; those of LockCity and of the store.
struct LiveWritableCity {
  std::optional<CityLock> lock;
  std::unique_ptr<store::Store> store;
};
Result<LiveWritableCity> OpenCityForLiveWrite(const std::string& db_path);

}  // namespace pg::cli
