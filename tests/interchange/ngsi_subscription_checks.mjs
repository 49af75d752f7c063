// NGSI-LD subscriptions against the demo city (its simulated feeds change the car parks): a
// subscriber's endpoint (a node HTTP server here) receives Notifications whose entities are valid
// Smart Data Models, in the form asked for; the keys and the bad requests are refused.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { assert } from "../support/parkguide_process.mjs";
import { checkEntities } from "./ngsi_checks.mjs";

function receiver() {
  const received = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      received.push({ path: req.url, type: req.headers["content-type"], link: req.headers.link, body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () =>
    resolve({ received, port: server.address().port, close: () => server.close() })));
}

async function waitFor(received, predicate, what) {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const hit = received.find(predicate);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no notification ${what} in 60 s (${received.length} received)`);
}

export async function checkSubscriptions(t, base, db, sdm) {
  const key = readFileSync(`${db}.operator-key`, "utf8").trim();  // the demo's traffic centre key
  const auth = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
  const sink = await receiver();
  const subscribe = (body, headers = auth) =>
    fetch(`${base}/ngsi-ld/v1/subscriptions`, { method: "POST", headers, body: JSON.stringify(body) });
  try {
    await t.check("ngsi-ld: subscribers get Notifications of valid entities in the form they asked for", async () => {
      const forms = [["normalized", "application/json"], ["keyValues", "application/ld+json"]];
      const ids = [];
      for (const [format, accept] of forms) {
        const r = await subscribe({ type: "Subscription", entities: [{ type: "OffStreetParking" }],
                                    watchedAttributes: ["availableSpotNumber"],
                                    notification: { format, endpoint: { uri: `http://127.0.0.1:${sink.port}/${format}`, accept } } });
        const body = await r.json();
        assert(r.status === 201 && r.headers.get("location") === `/ngsi-ld/v1/subscriptions/${body.id}`,
               `subscribe: HTTP ${r.status} ${JSON.stringify(body)}`);
        ids.push(body.id);
      }
      for (const [i, [format, accept]] of forms.entries()) {
        const n = await waitFor(sink.received, (x) => x.path === `/${format}`, `in ${format}`);
        assert(n.type.startsWith(accept), `content type ${n.type}, asked ${accept}`);
        assert(n.body.type === "Notification" && n.body.subscriptionId === ids[i] && /Z$/.test(n.body.notifiedAt),
               `notification: ${JSON.stringify(n.body).slice(0, 300)}`);
        if (accept === "application/json") assert(/json-ld#context/.test(n.link || ""), "no @context Link header");
        const entities = n.body.data.map(({ "@context": context, ...e }) => {
          assert(accept !== "application/ld+json" || Array.isArray(context), "no @context in ld+json");
          return e;
        });
        checkEntities(sdm, entities, format === "normalized");
      }
      const listed = await (await fetch(`${base}/ngsi-ld/v1/subscriptions`, { headers: auth })).json();
      const sent = listed.filter((s) => ids.includes(s.id)).map((s) => s.notification.timesSent);
      assert(sent.length === 2 && sent.every((n) => n >= 1), `timesSent: ${JSON.stringify(sent)}`);
      for (const id of ids) {
        const d = await fetch(`${base}/ngsi-ld/v1/subscriptions/${id}`, { method: "DELETE", headers: auth });
        assert(d.status === 204, `delete: HTTP ${d.status}`);
        const g = await fetch(`${base}/ngsi-ld/v1/subscriptions/${id}`, { headers: auth });
        assert(g.status === 404, `after delete: HTTP ${g.status}`);
      }
      return `${sink.received.length} notifications`;
    });
    await t.check("ngsi-ld: subscriptions need a traffic centre key and a sound body", async () => {
      const good = { entities: [{ type: "OffStreetParking" }], notification: { endpoint: { uri: "http://127.0.0.1:9/n" } } };
      const none = await subscribe(good, { "Content-Type": "application/json" });
      assert(none.status === 401, `no key: ${none.status}`);
      const list = await fetch(`${base}/ngsi-ld/v1/subscriptions`);
      assert(list.status === 401, `list without a key: ${list.status}`);
      const bad = [
        [{ ...good, notification: { endpoint: { uri: "https://x/y" } } }, "notification.endpoint.uri"],
        [{ ...good, entities: [{ type: "ParkingSpot" }] }, "entities"],
        [{ ...good, q: "availableSpotNumber>many" }, "q"],
        [{ entities: [{ type: "OffStreetParking" }] }, "notification"],
      ];
      for (const [body, field] of bad) {
        const r = await subscribe(body);
        const text = await r.text();
        assert(r.status === 400 && text.includes(field) && text.includes("BadRequestData"), `${field}: ${r.status} ${text}`);
      }
    });
  } finally {
    sink.close();
  }
}
