// The pull adapters end to end: a second parkguide (B) polls the first's (A) DATEX II status
// publication and NGSI-LD entities — each feed mapped to half of the car parks, with one site
// left unmapped — and ends with A's live state for every mapped car park, the unmapped site in
// its dead letters.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { assert, startServer } from "../support/parkguide_process.mjs";

const lastLine = (out) => out.toString().trim().split("\n").pop();

function addSource(binary, db, id) {
  return lastLine(execFileSync(binary, ["source", "add", "--db", db, "--id", id,
                                        "--kind", "operator_system", "--scope", "all", "--interval", "300"]));
}

// Counts for the first `n` car parks of A, posted as a gate system would.
export async function postCounts(binary, db, base, n) {
  const key = addSource(binary, db, "gates");
  const { items } = await (await fetch(`${base}/api/v1/facilities?limit=${n}`)).json();
  const time = new Date(Date.now() - 60000).toISOString();
  const observations = items.map((f, i) => ({
    type: "facility_count", facility: f.id, time, free: 5 + 3 * i, occupied: 20 + i,
  }));
  const r = await fetch(`${base}/api/v1/observations`, {
    method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ observations }),
  });
  assert(r.status === 200, `posting counts: HTTP ${r.status} ${await r.text()}`);
  return items.map((f) => f.id);
}

const live = async (base, id) => (await (await fetch(`${base}/api/v1/facilities/${encodeURIComponent(id)}`)).json()).live;

export async function checkPull(t, binary, dir, dbB, a, ids) {
  const city = (await (await fetch(`${a.base}/api/v1/city`)).json()).id;
  const half = Math.ceil(ids.length / 2);
  const viaDatex = ids.slice(0, half);
  const viaNgsi = ids.slice(half, -1);
  const unmapped = ids[ids.length - 1];
  writeFileSync(join(dir, "datex-map.csv"), "their_id,facility\n" + viaDatex.map((id) => `${id},${id}`).join("\n") + "\n");
  writeFileSync(join(dir, "ngsi-map.csv"), "their_id,facility\n" +
                viaNgsi.map((id) => `urn:ngsi-ld:OffStreetParking:${city}:${id},${id}`).join("\n") + "\n");
  addSource(binary, dbB, "a-datex");
  addSource(binary, dbB, "a-ngsi");
  const officer = lastLine(execFileSync(binary, ["key", "add", "--db", dbB, "--name", "officer", "--role", "traffic_centre"]));
  const feeds = join(dir, "feeds.json");
  writeFileSync(feeds, JSON.stringify({ feeds: [
    { id: "a-datex", format: "datex2", url: `${a.base}/api/v1/export/datex2/parking-status.xml`,
      source: "a-datex", interval_s: 1, mapping: "datex-map.csv" },
    { id: "a-ngsi", format: "ngsi-ld", url: `${a.base}/ngsi-ld/v1/entities?type=OffStreetParking&limit=1000`,
      source: "a-ngsi", interval_s: 1, mapping: "ngsi-map.csv" },
  ] }));
  const b = await startServer(binary, ["serve", "--db", dbB, "--pull", feeds]);
  try {
    await t.check("pull: a second parkguide fed from the first's DATEX II and NGSI-LD has its live state", async () => {
      const deadline = Date.now() + 20000;
      let differ = [];
      do {
        await new Promise((r) => setTimeout(r, 500));
        differ = [];
        for (const id of [...viaDatex, ...viaNgsi]) {
          const [la, lb] = [await live(a.base, id), await live(b.base, id)];
          assert(la.free !== null && la.state !== "unknown", `A has no count for ${id}: ${JSON.stringify(la)}`);
          if (la.free !== lb.free || la.occupied !== lb.occupied || la.state !== lb.state || la.updated !== lb.updated) {
            differ.push(`${id}: A ${JSON.stringify(la)} B ${JSON.stringify(lb)}`);
          }
        }
      } while (differ.length && Date.now() < deadline);
      assert(differ.length === 0, `not the same live state:\n${differ.join("\n")}`);
      const other = await live(b.base, unmapped);
      assert(other.state === "unknown", `the unmapped site has a count on B: ${JSON.stringify(other)}`);
      return `${viaDatex.length} car parks via DATEX II, ${viaNgsi.length} via NGSI-LD`;
    });
    await t.check("pull: a site no facility is mapped to is a dead letter", async () => {
      const r = await fetch(`${b.base}/api/v1/ingest/errors`, { headers: { Authorization: `Bearer ${officer}` } });
      const text = await r.text();
      assert(r.status === 200, `ingest errors: HTTP ${r.status} ${text}`);
      assert(text.includes(`no facility is mapped to 'urn:ngsi-ld:OffStreetParking:${city}:${unmapped}'`),
             `no dead letter for ${unmapped}: ${text.slice(0, 2000)}`);
    });
  } finally {
    await b.stop();
  }
}
