// Thin RAII wrappers over the SQLite C API: a connection and prepared statements.
// Used only inside store/sqlite. Not thread-safe: one thread uses a connection at a time (the
// store serialises its write connection and lends each read connection to one caller).
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace pg::store::sqlite {

class Database;

// Hears of a connection's failures and of its writes reaching the database, so the store can
// keep its storage health. Called on the thread using the connection.
class ConnectionObserver {
 public:
  virtual ~ConnectionObserver() = default;
  // A call on `db` failed with SQLite result code `rc`; returns the Status to give the caller
  // (the same, or with a retry hint).
  virtual Status Failed(Database& db, int rc, Status status) = 0;
  // A transaction of `db` that wrote committed (or a single write statement completed).
  virtual void Committed(Database& db) = 0;
};

class Statement {
 public:
  Statement(Database* owner, sqlite3_stmt* stmt) : owner_(owner), stmt_(stmt) {}
  Statement(Statement&& other) noexcept
      : owner_(other.owner_), stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  // Binds by 1-based position.
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t value);
  Statement& BindNull(int index);
  Statement& BindDouble(int index, double value);

  // Steps once. Returns true when a row is available, false when done.
  // Errors: SqliteError's mapping of the SQLite error, as the connection's observer returns it.
  Result<bool> Step();
  // Steps to completion, discarding rows.
  Status Run();
  // Resets for re-use with new bindings.
  void Reset();

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  double Double(int column) const { return sqlite3_column_double(stmt_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string Text(int column) const;

 private:
  Database* owner_;
  sqlite3_stmt* stmt_;
};

struct OpenOptions {
  std::string vfs;  // the SQLite VFS; "": the default
  // Read-only: never creates the file nor checkpoints its WAL on close; writes fail
  // (SQLITE_READONLY).
  bool read_only = false;
  // How long a call waits for another connection's lock before failing with SQLITE_BUSY.
  std::chrono::milliseconds busy_timeout{2000};
};

class Database {
 public:
  // Opens (creating unless read-only) the database at `path`.
  // Errors: kUnavailable when the file cannot be opened or created, or the VFS is unknown.
  static Result<Database> Open(const std::string& path, const OpenOptions& options = {});

  // REQUIRES: no Statement of `other` is alive.
  Database(Database&& other) noexcept
      : db_(std::exchange(other.db_, nullptr)), observer_(other.observer_) {}
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  Database& operator=(Database&&) = delete;
  ~Database();

  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  // The single integer a query returns (PRAGMAs, counts).
  Result<int64_t> QueryInt(std::string_view sql);
  // Copies this database to the new file `path` with SQLite's online backup, in one step: the copy
  // is the database as one read transaction saw it, whatever other connections (or processes)
  // write meanwhile. Errors: kUnavailable (the file cannot be made), those of the copy.
  Status BackupTo(const std::string& path);

  // Told of failures and completed writes from now on; nullptr: nobody. `observer` must
  // outlive the connection or be replaced first.
  void set_observer(ConnectionObserver* observer) { observer_ = observer; }
  void SetBusyTimeout(std::chrono::milliseconds timeout);
  // Whether a transaction is open (BEGIN without COMMIT or ROLLBACK yet).
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  friend class Statement;
  explicit Database(sqlite3* db) : db_(db) {}
  // The Status of a failed call, through the observer.
  Status Fail(int rc, std::string_view what, bool with_message);
  void Wrote();

  sqlite3* db_;
  ConnectionObserver* observer_ = nullptr;
};

// Maps a SQLite result code to a Status.
Status SqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace pg::store::sqlite
