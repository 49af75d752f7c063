// A parkguide command that serves HTTP (`demo`, `serve`), started for a test on a free port:
//
//   const server = await startServer(binary, ["demo", "--db", db, "--history-days", "1"]);
//   const r = await fetch(`${server.base}/health`);
//   await server.stop();          // SIGINT, then SIGKILL after 10 s
//
// `--port 0 --bind 127.0.0.1` are added (or the `port` option, to restart on the same one); the port is read from the "serving … on http://…:PORT/"
// line. Whatever happens, the process does not outlive the test's node process.
import { spawn } from "node:child_process";

export async function startServer(binary, args, { timeoutMs = 90000, port = 0 } = {}) {
  const child = spawn(binary, [...args, "--port", String(port), "--bind", "127.0.0.1"],
                      { stdio: ["ignore", "pipe", "pipe"] });
  process.on("exit", () => { if (child.exitCode === null) child.kill("SIGKILL"); });
  const server = { child, log: "" };
  child.stdout.on("data", (d) => (server.log += d));
  child.stderr.on("data", (d) => (server.log += d));
  server.port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start in ${timeoutMs} ms:\n${server.log}`)),
                             timeoutMs);
    const poll = setInterval(() => {
      const m = server.log.match(/serving \S+ on http:\/\/[^:]+:(\d+)\//);
      if (!m) return;
      clearTimeout(timer);
      clearInterval(poll);
      resolve(Number(m[1]));
    }, 100);
    child.on("exit", (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`${args[0]} exited with ${code}:\n${server.log}`));
    });
  });
  server.base = `http://127.0.0.1:${server.port}`;
  server.stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const kill = setTimeout(() => child.kill("SIGKILL"), 10000);
    child.once("exit", (code) => { clearTimeout(kill); resolve(code); });
    child.kill("SIGINT");
  });
  return server;
}

// A tiny test runner: named checks, each timed; the summary's exit code is the number failed.
export function checker() {
  const results = [];
  let failed = 0;
  return {
    async check(name, fn) {
      const t0 = Date.now();
      try {
        const detail = await fn();
        results.push(`ok   ${name} (${Date.now() - t0} ms)${detail ? ` — ${detail}` : ""}`);
      } catch (e) {
        failed++;
        results.push(`FAIL ${name} (${Date.now() - t0} ms): ${e.stack || e}`);
      }
      console.log(results[results.length - 1]);
    },
    get failed() { return failed; },
    summary() {
      console.log(`\n${results.length - failed} passed, ${failed} failed`);
      return failed === 0 ? 0 : 1;
    },
  };
}

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
