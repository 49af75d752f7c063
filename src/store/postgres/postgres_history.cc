// The PostgreSQL store's history: occupancy, rollups, bay events, charger statuses, charging-site
// occupancy (monthly partitions: postgres_schema.h), counters and forecast models. A batch is
// one statement over unnest()ed arrays — one round trip however long — replacing rows with the
// same key, as SQLite's INSERT OR REPLACE does.
#include <fmt/format.h>

#include "model/vocabulary.h"
#include "store/postgres/postgres_store_impl.h"
#include "store/write_rules.h"

namespace pg::store::postgres {

Status PostgresStore::AppendOccupancy(std::span<const model::OccupancySample> samples) {
  if (samples.empty()) return Status::Ok();
  std::vector<std::string> facilities;
  std::vector<int64_t> times, occupied, capacity;
  for (const auto* s : LastPerKey(samples, [](const model::OccupancySample& s) {
         return std::pair(s.facility.str(), SqlMillis(s.time));
       })) {
    facilities.push_back(s->facility.str());
    times.push_back(SqlMillis(s->time));
    occupied.push_back(s->occupied);
    capacity.push_back(s->capacity);
  }
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    tx.exec_params0(
        "INSERT INTO occupancy(facility_id, t, occupied, capacity) SELECT f, ms_to_ts(ms), o, c "
        "FROM unnest($1::text[], $2::bigint[], $3::int[], $4::int[]) AS u(f, ms, o, c) "
        "ON CONFLICT(facility_id, t) DO UPDATE SET occupied = excluded.occupied, "
        "capacity = excluded.capacity",
        TextArray(facilities), NumberArray(times), NumberArray(occupied), NumberArray(capacity));
    return Status::Ok();
  });
}

Result<std::vector<model::OccupancySample>> PostgresStore::LoadOccupancy(
    const model::FacilityId& id, Timestamp from, Timestamp to) {
  std::vector<model::OccupancySample> out;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    out.clear();
    for (const pqxx::row& row : tx.exec_params(
             "SELECT ts_to_ms(t), occupied, capacity FROM occupancy WHERE facility_id = $1 AND "
             "t >= ms_to_ts($2) AND t < ms_to_ts($3) ORDER BY t",
             id.str(), SqlMillis(from), SqlMillis(to))) {
      out.push_back({id, TimeOf(row[0]), row[1].as<int>(), row[2].as<int>()});
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<Timestamp>> PostgresStore::LatestOccupancyTime() {
  std::optional<Timestamp> latest;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    latest = OptionalTimeOf(tx.exec("SELECT ts_to_ms(max(t)) FROM occupancy")[0][0]);
    return Status::Ok();
  }));
  return latest;
}

namespace {

constexpr const char* kRollupColumns =
    "ts_to_ms(t), min_occupied, mean_occupied, max_occupied, capacity, coverage";

// A rollup from kRollupColumns, starting at column `first` of `row`.
model::OccupancyRollup RollupFromRow(const pqxx::row& row, int first,
                                     model::OccupancyRollup::Kind kind, std::string id,
                                     std::chrono::seconds step) {
  model::OccupancyRollup r;
  r.kind = kind;
  r.id = std::move(id);
  r.step = step;
  r.start = TimeOf(row[first]);
  r.min_occupied = row[first + 1].as<int>();
  r.mean_occupied = row[first + 2].as<double>();
  r.max_occupied = row[first + 3].as<int>();
  r.capacity = row[first + 4].as<int>();
  r.coverage = row[first + 5].as<double>();
  return r;
}

}  // namespace

Status PostgresStore::AppendRollups(std::span<const model::OccupancyRollup> rollups) {
  if (rollups.empty()) return Status::Ok();
  std::vector<std::string> ids;
  std::vector<int64_t> kinds, steps, times, mins, maxes, capacities;
  std::vector<double> means, coverages;
  for (const auto* r : LastPerKey(rollups, [](const model::OccupancyRollup& r) {
         return std::tuple(static_cast<int>(r.kind), r.id, r.step.count(), SqlMillis(r.start));
       })) {
    kinds.push_back(static_cast<int64_t>(r->kind));
    ids.push_back(r->id);
    steps.push_back(r->step.count());
    times.push_back(SqlMillis(r->start));
    mins.push_back(r->min_occupied);
    means.push_back(r->mean_occupied);
    maxes.push_back(r->max_occupied);
    capacities.push_back(r->capacity);
    coverages.push_back(r->coverage);
  }
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    tx.exec_params0(
        "INSERT INTO rollups(kind, id, step_s, t, min_occupied, mean_occupied, max_occupied, "
        "capacity, coverage) SELECT k, i, s, ms_to_ts(ms), mn, me, mx, c, cv FROM "
        "unnest($1::smallint[], $2::text[], $3::int[], $4::bigint[], $5::int[], $6::float8[], "
        "$7::int[], $8::int[], $9::float8[]) AS u(k, i, s, ms, mn, me, mx, c, cv) "
        "ON CONFLICT(kind, id, step_s, t) DO UPDATE SET min_occupied = excluded.min_occupied, "
        "mean_occupied = excluded.mean_occupied, max_occupied = excluded.max_occupied, "
        "capacity = excluded.capacity, coverage = excluded.coverage",
        NumberArray(kinds), TextArray(ids), NumberArray(steps), NumberArray(times),
        NumberArray(mins), NumberArray(means), NumberArray(maxes), NumberArray(capacities),
        NumberArray(coverages));
    return Status::Ok();
  });
}

Result<std::vector<model::OccupancyRollup>> PostgresStore::LoadRollups(
    model::OccupancyRollup::Kind kind, const std::string& id, std::chrono::seconds step,
    Timestamp from, Timestamp to) {
  std::vector<model::OccupancyRollup> out;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    out.clear();
    for (const pqxx::row& row : tx.exec_params(
             fmt::format("SELECT {} FROM rollups WHERE kind = $1 AND id = $2 AND step_s = $3 AND "
                         "t >= ms_to_ts($4) AND t < ms_to_ts($5) ORDER BY t",
                         kRollupColumns),
             static_cast<int>(kind), id, static_cast<int64_t>(step.count()), SqlMillis(from),
             SqlMillis(to))) {
      out.push_back(RollupFromRow(row, 0, kind, id, step));
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<model::OccupancyRollup>> PostgresStore::LoadAllRollups(
    model::OccupancyRollup::Kind kind, std::chrono::seconds step, Timestamp from, Timestamp to) {
  std::vector<model::OccupancyRollup> out;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    out.clear();
    for (const pqxx::row& row : tx.exec_params(
             fmt::format("SELECT id, {} FROM rollups WHERE kind = $1 AND step_s = $2 AND "
                         "t >= ms_to_ts($3) AND t < ms_to_ts($4) ORDER BY id COLLATE \"C\", t",
                         kRollupColumns),
             static_cast<int>(kind), static_cast<int64_t>(step.count()), SqlMillis(from),
             SqlMillis(to))) {
      out.push_back(RollupFromRow(row, 1, kind, row[0].as<std::string>(), step));
    }
    return Status::Ok();
  }));
  return out;
}

Status PostgresStore::AppendBayEvents(std::span<const model::BayEvent> events) {
  if (events.empty()) return Status::Ok();
  std::vector<std::string> bays;
  std::vector<int64_t> times, occupied;
  for (const auto* e : LastPerKey(events, [](const model::BayEvent& e) {
         return std::pair(e.bay.str(), SqlMillis(e.time));
       })) {
    bays.push_back(e->bay.str());
    times.push_back(SqlMillis(e->time));
    occupied.push_back(e->occupied ? 1 : 0);
  }
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    tx.exec_params0(
        "INSERT INTO bay_events(bay_id, t, occupied) SELECT b, ms_to_ts(ms), o <> 0 FROM "
        "unnest($1::text[], $2::bigint[], $3::int[]) AS u(b, ms, o) "
        "ON CONFLICT(bay_id, t) DO UPDATE SET occupied = excluded.occupied",
        TextArray(bays), NumberArray(times), NumberArray(occupied));
    return Status::Ok();
  });
}

Result<std::vector<model::BayEvent>> PostgresStore::LoadBayEvents(Timestamp from, Timestamp to) {
  std::vector<model::BayEvent> out;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    out.clear();
    for (const pqxx::row& row : tx.exec_params(
             "SELECT bay_id, ts_to_ms(t), occupied FROM bay_events WHERE t >= ms_to_ts($1) AND "
             "t < ms_to_ts($2) ORDER BY bay_id COLLATE \"C\", t",
             SqlMillis(from), SqlMillis(to))) {
      out.push_back({model::BayId(row[0].as<std::string>()), TimeOf(row[1]), row[2].as<bool>()});
    }
    return Status::Ok();
  }));
  return out;
}

Status PostgresStore::AppendChargerStatus(std::span<const model::ChargerStatusEvent> events) {
  if (events.empty()) return Status::Ok();
  std::vector<std::string> chargers, statuses;
  std::vector<int64_t> connectors, times;
  for (const auto* e : LastPerKey(events, [](const model::ChargerStatusEvent& e) {
         return std::tuple(e.charger.str(), e.connector, SqlMillis(e.time));
       })) {
    chargers.push_back(e->charger.str());
    connectors.push_back(e->connector);
    times.push_back(SqlMillis(e->time));
    statuses.emplace_back(model::Name(e->status));
  }
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    tx.exec_params0(
        "INSERT INTO charger_status(charger_id, connector, t, status) SELECT c, n, "
        "ms_to_ts(ms), s FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[]) AS "
        "u(c, n, ms, s) ON CONFLICT(charger_id, connector, t) DO UPDATE SET status = "
        "excluded.status",
        TextArray(chargers), NumberArray(connectors), NumberArray(times), TextArray(statuses));
    return Status::Ok();
  });
}

Result<std::vector<model::ChargerStatusEvent>> PostgresStore::LoadChargerStatus(Timestamp from,
                                                                                Timestamp to) {
  std::vector<model::ChargerStatusEvent> out;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    out.clear();
    for (const pqxx::row& row : tx.exec_params(
             "SELECT charger_id, connector, ts_to_ms(t), status FROM charger_status WHERE "
             "t >= ms_to_ts($1) AND t < ms_to_ts($2) ORDER BY charger_id COLLATE \"C\", connector, "
             "t",
             SqlMillis(from), SqlMillis(to))) {
      auto status = model::Parse<model::ChargerStatus>(row[3].as<std::string>());
      if (!status) {
        return DataLoss(fmt::format("charger_status of '{}' holds an unknown status '{}'",
                                    row[0].c_str(), row[3].c_str()));
      }
      out.push_back(
          {model::ChargerId(row[0].as<std::string>()), row[1].as<int>(), TimeOf(row[2]), *status});
    }
    return Status::Ok();
  }));
  return out;
}

Status PostgresStore::AppendChargerSiteOccupancy(
    std::span<const model::ChargerSiteSample> samples) {
  if (samples.empty()) return Status::Ok();
  std::vector<std::string> sites;
  std::vector<int64_t> times, busy, connectors;
  for (const auto* s : LastPerKey(samples, [](const model::ChargerSiteSample& s) {
         return std::pair(s.site, SqlMillis(s.time));
       })) {
    sites.push_back(s->site);
    times.push_back(SqlMillis(s->time));
    busy.push_back(s->busy);
    connectors.push_back(s->connectors);
  }
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    tx.exec_params0(
        "INSERT INTO charger_site_occupancy(site, t, busy, connectors) SELECT s, ms_to_ts(ms), "
        "b, c FROM unnest($1::text[], $2::bigint[], $3::int[], $4::int[]) AS u(s, ms, b, c) "
        "ON CONFLICT(site, t) DO UPDATE SET busy = excluded.busy, connectors = "
        "excluded.connectors",
        TextArray(sites), NumberArray(times), NumberArray(busy), NumberArray(connectors));
    return Status::Ok();
  });
}

Result<std::vector<model::ChargerSiteSample>> PostgresStore::LoadChargerSiteOccupancy(
    const std::string& site, Timestamp from, Timestamp to) {
  std::vector<model::ChargerSiteSample> out;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    out.clear();
    for (const pqxx::row& row : tx.exec_params(
             "SELECT ts_to_ms(t), busy, connectors FROM charger_site_occupancy WHERE site = $1 "
             "AND t >= ms_to_ts($2) AND t < ms_to_ts($3) ORDER BY t",
             site, SqlMillis(from), SqlMillis(to))) {
      out.push_back({site, TimeOf(row[0]), row[1].as<int>(), row[2].as<int>()});
    }
    return Status::Ok();
  }));
  return out;
}

Status PostgresStore::AddToCounter(const std::string& name, Timestamp time, int64_t count) {
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    // One statement: nodes counting the same hour add up, none overwrites another's count.
    tx.exec_params0(
        "INSERT INTO counters(name, t, count) VALUES($1, ms_to_ts($2), $3) "
        "ON CONFLICT(name, t) DO UPDATE SET count = counters.count + excluded.count",
        name, SqlMillis(FromUnixMillis(HourBucketMs(ToUnixMillis(time)))), count);
    return Status::Ok();
  });
}

Result<std::optional<int64_t>> PostgresStore::CounterSum(const std::string& name, Timestamp from,
                                                         Timestamp to) {
  std::optional<int64_t> sum;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    pqxx::row row = tx.exec_params1(
        "SELECT count(*), coalesce(sum(count), 0)::bigint FROM counters WHERE name = $1 AND "
        "t >= ms_to_ts($2) AND t < ms_to_ts($3)",
        name, SqlMillis(from), SqlMillis(to));
    sum.reset();
    if (row[0].as<int64_t>() > 0) sum = row[1].as<int64_t>();
    return Status::Ok();
  }));
  return sum;
}

Status PostgresStore::PutForecastModels(std::span<const ForecastModelRecord> records) {
  if (records.empty()) return Status::Ok();
  std::vector<std::string> series, scores, models;
  std::vector<int64_t> trained, from, to;
  for (const auto* r : LastPerKey(records, [](const ForecastModelRecord& r) { return r.series; })) {
    series.push_back(r->series);
    trained.push_back(SqlMillis(r->trained_at));
    from.push_back(SqlMillis(r->window_from));
    to.push_back(SqlMillis(r->window_to));
    scores.push_back(r->score_json);
    models.push_back(r->model_json);
  }
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    tx.exec_params0(
        "INSERT INTO forecast_models(series, trained, window_from, window_to, score, model) "
        "SELECT s, ms_to_ts(tr), ms_to_ts(wf), ms_to_ts(wt), sc, m FROM unnest($1::text[], "
        "$2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[]) AS "
        "u(s, tr, wf, wt, sc, m) ON CONFLICT(series) DO UPDATE SET trained = excluded.trained, "
        "window_from = excluded.window_from, window_to = excluded.window_to, "
        "score = excluded.score, model = excluded.model",
        TextArray(series), NumberArray(trained), NumberArray(from), NumberArray(to),
        TextArray(scores), TextArray(models));
    return Status::Ok();
  });
}

Result<std::vector<ForecastModelRecord>> PostgresStore::LoadForecastModels() {
  std::vector<ForecastModelRecord> out;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    out.clear();
    for (const pqxx::row& row :
         tx.exec("SELECT series, ts_to_ms(trained), ts_to_ms(window_from), ts_to_ms(window_to), "
                 "score, model FROM forecast_models ORDER BY series COLLATE \"C\"")) {
      out.push_back({row[0].as<std::string>(), TimeOf(row[1]), TimeOf(row[2]), TimeOf(row[3]),
                     row[4].as<std::string>(), row[5].as<std::string>()});
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace pg::store::postgres
