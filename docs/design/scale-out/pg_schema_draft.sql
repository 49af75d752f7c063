-- Draft PostgreSQL schema mirroring the SQLite v8 schema (run with search_path = <schema>, public).
CREATE TABLE schema_version(singleton int PRIMARY KEY CHECK (singleton = 1), version int NOT NULL);
CREATE TABLE settings(key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE city(singleton int PRIMARY KEY CHECK (singleton = 1), doc jsonb NOT NULL);
CREATE TABLE facilities(id text PRIMARY KEY, origin text NOT NULL, doc jsonb NOT NULL,
  geom geometry(Point,4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(
    (doc->'location'->>'lon')::float8, (doc->'location'->>'lat')::float8), 4326)) STORED);
CREATE INDEX facilities_geom ON facilities USING gist(geom);
CREATE TABLE bays(id text PRIMARY KEY, origin text NOT NULL, facility_id text NOT NULL, doc jsonb NOT NULL);
CREATE INDEX bays_by_facility ON bays(facility_id);
CREATE TABLE chargers(id text PRIMARY KEY, origin text NOT NULL, doc jsonb NOT NULL);
CREATE TABLE signs(id text PRIMARY KEY, origin text NOT NULL, doc jsonb NOT NULL);
CREATE TABLE sources(id text PRIMARY KEY, doc jsonb NOT NULL, key_hash text NOT NULL,
  created timestamptz NOT NULL, revoked timestamptz);
CREATE TABLE occupancy(facility_id text NOT NULL, t timestamptz NOT NULL, occupied int NOT NULL,
  capacity int NOT NULL, PRIMARY KEY (facility_id, t)) PARTITION BY RANGE (t);
CREATE TABLE occupancy_default PARTITION OF occupancy DEFAULT;
CREATE INDEX occupancy_by_time ON occupancy(t);
CREATE TABLE charger_site_occupancy(site text NOT NULL, t timestamptz NOT NULL, busy int NOT NULL,
  connectors int NOT NULL, PRIMARY KEY (site, t)) PARTITION BY RANGE (t);
CREATE TABLE charger_site_occupancy_default PARTITION OF charger_site_occupancy DEFAULT;
CREATE TABLE rollups(kind smallint NOT NULL, id text NOT NULL, step_s int NOT NULL, t timestamptz NOT NULL,
  min_occupied int NOT NULL, mean_occupied float8 NOT NULL, max_occupied int NOT NULL,
  capacity int NOT NULL, coverage float8 NOT NULL, PRIMARY KEY (kind, id, step_s, t)) PARTITION BY RANGE (t);
CREATE TABLE rollups_default PARTITION OF rollups DEFAULT;
CREATE TABLE bay_events(bay_id text NOT NULL, t timestamptz NOT NULL, occupied boolean NOT NULL,
  PRIMARY KEY (bay_id, t)) PARTITION BY RANGE (t);
CREATE TABLE bay_events_default PARTITION OF bay_events DEFAULT;
CREATE INDEX bay_events_by_time ON bay_events(t);
CREATE TABLE charger_status(charger_id text NOT NULL, connector int NOT NULL, t timestamptz NOT NULL,
  status text NOT NULL, PRIMARY KEY (charger_id, connector, t)) PARTITION BY RANGE (t);
CREATE TABLE charger_status_default PARTITION OF charger_status DEFAULT;
CREATE INDEX charger_status_by_time ON charger_status(t);
CREATE TABLE counters(name text NOT NULL, t timestamptz NOT NULL, count bigint NOT NULL, PRIMARY KEY (name, t));
CREATE TABLE ingest_errors(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL,
  channel text NOT NULL, topic text NOT NULL, source text NOT NULL, reason text NOT NULL, payload text NOT NULL);
CREATE TABLE forecast_models(series text PRIMARY KEY, trained timestamptz NOT NULL,
  window_from timestamptz NOT NULL, window_to timestamptz NOT NULL, score text NOT NULL, model text NOT NULL);
CREATE TABLE sign_display(sign_id text NOT NULL, seq bigint NOT NULL, t timestamptz NOT NULL,
  content text NOT NULL, cause text NOT NULL, acked timestamptz, PRIMARY KEY (sign_id, seq));
CREATE INDEX sign_display_by_time ON sign_display(sign_id, t);
CREATE TABLE sign_faults(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, sign_id text NOT NULL,
  t timestamptz NOT NULL, kind text NOT NULL, detail text NOT NULL);
CREATE INDEX sign_faults_by_time ON sign_faults(sign_id, t);
CREATE TABLE sign_overrides(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, sign_id text NOT NULL,
  line int, kind text NOT NULL, text_zh text NOT NULL, text_en text NOT NULL, reason text NOT NULL,
  created_by text NOT NULL, created timestamptz NOT NULL, expires timestamptz NOT NULL,
  ended timestamptz, ended_by text NOT NULL DEFAULT '', end_reason text NOT NULL DEFAULT '');
CREATE INDEX sign_overrides_by_sign ON sign_overrides(sign_id, id);
CREATE TABLE api_keys(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL,
  role text NOT NULL, facilities jsonb NOT NULL, key_hash text NOT NULL, created timestamptz NOT NULL,
  expires timestamptz, revoked timestamptz);
CREATE INDEX api_keys_by_name ON api_keys(name, id);
CREATE UNIQUE INDEX api_keys_one_current ON api_keys(name) WHERE expires IS NULL AND revoked IS NULL;
CREATE TABLE audit_log(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL,
  actor text NOT NULL, role text NOT NULL, remote text NOT NULL, action text NOT NULL, target text NOT NULL,
  request text NOT NULL, before text NOT NULL, after text NOT NULL, outcome text NOT NULL);
CREATE INDEX audit_log_by_time ON audit_log(t);
CREATE INDEX audit_log_by_actor ON audit_log(actor, id);
INSERT INTO schema_version VALUES (1, 1);
