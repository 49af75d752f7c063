#include "store/sqlite/sqlite_db.h"

#include <fmt/format.h>

namespace pg::store::sqlite {

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = fmt::format("{}: {}", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return DataLoss(std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return Unavailable(std::move(message));
    case SQLITE_CONSTRAINT:
      return AlreadyExists(std::move(message));
    default:
      return Internal(std::move(message));
  }
}

Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::BindDouble(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) {
    // A write outside a transaction has committed by itself.
    if (!sqlite3_stmt_readonly(stmt_) && !owner_->in_transaction()) owner_->Wrote();
    return false;
  }
  return owner_->Fail(rc, "sqlite step", /*with_message=*/true);
}

Status Statement::Run() {
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::Text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

Result<Database> Database::Open(const std::string& path, const OpenOptions& options) {
  sqlite3* db = nullptr;
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags,
                           options.vfs.empty() ? nullptr : options.vfs.c_str());
  if (rc != SQLITE_OK) {
    Status s = Unavailable(fmt::format("cannot open database '{}': {}", path,
                                       db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return s;
  }
  // A reader beside the city's writer leaves the WAL to it.
  if (options.read_only) sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  Database out(db);
  out.SetBusyTimeout(options.busy_timeout);
  return out;
}

void Database::SetBusyTimeout(std::chrono::milliseconds timeout) {
  sqlite3_busy_timeout(db_, static_cast<int>(timeout.count()));
}

Status Database::Fail(int rc, std::string_view what, bool with_message) {
  Status s = SqliteError(with_message ? db_ : nullptr, rc, what);
  return observer_ ? observer_->Failed(*this, rc, std::move(s)) : s;
}

void Database::Wrote() {
  if (observer_) observer_->Committed(*this);
}

Database::~Database() {
  if (db_) sqlite3_close_v2(db_);
}

Status Database::Exec(std::string_view sql) {
  char* error = nullptr;
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    Status s = SqliteError(nullptr, rc, "sqlite");
    s = Status(s.code(), message);
    return observer_ ? observer_->Failed(*this, rc, std::move(s)) : s;
  }
  if (sql == "COMMIT") Wrote();
  return Status::Ok();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return Fail(rc, fmt::format("prepare '{}'", sql.substr(0, 60)), /*with_message=*/true);
  }
  return Statement(this, stmt);
}

Result<int64_t> Database::QueryInt(std::string_view sql) {
  PG_ASSIGN_OR_RETURN(Statement st, Prepare(sql));
  PG_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Internal(fmt::format("'{}' returned no row", sql));
  return st.Int(0);
}

Status Database::BackupTo(const std::string& path) {
  sqlite3* copy = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &copy, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    Status s = Unavailable(fmt::format("{}: cannot create the copy: {}", path,
                                       copy ? sqlite3_errmsg(copy) : sqlite3_errstr(rc)));
    sqlite3_close(copy);
    return s;
  }
  sqlite3_backup* backup = sqlite3_backup_init(copy, "main", db_, "main");
  if (backup == nullptr) {
    Status s = SqliteError(copy, sqlite3_errcode(copy), "backup");
    sqlite3_close(copy);
    return s;
  }
  // -1: every page in one step, so the copy is one snapshot. A writer's lock makes it wait.
  do {
    rc = sqlite3_backup_step(backup, -1);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
  } while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  const int finished = sqlite3_backup_finish(backup);
  if (rc == SQLITE_DONE) rc = finished;
  Status s = rc == SQLITE_OK || rc == SQLITE_DONE ? Status::Ok() : SqliteError(copy, rc, "backup");
  if (sqlite3_close(copy) != SQLITE_OK && s.ok()) {
    s = Unavailable(fmt::format("{}: the copy could not be closed", path));
  }
  return s;
}

}  // namespace pg::store::sqlite
