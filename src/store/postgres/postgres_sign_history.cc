// The PostgreSQL store's sign history: what every sign showed and why, its controller's faults,
// and operator overrides (store/sign_history.h). A content is durable once AppendSignDisplays
// returns (synchronous_commit stays on): the sign service publishes only then.
#include <fmt/format.h>

#include "store/postgres/postgres_store_impl.h"

namespace pg::store::postgres {
namespace {

constexpr const char* kSignDisplayColumns =
    "sign_id, seq, ts_to_ms(t), content, cause, ts_to_ms(acked)";

SignDisplayRecord SignDisplayFromRow(const pqxx::row& row) {
  SignDisplayRecord r;
  r.sign = model::SignId(row[0].as<std::string>());
  r.seq = row[1].as<int64_t>();
  r.time = TimeOf(row[2]);
  r.content_json = row[3].as<std::string>();
  r.cause_json = row[4].as<std::string>();
  r.acknowledged = OptionalTimeOf(row[5]);
  return r;
}

int64_t SqlLimit(size_t limit) { return static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)); }

}  // namespace

Status PostgresStore::AppendSignDisplays(std::span<const SignDisplayRecord> records) {
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    for (const auto& r : records) {
      try {
        tx.exec_params0(
            "INSERT INTO sign_display(sign_id, seq, t, content, cause, acked) "
            "VALUES($1, $2, ms_to_ts($3), $4, $5, ms_to_ts($6))",
            r.sign.str(), r.seq, SqlMillis(r.time), r.content_json, r.cause_json,
            SqlMillis(r.acknowledged));
      } catch (const pqxx::unique_violation&) {
        // The transaction is aborted: nothing of the batch is kept.
        return AlreadyExists(
            fmt::format("sign '{}' already has a content with seq {}", r.sign.str(), r.seq), "seq");
      }
    }
    return Status::Ok();
  });
}

Status PostgresStore::MarkSignsAcknowledged(std::span<const SignAck> acks) {
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    for (const auto& a : acks) {
      tx.exec_params0(
          "UPDATE sign_display SET acked = ms_to_ts($3) WHERE sign_id = $1 AND seq = $2 AND "
          "acked IS NULL",
          a.sign.str(), a.seq, SqlMillis(a.when));
    }
    return Status::Ok();
  });
}

Result<std::vector<SignDisplayRecord>> PostgresStore::LoadSignDisplays(const model::SignId& sign,
                                                                       Timestamp from, Timestamp to,
                                                                       size_t limit) {
  std::vector<SignDisplayRecord> out;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    out.clear();
    for (const pqxx::row& row : tx.exec_params(
             fmt::format("SELECT {} FROM sign_display WHERE sign_id = $1 AND t >= ms_to_ts($2) "
                         "AND t < ms_to_ts($3) ORDER BY t, seq LIMIT $4",
                         kSignDisplayColumns),
             sign.str(), SqlMillis(from), SqlMillis(to), SqlLimit(limit))) {
      out.push_back(SignDisplayFromRow(row));
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<SignDisplayRecord>> PostgresStore::SignDisplayAt(const model::SignId& sign,
                                                                      Timestamp at) {
  std::optional<SignDisplayRecord> out;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    pqxx::result r = tx.exec_params(
        fmt::format("SELECT {} FROM sign_display WHERE sign_id = $1 AND t <= ms_to_ts($2) "
                    "ORDER BY t DESC, seq DESC LIMIT 1",
                    kSignDisplayColumns),
        sign.str(), SqlMillis(at));
    out.reset();
    if (!r.empty()) out = SignDisplayFromRow(r[0]);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<SignDisplayRecord>> PostgresStore::LatestSignDisplays() {
  std::vector<SignDisplayRecord> out;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    out.clear();
    for (const pqxx::row& row :
         tx.exec(fmt::format("SELECT DISTINCT ON (sign_id COLLATE \"C\") {} FROM sign_display "
                             "ORDER BY sign_id COLLATE \"C\", seq DESC",
                             kSignDisplayColumns))) {
      out.push_back(SignDisplayFromRow(row));
    }
    return Status::Ok();
  }));
  return out;
}

Status PostgresStore::AppendSignFault(const SignFaultRecord& record) {
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    tx.exec_params0(
        "INSERT INTO sign_faults(sign_id, t, kind, detail) VALUES($1, ms_to_ts($2), $3, $4)",
        record.sign.str(), SqlMillis(record.time), record.kind, record.detail);
    return Status::Ok();
  });
}

Result<std::vector<SignFaultRecord>> PostgresStore::LoadSignFaults(const model::SignId& sign,
                                                                   Timestamp from, Timestamp to,
                                                                   size_t limit) {
  std::vector<SignFaultRecord> out;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    out.clear();
    for (const pqxx::row& row :
         tx.exec_params("SELECT ts_to_ms(t), kind, detail FROM sign_faults WHERE sign_id = $1 AND "
                        "t >= ms_to_ts($2) AND t < ms_to_ts($3) ORDER BY t, id LIMIT $4",
                        sign.str(), SqlMillis(from), SqlMillis(to), SqlLimit(limit))) {
      out.push_back({sign, TimeOf(row[0]), row[1].as<std::string>(), row[2].as<std::string>()});
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<SignFaultRecord>> PostgresStore::SignFaultAt(const model::SignId& sign,
                                                                  Timestamp at) {
  std::optional<SignFaultRecord> out;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    pqxx::result r = tx.exec_params(
        "SELECT ts_to_ms(t), kind, detail FROM sign_faults WHERE sign_id = $1 AND "
        "t <= ms_to_ts($2) ORDER BY t DESC, id DESC LIMIT 1",
        sign.str(), SqlMillis(at));
    out.reset();
    if (!r.empty()) {
      out = SignFaultRecord{sign, TimeOf(r[0][0]), r[0][1].as<std::string>(),
                            r[0][2].as<std::string>()};
    }
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> PostgresStore::AddSignOverride(const SignOverrideRecord& r) {
  int64_t id = 0;
  const std::optional<int> line = r.line;
  PG_RETURN_IF_ERROR(Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    id = tx.exec_params1(
               "INSERT INTO sign_overrides(sign_id, line, kind, text_zh, text_en, reason, "
               "created_by, created, expires) VALUES($1, $2, $3, $4, $5, $6, $7, ms_to_ts($8), "
               "ms_to_ts($9)) RETURNING id",
               r.sign.str(), line, r.kind, r.text.zh, r.text.en, r.reason, r.created_by,
               SqlMillis(r.created), SqlMillis(r.expires))[0]
             .as<int64_t>();
    return Status::Ok();
  }));
  return id;
}

Status PostgresStore::EndSignOverride(int64_t id, Timestamp when, const std::string& by,
                                      const std::string& reason) {
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    // Conditional: of two nodes ending the same override, one ends it and one is told it ended.
    pqxx::result r = tx.exec_params(
        "UPDATE sign_overrides SET ended = ms_to_ts($2), ended_by = $3, end_reason = $4 "
        "WHERE id = $1 AND ended IS NULL",
        id, SqlMillis(when), by, reason);
    if (r.affected_rows() > 0) return Status::Ok();
    if (tx.exec_params("SELECT 1 FROM sign_overrides WHERE id = $1", id).empty()) {
      return NotFound(fmt::format("no override {}", id), "id");
    }
    return FailedPrecondition(fmt::format("override {} has ended", id));
  });
}

Result<std::vector<SignOverrideRecord>> PostgresStore::LoadSignOverrides(const model::SignId* sign,
                                                                         bool open_only,
                                                                         size_t limit) {
  std::vector<SignOverrideRecord> out;
  const std::optional<std::string> sign_id =
      sign ? std::optional(sign->str()) : std::optional<std::string>();
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    out.clear();
    for (const pqxx::row& row : tx.exec_params(
             "SELECT id, sign_id, line, kind, text_zh, text_en, reason, created_by, "
             "ts_to_ms(created), ts_to_ms(expires), ts_to_ms(ended), ended_by, end_reason FROM "
             "sign_overrides WHERE ($1::text IS NULL OR sign_id = $1) AND (NOT $2 OR ended IS "
             "NULL) ORDER BY id DESC LIMIT $3",
             sign_id, open_only, SqlLimit(limit))) {
      SignOverrideRecord r;
      r.id = row[0].as<int64_t>();
      r.sign = model::SignId(row[1].as<std::string>());
      if (!row[2].is_null()) r.line = row[2].as<int>();
      r.kind = row[3].as<std::string>();
      r.text = {row[4].as<std::string>(), row[5].as<std::string>()};
      r.reason = row[6].as<std::string>();
      r.created_by = row[7].as<std::string>();
      r.created = TimeOf(row[8]);
      r.expires = TimeOf(row[9]);
      r.ended = OptionalTimeOf(row[10]);
      r.ended_by = row[11].as<std::string>();
      r.end_reason = row[12].as<std::string>();
      out.push_back(std::move(r));
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace pg::store::postgres
