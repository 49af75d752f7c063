#include "cli/city_access.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

namespace pg::cli {
namespace {

// Why a live city's schema is not upgraded, and what to do.
constexpr char kLeftAsItIs[] =
    ", and another process is using it, so it is left as it is: stop that process, then any "
    "command of this build upgrades it";

std::string& StoreUriStorage() {
  static std::string uri;
  return uri;
}

// A PostgreSQL store's schema is changed only by commands that write the city: a reader with a
// mistyped URI must not create a city's tables somewhere.
Result<std::unique_ptr<store::Store>> OpenPostgresForReading() {
  store::PostgresStoreOptions options;
  options.read_only = true;
  options.connections = 2;
  return store::OpenPostgresStore(StoreUri(), options);
}

std::string& CommandLineStorage() {
  static std::string command_line = "parkguide";
  return command_line;
}

std::string Quoted(std::string_view arg) {
  if (!arg.empty() && arg.find_first_of(" \t'\"") == std::string_view::npos) {
    return std::string(arg);
  }
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void PrintNote(const std::string& db_path, const CityLockHolder& holder, std::string_view what) {
  std::fprintf(stderr, "parkguide: note: %s is in use by %s: %.*s\n", db_path.c_str(),
               holder.Describe().c_str(), static_cast<int>(what.size()), what.data());
}

}  // namespace

void SetCommandLine(int argc, const char* const* argv) {
  std::string line = "parkguide";
  for (int i = 1; i < argc; ++i) line += " " + Quoted(argv[i]);
  CommandLineStorage() = std::move(line);
}

const std::string& CommandLine() { return CommandLineStorage(); }

Result<CityLock> LockCity(const std::string& db_path) {
  auto lock = CityLock::Acquire(db_path, CommandLine());
  if (!lock.ok() && lock.status().code() == StatusCode::kFailedPrecondition) {
    return FailedPrecondition(lock.status().message() + "; nothing was changed");
  }
  return lock;
}

Result<bool> NoteLiveCity(const std::string& db_path) {
  PG_ASSIGN_OR_RETURN(std::optional<CityLockHolder> holder, CityLock::Probe(db_path));
  if (!holder) return false;
  PrintNote(db_path, *holder, "reading a live city; figures may change while this runs");
  return true;
}

void AddStoreOption(CLI::App& command) {
  command
      .add_option("--store", StoreUriStorage(),
                  "The city's store on a PostgreSQL server (postgresql://user@host:port/db; "
                  "?options=-csearch_path%3Dcity,public for a schema per city) instead of the "
                  "SQLite file --db; --db then names this machine's files of the city (journal, "
                  "road graph, reports)")
      ->envname("PARKGUIDE_STORE")
      ->check([](const std::string& uri) -> std::string {
        return store::IsPostgresUri(uri) ? "" : "--store: not a postgres:// or postgresql:// URI";
      });
}

const std::string& StoreUri() { return StoreUriStorage(); }

Result<std::unique_ptr<store::Store>> OpenCityStore(const std::string& db_path) {
  if (StoreUri().empty()) return store::OpenSqliteStore(db_path);
  return store::OpenPostgresStore(StoreUri());
}

Status PrepareToRead(const std::string& db_path) {
  if (!StoreUri().empty()) return OpenPostgresForReading().status();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(db_path, ec)) {
    return NotFound(fmt::format("{}: no such database", db_path));
  }
  PG_ASSIGN_OR_RETURN(bool live, NoteLiveCity(db_path));
  Status readable = store::OpenSqliteStoreReadOnly(db_path).status();
  if (readable.ok() || readable.code() != StatusCode::kFailedPrecondition) return readable;
  if (live) {
    return FailedPrecondition(readable.message() + kLeftAsItIs);
  }
  // An older schema and nobody writing: upgrade it as any write command of this build would.
  PG_ASSIGN_OR_RETURN(CityLock lock, LockCity(db_path));
  return store::OpenSqliteStore(db_path).status();
}

Result<std::unique_ptr<store::Store>> OpenCityForReading(const std::string& db_path) {
  if (!StoreUri().empty()) return OpenPostgresForReading();
  PG_RETURN_IF_ERROR(PrepareToRead(db_path));
  return store::OpenSqliteStoreReadOnly(db_path);
}

Result<LiveWritableCity> OpenCityForLiveWrite(const std::string& db_path) {
  LiveWritableCity city;
  if (!StoreUri().empty()) {
    // Every node writes a shared store while the others run: its rules hold across them
    // (store/postgres/postgres_store_impl.h); there is no file to lock.
    PG_ASSIGN_OR_RETURN(city.store, store::OpenPostgresStore(StoreUri()));
    return city;
  }
  std::optional<CityLockHolder> holder;
  // Twice: a holder that ends between the refusal and the probe leaves the city to us.
  for (int attempt = 0; attempt < 2 && !holder; ++attempt) {
    auto lock = LockCity(db_path);
    if (lock.ok()) {
      city.lock.emplace(std::move(*lock));
      PG_ASSIGN_OR_RETURN(city.store, store::OpenSqliteStore(db_path));
      return city;
    }
    if (lock.status().code() != StatusCode::kFailedPrecondition) return lock.status();
    PG_ASSIGN_OR_RETURN(holder, CityLock::Probe(db_path));
  }
  PrintNote(db_path, holder.value_or(CityLockHolder{}),
            "writing beside it; a running server picks this up within seconds");
  // Never migrated from under its writer: the schema must be this build's already.
  auto readable = store::OpenSqliteStoreReadOnly(db_path);
  if (!readable.ok()) {
    return Status(readable.status().code(), readable.status().message() + kLeftAsItIs);
  }
  PG_ASSIGN_OR_RETURN(city.store, store::OpenSqliteStore(db_path));
  return city;
}

}  // namespace pg::cli
