// NGSI-LD exports checked against the Smart Data Models' own schema.json files (draft 2020-12,
// validated by ajv with ajv-formats; common-schema.json resolved from the local copy). The
// schemas describe the key-values form only: a normalized entity is checked for NGSI-LD's
// structure (§4.5: Property/Relationship/GeoProperty with value/object), then simplified
// (§4.5.4) and validated the same way.
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assert } from "../support/parkguide_process.mjs";

export const kTypes = ["OffStreetParking", "OnStreetParking", "ParkingSpot", "ParkingGroup", "ParkingAccess"];

export function ngsiValidators(schemas) {
  const dir = join(schemas, "smart-data-models-parking");
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
  addFormats(ajv);
  ajv.addVocabulary(["$schemaVersion", "modelTags"]);
  ajv.addFormat("idn-email", /^[^\s@]+@[^\s@]+$/u);
  ajv.addSchema(JSON.parse(readFileSync(join(dir, "common-schema.json"), "utf8")));
  const validators = {};
  for (const type of kTypes) {
    validators[type] = ajv.compile(JSON.parse(readFileSync(join(dir, type, "schema.json"), "utf8")));
  }
  return { ajv, validators };
}

function simplified(entity) {
  const out = {};
  for (const [name, attr] of Object.entries(entity)) {
    if (["id", "type", "@context"].includes(name)) {
      out[name] = attr;
      continue;
    }
    assert(attr && typeof attr === "object" && !Array.isArray(attr), `${entity.id}: ${name} is not an attribute object`);
    assert(["Property", "Relationship", "GeoProperty"].includes(attr.type), `${entity.id}: ${name} has type ${attr.type}`);
    const key = attr.type === "Relationship" ? "object" : "value";
    assert(key in attr && attr[key] !== null, `${entity.id}: ${name} has no ${key}`);
    if (attr.type === "Relationship") {
      const objects = Array.isArray(attr.object) ? attr.object : [attr.object];
      objects.forEach((o) => assert(/^[a-z][a-z0-9+.-]*:/i.test(o), `${entity.id}: ${name} → ${o} is not a URI`));
    }
    if ("observedAt" in attr) assert(/Z$/.test(attr.observedAt), `${entity.id}: ${name}.observedAt is not UTC`);
    out[name] = attr[key];
  }
  return out;
}

// Checks entities of any of the five types in either form; returns counts by type.
export function checkEntities({ ajv, validators }, entities, normalized) {
  const counts = {};
  for (const entity of entities) {
    const kv = normalized ? simplified(entity) : entity;
    const validate = validators[kv.type];
    assert(validate, `${kv.id}: unexpected type ${kv.type}`);
    assert(/^urn:ngsi-ld:/.test(kv.id), `${kv.id}: not an NGSI-LD URN`);
    if (!validate(kv)) throw new Error(`${kv.id} is not a valid ${kv.type}: ${ajv.errorsText(validate.errors)}`);
    if ("availableSpotNumber" in kv && "totalSpotNumber" in kv && "occupiedSpotNumber" in kv) {
      assert(kv.availableSpotNumber + kv.occupiedSpotNumber === kv.totalSpotNumber || kv.type === "OnStreetParking",
             `${kv.id}: ${kv.availableSpotNumber} free + ${kv.occupiedSpotNumber} occupied ≠ ${kv.totalSpotNumber}`);
    }
    counts[kv.type] = (counts[kv.type] || 0) + 1;
  }
  return counts;
}

// Every entity of the server through GET /ngsi-ld/v1/entities, one type at a time, both forms.
export async function checkNgsiApi(base, checkers) {
  const summary = {};
  for (const type of kTypes) {
    for (const normalized of [true, false]) {
      const all = [];
      for (let offset = 0; ; offset += 1000) {
        const url = `${base}/ngsi-ld/v1/entities?type=${type}&limit=1000&offset=${offset}&count=true` +
                    (normalized ? "" : "&options=keyValues");
        const r = await fetch(url, { headers: { Accept: "application/ld+json" } });
        const text = await r.text();
        assert(r.status === 200, `${url}: HTTP ${r.status} ${text}`);
        assert(r.headers.get("content-type").startsWith("application/ld+json"), `${url}: ${r.headers.get("content-type")}`);
        const page = JSON.parse(text);
        page.forEach((e) => assert(Array.isArray(e["@context"]), `${e.id}: no @context`));
        all.push(...page.map(({ "@context": _, ...e }) => e));
        if (all.length >= Number(r.headers.get("ngsild-results-count"))) break;
      }
      const counts = checkEntities(checkers, all, normalized);
      summary[type] = counts[type] || 0;
    }
  }
  return summary;
}
