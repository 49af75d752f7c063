// GeoJSON exports checked against the GeoJSON JSON Schema of geojson.org (npm geojson-schema,
// validated by ajv) and the rules of RFC 7946 a schema cannot say: WGS-84 ranges, closed
// counterclockwise exterior rings, no "crs" member, unique feature ids.
import Ajv from "ajv";
import { createRequire } from "node:module";
import { assert } from "../support/parkguide_process.mjs";

const require = createRequire(import.meta.url);
const ajv = new Ajv({ allErrors: true, strict: false });
const validateCollection = ajv.compile(require("geojson-schema/FeatureCollection.json"));

export const kLayers = ["facilities", "zones", "bays", "chargers", "signs"];

function signedArea2(ring) {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) sum += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return sum;
}

function checkPosition(p, where) {
  assert(p.length === 2, `${where}: a position has ${p.length} numbers`);
  assert(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90, `${where}: [${p}] is not lon,lat`);
}

function checkGeometry(g, where) {
  if (g.type === "Point") return checkPosition(g.coordinates, where);
  assert(g.type === "Polygon", `${where}: unexpected geometry ${g.type}`);
  g.coordinates.forEach((ring, i) => {
    ring.forEach((p) => checkPosition(p, where));
    const [a, b] = [ring[0], ring[ring.length - 1]];
    assert(a[0] === b[0] && a[1] === b[1], `${where}: ring ${i} is not closed`);
    const area = signedArea2(ring);
    assert(i === 0 ? area > 0 : area < 0, `${where}: ring ${i} breaks the right-hand rule (RFC 7946 §3.1.6)`);
  });
}

// Fetches and checks one layer; returns the collection.
export async function checkGeoJsonLayer(base, layer) {
  const r = await fetch(`${base}/api/v1/export/geojson?layer=${layer}`);
  assert(r.status === 200, `${layer}: HTTP ${r.status}`);
  assert(r.headers.get("content-type").startsWith("application/geo+json"),
         `${layer}: content type ${r.headers.get("content-type")}`);
  return checkGeoJsonText(await r.text(), layer);
}

export function checkGeoJsonText(text, layer) {
  const fc = JSON.parse(text);
  if (!validateCollection(fc)) {
    throw new Error(`${layer}: not GeoJSON: ${ajv.errorsText(validateCollection.errors)}`);
  }
  assert(!("crs" in fc), `${layer}: RFC 7946 has no "crs" member`);
  const ids = new Set();
  for (const f of fc.features) {
    assert(typeof f.id === "string" && !ids.has(f.id), `${layer}: feature id ${f.id} missing or repeated`);
    ids.add(f.id);
    checkGeometry(f.geometry, `${layer}/${f.id}`);
  }
  return fc;
}
