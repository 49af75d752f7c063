// Thin RAII wrappers over the SQLite C API: a connection and prepared statements.
// Used only inside store/sqlite. Not thread-safe; the store serialises access.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace pg::store::sqlite {

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept
      : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}
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
  // Errors: the SQLite error as kInternal (kDataLoss for a corrupt or foreign file).
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
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Database {
 public:
  enum class Mode {
    kReadWriteCreate,
    // Never creates the file nor checkpoints its WAL on close; writes fail (SQLITE_READONLY).
    kReadOnly,
  };
  // Errors: kUnavailable when the file cannot be opened or created (kReadOnly: when it does not
  // exist, among others).
  static Result<Database> Open(const std::string& path, Mode mode = Mode::kReadWriteCreate);

  Database(Database&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  Database& operator=(Database&&) = delete;
  ~Database();

  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  // The single integer a query returns (PRAGMAs, counts).
  Result<int64_t> QueryInt(std::string_view sql);

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Maps a SQLite result code to a Status.
Status SqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace pg::store::sqlite
