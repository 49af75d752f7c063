// parkguide's interchange formats checked by tools that are not parkguide's (docs/interchange.md):
// every export of the demo city and of a real imported city (the Monaco extract of ../shared/data)
// against the official schemas. Registered with CTest by tests/CMakeLists.txt:
//
//   node tests/interchange/interchange_test.mjs --binary build/ci/parkguide \
//        --data ../shared/data --schemas ../shared/schemas --web-dir src/web
//
// Without ../shared's data and schemas it skips (exit 77), except when CI is set, where it fails.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, checker, startServer } from "../support/parkguide_process.mjs";
import { checkDatex2, writeDatex2Schema, xmllint } from "./datex2_checks.mjs";
import { checkGeoJsonLayer, checkGeoJsonText, kLayers } from "./geojson_checks.mjs";
import { checkEntities, checkNgsiApi, ngsiValidators } from "./ngsi_checks.mjs";
import { checkSubscriptions } from "./ngsi_subscription_checks.mjs";
import { checkOcpp } from "./ocpp_checks.mjs";
import { checkPull, postCounts } from "./pull_checks.mjs";

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith("--")) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith("--") ? all[i + 1] : "1"]);
  return acc;
}, []));
const binary = resolve(args.binary || "build/ci/parkguide");
const data = resolve(args.data || "../shared/data");
const schemas = resolve(args.schemas || "../shared/schemas");
const webDir = resolve(args["web-dir"] || "src/web");
const monaco = join(data, "osm-monaco/monaco-2025-02-11.osm.pbf");
for (const needed of [monaco, join(schemas, "datex2-v3.1"), join(schemas, "smart-data-models-parking")]) {
  if (existsSync(needed)) continue;
  const why = `${needed} is not here: the exports cannot be checked against it`;
  if (process.env.CI) {
    console.error(`FAIL: ${why} (CI is set: a test that cannot run fails the run)`);
    process.exit(1);
  }
  console.log(`SKIP: ${why}`);
  process.exit(77);
}

const dir = mkdtempSync(join(tmpdir(), "pg-interchange-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const t = checker();
const datex2Schema = writeDatex2Schema(dir, schemas);
const sdm = ngsiValidators(schemas);

async function checkExports(city, base) {
  await t.check(`${city}: every NGSI-LD entity is a valid Smart Data Model, normalized and key-values`, async () => {
    const counts = await checkNgsiApi(base, sdm);
    return Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(", ");
  });
  await t.check(`${city}: DATEX II table and status validate and reference each other`, async () => {
    const { records } = await checkDatex2(base, dir, city, datex2Schema);
    return `${records} parking records`;
  });
  for (const layer of kLayers) {
    await t.check(`${city}: GeoJSON layer ${layer} is RFC 7946 GeoJSON`, async () => {
      const fc = await checkGeoJsonLayer(base, layer);
      return `${fc.features.length} features`;
    });
  }
}

// The golden files of src/interchange/interchange_test.cc are what integrators are shown: valid too.
const golden = join(dirname(fileURLToPath(import.meta.url)), "golden");
await t.check("golden files: DATEX II and Smart Data Models validate, GeoJSON is GeoJSON", async () => {
  for (const name of ["parking-table.xml", "parking-status.xml"]) xmllint(datex2Schema, join(golden, name));
  for (const layer of kLayers) checkGeoJsonText(readFileSync(join(golden, `${layer}.geojson`), "utf8"), layer);
  for (const [name, normalized] of [["ngsi-ld-normalized.json", true], ["ngsi-ld-keyvalues.json", false]]) {
    checkEntities(sdm, JSON.parse(readFileSync(join(golden, name), "utf8")), normalized);
  }
});

// The demo city, with its simulated live feeds.
const demoDb = join(dir, "demo.db");
const demo = await startServer(binary, ["demo", "--db", demoDb, "--history-days", "1"]);
try {
  await checkExports("demo", demo.base);
  await t.check("demo: bad export and NGSI-LD requests get 4xx naming the parameter", async () => {
    const cases = [
      ["/api/v1/export/geojson", 400, "layer"],
      ["/api/v1/export/geojson?layer=roads", 400, "layer"],
      ["/api/v1/export/geojson?layer=bays&crs=gcj02", 400, "crs"],
      ["/api/v1/export/ocpi/locations?limit=0", 400, "limit"],
      ["/api/v1/export/ocpi/locations/no-such-site", 404, "id"],
      ["/ngsi-ld/v1/entities", 400, "type"],
      ["/ngsi-ld/v1/entities?idPattern=(a%2B)%2Bb", 400, "idPattern"],
      ["/ngsi-ld/v1/entities?type=ParkingSpot&q=status", 400, "q"],
      ["/ngsi-ld/v1/entities/not-a-uri", 400, "entityId"],
      ["/ngsi-ld/v1/entities/urn:ngsi-ld:ParkingSpot:demoville:nope", 404, "urn:ngsi-ld"],
    ];
    for (const [path, status, named] of cases) {
      const r = await fetch(demo.base + path);
      const body = await r.text();
      assert(r.status === status && body.includes(named), `${path}: HTTP ${r.status} ${body}`);
    }
    const r = await fetch(`${demo.base}/ngsi-ld/v1/entities?type=ParkingSpot`, { headers: { Accept: "text/html" } });
    assert(r.status === 406, `Accept: text/html got ${r.status}`);
    return `${cases.length + 1} requests`;
  });
  await checkSubscriptions(t, demo.base, demoDb, sdm);
  await t.check("demo: the facilities layer says what the API says", async () => {
    const fc = await (await fetch(`${demo.base}/api/v1/export/geojson?layer=facilities`)).json();
    const api = await (await fetch(`${demo.base}/api/v1/facilities?limit=1000`)).json();
    const offStreet = api.items.filter((f) => f.kind !== "on_street");
    assert(fc.features.length === offStreet.length, `${fc.features.length} features, ${offStreet.length} car parks`);
    const live = fc.features.filter((f) => f.properties.free !== null).length;
    assert(live > 0, "no car park has a live count");
    return `${live} of ${fc.features.length} with live counts`;
  });
} finally {
  await demo.stop();
}

// Chargers over OCPP, on the demo city served without its simulated feeds (which would write
// the same chargers).
await checkOcpp(t, binary, demoDb, dir, webDir);

// A real city imported from OpenStreetMap, with counts for a dozen car parks; then a second
// copy of it fed from the first's exports by the pull adapters.
const cityDb = join(dir, "monaco.db");
const secondDb = join(dir, "monaco-b.db");
for (const db of [cityDb, secondDb]) {
  execFileSync(binary, ["import-osm", monaco, "--db", db, "--quiet"], { stdio: "pipe" });
}
const real = await startServer(binary, ["serve", "--db", cityDb]);
try {
  const counted = await postCounts(binary, cityDb, real.base, 12);
  await checkExports("monaco", real.base);
  await checkPull(t, binary, dir, secondDb, real, counted);
} finally {
  await real.stop();
}
process.exit(t.summary());
