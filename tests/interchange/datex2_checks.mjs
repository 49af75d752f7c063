// DATEX II v3 exports checked by libxml2 (xmllint) against the DATEX II 3.1 schema set, and the
// links between the two publications that a schema cannot check: the status names the table and
// every record by the id and version the table gives them.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { assert } from "../support/parkguide_process.mjs";

// DATEXII_3_D2Payload.xsd does not import the parking namespace, so a payload whose xsi:type is a
// parking publication needs a schema that imports both (../shared/schemas' README names only the
// first; xmllint --schema ignores xsi:schemaLocation).
export function writeDatex2Schema(dir, schemas) {
  const path = join(dir, "datex2-parking.xsd");
  const set = join(schemas, "datex2-v3.1");
  writeFileSync(path, `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:parkguide:test:datex2"
           elementFormDefault="qualified">
  <xs:import namespace="http://datex2.eu/schema/3/d2Payload" schemaLocation="${set}/DATEXII_3_D2Payload.xsd"/>
  <xs:import namespace="http://datex2.eu/schema/3/parking" schemaLocation="${set}/DATEXII_3_Parking.xsd"/>
</xs:schema>
`);
  return path;
}

export function xmllint(schema, file) {
  try {
    execFileSync("xmllint", ["--noout", "--schema", schema, file], { stdio: "pipe" });
  } catch (e) {
    throw new Error(`${file} does not validate:\n${String(e.stderr).slice(0, 3000)}`);
  }
}

async function fetchXml(base, name, dir, tag) {
  const r = await fetch(`${base}/api/v1/export/datex2/${name}`);
  assert(r.status === 200, `${name}: HTTP ${r.status}`);
  assert(r.headers.get("content-type").startsWith("application/xml"), `${name}: ${r.headers.get("content-type")}`);
  const text = await r.text();
  const file = join(dir, `${tag}-${name}`);
  writeFileSync(file, text);
  return { text, file };
}

const attrs = (tag) => Object.fromEntries([...tag.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));

// Returns {table, status} as text once both validate and agree.
export async function checkDatex2(base, dir, tag, schema) {
  const table = await fetchXml(base, "parking-table.xml", dir, tag);
  const status = await fetchXml(base, "parking-status.xml", dir, tag);
  xmllint(schema, table.file);
  xmllint(schema, status.file);
  const tableTag = attrs(table.text.match(/<prk:parkingTable [^>]*>/)[0]);
  const records = new Map([...table.text.matchAll(/<prk:parkingRecord [^>]*>/g)]
    .map((m) => attrs(m[0])).map((a) => [a.id, a.version]));
  const tableRef = attrs(status.text.match(/<prk:parkingTableReference [^>]*>/)[0]);
  assert(tableRef.id === tableTag.id && tableRef.version === tableTag.version,
         `status names table ${tableRef.id}@${tableRef.version}, the table is ${tableTag.id}@${tableTag.version}`);
  const refs = [...status.text.matchAll(/<prk:parkingRecordReference [^>]*>/g)].map((m) => attrs(m[0]));
  assert(refs.length === records.size, `${refs.length} statuses for ${records.size} records`);
  for (const ref of refs) {
    assert(records.get(ref.id) === ref.version, `status of ${ref.id}@${ref.version}: the table has version ${records.get(ref.id)}`);
  }
  return { table: table.text, status: status.text, records: records.size };
}
