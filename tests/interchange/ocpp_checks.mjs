// OCPP 1.6-J conversations with a real OCPP client (npm ocpp-rpc, strict mode: every answer of
// ours is validated against the official OCPP 1.6 JSON schemas) against `parkguide serve`:
// boot, heartbeats, status changes that then show on the API and the exports, meter values,
// malformed frames, unknown charge points, wrong credentials, a second connection replacing the
// first, and a server restart mid-session that loses nothing acknowledged.
import { execFileSync } from "node:child_process";
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

function sourceKey(binary, db, id, scope) {
  const out = execFileSync(binary, ["source", "add", "--db", db, "--id", id, "--kind", "charger",
                                    "--scope", scope, "--interval", "60"]).toString().trim().split("\n");
  return out[out.length - 1];
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

export async function checkOcpp(t, binary, db) {
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
