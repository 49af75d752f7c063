// The dashboard's only way to the server: same-origin /api/v1 calls and the SSE stream.

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export async function get(path, headers = {}) {
  const r = await fetch(path, { headers: { Accept: "application/json", ...headers } });
  const type = r.headers.get("content-type") || "";
  const body = type.includes("json") ? await r.json() : await r.text();
  if (!r.ok) throw new ApiError(r.status, typeof body === "object" ? body : null);
  return body;
}

// Every item of a paged list (items, next).
export async function getAll(path) {
  let items = [];
  let next = path + (path.includes("?") ? "&" : "?") + "limit=1000";
  while (next) {
    const page = await get(next);
    items = items.concat(page.items);
    next = page.next;
  }
  return items;
}

// The live store: facilities, zones and chargers as the stream reports them. Listeners get
// (type, data) for every event, after the store has been updated.
export const live = {
  facilities: new Map(), // id -> live object
  chargers: new Map(), // id -> {site, connectors, available}
  sources: new Map(), // id -> {status, last_received, ...}
  listeners: new Set(),
  connected: false,
  lastEvent: null,
  source: null,
  on(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  },
  emit(type, data) {
    for (const fn of this.listeners) {
      try {
        fn(type, data);
      } catch (e) {
        console.error(e);
      }
    }
  },
  start() {
    if (this.source) return;
    const es = new EventSource("/api/v1/stream");
    this.source = es;
    const handle = (type) => (ev) => {
      let data;
      try {
        data = JSON.parse(ev.data);
      } catch {
        return;
      }
      this.lastEvent = new Date();
      if (type === "facility" || type === "zone") this.facilities.set(data.facility, data.live);
      else if (type === "charger") this.chargers.set(data.charger, data);
      else if (type === "source") this.sources.set(data.source, data);
      this.emit(type, data);
    };
    for (const t of ["facility", "zone", "charger", "source", "sync"]) {
      es.addEventListener(t, handle(t));
    }
    es.onopen = () => {
      this.connected = true;
      this.emit("connection", { connected: true });
    };
    es.onerror = () => {
      this.connected = false;
      this.emit("connection", { connected: false });
    };
  },
};
