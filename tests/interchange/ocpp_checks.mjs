// OCPP 1.6-J conversations with a real OCPP client (npm ocpp-rpc, strict mode: every answer of
// ours is validated against the official OCPP 1.6 JSON schemas) against `parkguide serve`:
// boot, heartbeats, status changes that then show on the API and the exports, meter values,
// malformed frames, unknown charge points, wrong credentials, a second connection replacing the
// first, and a server restart mid-session that loses nothing acknowledged.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createServer } from "node:net";
import ocppRpc from "ocpp-rpc";
import { assert, startServer } from "../support/parkguide_process.mjs";

const { RPCClient } = ocppRpc;

export async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const lastLine = (out) => out.toString().trim().split("\n").pop();

function sourceKey(binary, db, id, scope) {
  return lastLine(execFileSync(binary, ["source", "add", "--db", db, "--id", id, "--kind", "charger",
                                        "--scope", scope, "--interval", "60"]));
}

// A strict client that fails the test on any answer of ours the OCPP 1.6 schemas refuse.
function client(port, identity, password, extra = {}) {
  const c = new RPCClient({
    endpoint: `ws://127.0.0.1:${port}/ocpp/1.6`, identity, password, protocols: ["ocpp1.6"],
    strictMode: true, reconnect: false, callTimeoutMs: 10000, ...extra,
  });
  c.failures = [];
  c.on("strictValidationFailure", (e) => c.failures.push(e));
  return c;
}

async function refusedWith(c, status) {
  try {
    await c.connect();
  } catch (e) {
    assert(e.code === status, `expected HTTP ${status}, got ${e.code} ${e.message}`);
    return;
  }
  await c.close();
  throw new Error(`connected; expected HTTP ${status}`);
}

async function rpcError(promise) {
  try {
    await promise;
  } catch (e) {
    return e.rpcErrorCode;
  }
  throw new Error("the call succeeded; expected a CALLERROR");
}

// The answer of the server to a raw frame (the client's "message" event, inbound).
function rawAnswer(c, frame) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${frame}`)), 5000);
    const listen = ({ message, outbound }) => {
      if (outbound) return;
      clearTimeout(timer);
      c.off("message", listen);
      resolve(JSON.parse(String(message)));
    };
    c.on("message", listen);
    c.sendRaw(frame);
  });
}

async function connectorStatus(base, charger, connector) {
  const c = await (await fetch(`${base}/api/v1/chargers/${charger}`)).json();
  return c.live.connectors[String(connector)]?.status;
}

const status = (connectorId, s, extra = {}) => ({ connectorId, errorCode: "NoError", status: s, ...extra });

// An entrance sign with an EV line for the car park the OCPP charger stands in.
function addEvSign(binary, db, dir) {
  const survey = join(dir, "ev-sign");
  mkdirSync(survey, { recursive: true });
  writeFileSync(join(survey, "signs.csv"), "id,name_zh,name_en,lat,lon,level,lines\n" +
                "S-EV,春秋广场充电,Chunqiu EV,34.034,113.8486,3,osm:w2001@ev>straight:充电|EV\n");
  execFileSync(binary, ["import-registry", survey, "--db", db], { stdio: "pipe" });
}

// What the EV line of S-EV should show: the connectors of osm:w2001's chargers in service that
// the API says a new driver may use.
async function evLineExpected(base) {
  const { items } = await (await fetch(`${base}/api/v1/chargers?limit=1000`)).json();
  const here = items.filter((c) => c.facility === "osm:w2001" && c.lifecycle === "in_service");
  return {
    free: here.reduce((n, c) => n + (c.live.available ?? 0), 0),
    capacity: here.reduce((n, c) => n + c.connectors.length, 0),
  };
}

async function waitForEvLine(base, expected) {
  const deadline = Date.now() + 20000;
  let line;
  do {
    const sign = await (await fetch(`${base}/api/v1/signs/S-EV`)).json();
    line = sign.content.lines[0];
    if (line.basis.free === expected.free && line.basis.capacity === expected.capacity) return line;
    await new Promise((r) => setTimeout(r, 250));
  } while (Date.now() < deadline);
  throw new Error(`the EV line shows ${JSON.stringify(line)}, expected ${JSON.stringify(expected)}`);
}

// The dashboard's chargers page in Debian's chromium (playwright-core of src/web): the chips of
// charger C001, as the page shows them.
async function openChargersPage(base, webDir) {
  const chromium = [process.env.PG_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"]
    .find((p) => p && existsSync(p));
  let playwright;
  try {
    playwright = createRequire(join(webDir, "package.json"))("playwright-core");
  } catch {
    playwright = null;
  }
  if (!chromium || !playwright) return null;
  const browser = await playwright.chromium.launch({
    executablePath: chromium, headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  const page = await browser.newPage();
  await page.goto(`${base}/#/chargers`);
  const chips = () => page.evaluate(() => {
    const row = [...document.querySelectorAll(".charger")]
      .find((d) => d.querySelector(".muted")?.textContent.trim().split(" ")[0] === "C001");
    return row ? [...row.querySelectorAll("[data-status]")].map((c) => c.dataset.status) : null;
  });
  return { browser, chips };
}

async function waitForChips(dashboard, expected) {
  const deadline = Date.now() + 20000;
  let shown;
  do {
    shown = await dashboard.chips();
    if (JSON.stringify(shown) === JSON.stringify(expected)) return;
    await new Promise((r) => setTimeout(r, 200));
  } while (Date.now() < deadline);
  throw new Error(`the dashboard shows C001 as ${JSON.stringify(shown)}, expected ${JSON.stringify(expected)}`);
}

export async function checkOcpp(t, binary, db, dir, webDir) {
  addEvSign(binary, db, dir);
  const port = await freePort();
  let server = await startServer(binary, ["serve", "--db", db], { port });
  const key = sourceKey(binary, db, "ocpp-C001", "charger:C001");
  const otherKey = sourceKey(binary, db, "ocpp-C002", "charger:C002");
  try {
    await t.check("ocpp: wrong credentials, unknown charge points and other chargers' keys get 401", async () => {
      await refusedWith(client(port, "C001", "pgk_wrong"), 401);
      await refusedWith(client(port, "C001", otherKey), 401);
      await refusedWith(client(port, "NO-SUCH-CP", key), 401);
      await refusedWith(client(port, "C001", ""), 401);
      await refusedWith(client(port, "C001", key, { protocols: ["ocpp2.0.1"] }), 400);
      const r = await fetch(`${server.base}/ocpp/1.6/C001`);
      assert(r.status === 426, `a plain GET got ${r.status}`);
      return "5 refusals";
    });

    const cp = client(port, "C001", key);
    await t.check("ocpp: boot, heartbeat and a status change that shows on the API and the exports", async () => {
      await cp.connect();
      assert(cp.protocol === "ocpp1.6", `subprotocol ${cp.protocol}`);
      const boot = await cp.call("BootNotification", { chargePointVendor: "XJ Power", chargePointModel: "DC120" });
      assert(boot.status === "Accepted" && Number.isInteger(boot.interval) && boot.interval > 0,
             `boot: ${JSON.stringify(boot)}`);
      const beat = await cp.call("Heartbeat", {});
      assert(Math.abs(Date.parse(beat.currentTime) - Date.now()) < 60000, `heartbeat: ${JSON.stringify(beat)}`);
      await cp.call("StatusNotification", status(0, "Available"));
      await cp.call("StatusNotification", status(1, "Available"));
      await cp.call("StatusNotification", status(1, "Charging", { timestamp: new Date().toISOString() }));
      await cp.call("StatusNotification", status(2, "Faulted", { errorCode: "GroundFailure" }));
      // Answered: durable and applied.
      assert(await connectorStatus(server.base, "C001", 1) === "Charging", "connector 1 is not Charging");
      assert(await connectorStatus(server.base, "C001", 2) === "Faulted", "connector 2 is not Faulted");
      const ocpi = await (await fetch(`${server.base}/api/v1/export/ocpi/locations/osm:w2001`)).json();
      const evse = ocpi.data.evses.find((e) => e.uid === "C001-1");
      assert(evse && evse.status === "CHARGING", `OCPI EVSE C001-1: ${JSON.stringify(evse)}`);
      const meter = await cp.call("MeterValues", { connectorId: 1, meterValue: [{
        timestamp: new Date().toISOString(),
        sampledValue: [{ value: "123456", measurand: "Energy.Active.Import.Register", unit: "Wh" },
                       { value: "60500", measurand: "Power.Active.Import", unit: "W" }] }] });
      assert(JSON.stringify(meter) === "{}", `meter values: ${JSON.stringify(meter)}`);
      assert(cp.failures.length === 0, `answers the OCPP schemas refuse: ${JSON.stringify(cp.failures)}`);
    });

    await t.check("ocpp: the charger's statuses show on its car park's EV sign line", async () => {
      // A fresh count for the car park: a sign line needs its car park counted to show anything.
      const gate = lastLine(execFileSync(binary, ["source", "add", "--db", db, "--id", "gate-w2001",
                                                  "--kind", "operator_system", "--scope", "facility:osm:w2001"]));
      // A running server picks a new source's key up within seconds.
      let posted;
      for (let i = 0; i < 40 && posted?.status !== 200; i++) {
        if (i) await new Promise((r) => setTimeout(r, 250));
        posted = await fetch(`${server.base}/api/v1/observations`, {
          method: "POST", headers: { Authorization: `Bearer ${gate}`, "Content-Type": "application/json" },
          body: JSON.stringify({ observations: [{ type: "facility_count", facility: "osm:w2001",
                                                   time: new Date().toISOString(), occupied: 100 }] }),
        });
      }
      assert(posted.status === 200, `count: HTTP ${posted.status}`);
      const before = await waitForEvLine(server.base, await evLineExpected(server.base));
      await cp.call("StatusNotification", status(2, "Available"));
      const expected = await evLineExpected(server.base);
      assert(expected.free === (before.basis.free ?? 0) + 1, `connector 2 freed: ${JSON.stringify(expected)}`);
      const after = await waitForEvLine(server.base, expected);
      await cp.call("StatusNotification", status(2, "Faulted", { errorCode: "GroundFailure" }));
      await waitForEvLine(server.base, await evLineExpected(server.base));
      return `EV line ${before.basis.free} → ${after.basis.free} free of ${after.basis.capacity}`;
    });

    await t.check("ocpp: the dashboard's chargers page shows the charger's statuses as they change", async () => {
      const dashboard = await openChargersPage(server.base, webDir);
      if (!dashboard) {
        if (process.env.CI) throw new Error("chromium or playwright-core is missing (CI is set: it must run)");
        return "SKIPPED: no chromium or playwright-core here";
      }
      try {
        await waitForChips(dashboard, [await connectorStatus(server.base, "C001", 1),
                                       await connectorStatus(server.base, "C001", 2)]);
        await cp.call("StatusNotification", status(1, "Reserved"));
        await waitForChips(dashboard, ["Reserved", await connectorStatus(server.base, "C001", 2)]);
        await cp.call("StatusNotification", status(1, "Charging"));
        await waitForChips(dashboard, ["Charging", await connectorStatus(server.base, "C001", 2)]);
      } finally {
        await dashboard.browser.close();
      }
    });

    await t.check("ocpp: malformed frames and bad calls get CALLERRORs with OCPP-J's codes", async () => {
      const answers = [
        [await rawAnswer(cp, "not json"), "FormationViolation"],
        [await rawAnswer(cp, '[2,"bad-call-1"]'), "ProtocolError"],
        [await rawAnswer(cp, '[2,"x1","FooBarAction",{}]'), "NotImplemented"],
        [await rawAnswer(cp, '[2,"x2","StartTransaction",{}]'), "NotSupported"],
        [await rawAnswer(cp, '[2,"x3","StatusNotification",{"connectorId":9,"errorCode":"NoError","status":"Available"}]'),
         "PropertyConstraintViolation"],
        [await rawAnswer(cp, '[2,"x4","StatusNotification",{"connectorId":"1","errorCode":"NoError","status":"Available"}]'),
         "TypeConstraintViolation"],
        [await rawAnswer(cp, '[2,"x5","StatusNotification",{"connectorId":1,"status":"Available"}]'),
         "OccurenceConstraintViolation"],
      ];
      for (const [answer, code] of answers) {
        assert(answer[0] === 4 && answer[2] === code, `expected ${code}: ${JSON.stringify(answer)}`);
      }
      assert(await connectorStatus(server.base, "C001", 1) === "Charging", "a refused call changed the state");
      return `${answers.length} CALLERRORs`;
    });

    await t.check("ocpp: a second connection for the charger replaces the first", async () => {
      const closed = new Promise((resolve) => cp.once("close", resolve));
      const second = client(port, "C001", key);
      await second.connect();
      const { code } = await closed;
      assert(code === 1000, `the first connection closed with ${code}`);
      await second.call("StatusNotification", status(1, "Finishing"));
      assert(await connectorStatus(server.base, "C001", 1) === "Finishing", "the second connection's status");
      await second.close();
    });

    await t.check("ocpp: a server restart mid-session loses nothing acknowledged; the charger reconnects", async () => {
      const cp2 = client(port, "C001", key, { reconnect: true, backoff: { initialDelay: 200, maxDelay: 1000 } });
      await cp2.connect();
      await cp2.call("StatusNotification", status(1, "SuspendedEV"));
      const reopened = new Promise((resolve) => cp2.once("open", resolve));
      await server.stop();
      server = await startServer(binary, ["serve", "--db", db], { port });
      assert(await connectorStatus(server.base, "C001", 1) === "SuspendedEV",
             "the acknowledged status did not survive the restart");
      await reopened;
      await cp2.call("BootNotification", { chargePointVendor: "XJ Power", chargePointModel: "DC120" });
      await cp2.call("StatusNotification", status(1, "Available"));
      assert(await connectorStatus(server.base, "C001", 1) === "Available", "after the reconnect");
      assert(cp2.failures.length === 0, `answers the OCPP schemas refuse: ${JSON.stringify(cp2.failures)}`);
      await cp2.close();
    });
  } finally {
    await server.stop();
  }
}
