// Acceptance scenario 1: the ETL flow fetches complaints from a flaky HTTP endpoint, retries through it, stores a table and a CSV.

import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { ROOT, cli, cliJson, requireBuiltCli, SLOW, tempDir, type FlowRunJson } from "./helpers.js";

requireBuiltCli();

interface Source {
  date_received: string;
  state: string | null;
  product: string;
  company: string;
  complaint_what_happened: string;
}

const ALL: Source[] = JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks/data/complaints.json"), "utf8")).hits.hits.map((h: { _source: Source }) => h._source);
const API_PATH = "/data-research/consumer-complaints/search/api/v1/";

/** RFC 4180: fields may be quoted, quotes doubled, line breaks inside quotes; records end in CRLF or LF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  const endField = () => {
    record.push(field);
    field = "";
  };
  const endRecord = () => {
    endField();
    records.push(record);
    record = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"' && field === "") {
      quoted = true;
    } else if (ch === ",") {
      endField();
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      endRecord();
    } else {
      field += ch;
    }
  }
  if (quoted) throw new Error("CSV ends inside a quoted field");
  if (field !== "" || record.length > 0) endRecord();
  return records;
}

describe("cellflow run flows/etl.ts against a flaky complaints API", { timeout: SLOW }, () => {
  const home = tempDir("etl-home");
  const out = tempDir("etl-out");
  const db = path.join(out, "complaints.db");
  const csv = path.join(out, "complaints.csv");
  const requests: Array<{ path: string; size: string | null; status: number }> = [];
  let server: http.Server;
  let base = "";
  let run: FlowRunJson;
  let exitCode: number | null;
  let progress = "";

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const size = url.searchParams.get("size");
      // The first two requests fail the way an overloaded API does; the third is served.
      if (requests.length < 2) {
        requests.push({ path: url.pathname, size, status: 503 });
        res.writeHead(503, { "content-type": "text/plain" }).end("Service Unavailable");
        return;
      }
      const n = size === null ? ALL.length : Number(size);
      requests.push({ path: url.pathname, size, status: 200 });
      const hits = ALL.slice(0, n).map((s, i) => ({ _id: String(i), _source: s }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ hits: { total: hits.length, hits } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const r = await cli(["run", "flows/etl.ts", "-p", `source=${base}${API_PATH}`, "-p", "size=25", "-p", `db=${db}`, "-p", `csv=${csv}`, "--json"], { home });
    exitCode = r.code;
    progress = r.stderr;
    if (r.code !== 0) throw new Error(`cellflow run exited ${r.code}:\n${r.stderr}${r.stdout}`);
    run = JSON.parse(r.stdout) as FlowRunJson;
  }, SLOW);

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it("exits 0 with the run Completed after the server failed twice", () => {
    expect(exitCode).toBe(0);
    expect(run.state.name).toBe("Completed");
    expect(run.parameters).toEqual({ source: `${base}${API_PATH}`, size: 25, db, csv });
    expect(requests).toEqual([
      { path: API_PATH, size: "25", status: 503 },
      { path: API_PATH, size: "25", status: 503 },
      { path: API_PATH, size: "25", status: 200 },
    ]);
  });

  it("stores every complaint in the SQLite table, column for column", () => {
    const conn = new Database(db, { readonly: true });
    try {
      const rows = conn.prepare("SELECT date_received, state, product, company, complaint_what_happened FROM complaints ORDER BY rowid").all();
      expect(rows).toEqual(ALL.slice(0, 25));
    } finally {
      conn.close();
    }
  });

  it("writes a CSV with a header and one record per complaint that parses back to the same values", () => {
    const text = fs.readFileSync(csv, "utf8");
    const records = parseCsv(text);
    expect(records).toHaveLength(26);
    expect(records[0]).toEqual(["date_received", "state", "product", "company", "complaint_what_happened"]);
    expect(records.slice(1)).toEqual(ALL.slice(0, 25).map((s) => [s.date_received, s.state ?? "", s.product, s.company, s.complaint_what_happened]));
    // The sample must exercise quoting, or this check proves little.
    expect(ALL.slice(0, 25).some((s) => /[",\n]/.test(s.complaint_what_happened))).toBe(true);
  });

  it("the run's task states are in the store: get-complaints ran 3 times, then parse and store once each", async () => {
    const shown = await cliJson<FlowRunJson>(["runs", "show", run.id], { home });
    expect(shown.state.name).toBe("Completed");
    expect(shown.taskRuns!.map((t) => [t.name, t.state.name, t.runCount])).toEqual([
      ["get-complaints", "Completed", 3],
      ["parse-complaints", "Completed", 1],
      ["store-complaints", "Completed", 1],
    ]);
  });

  it("the store keeps get-complaints' history through AwaitingRetry and Retrying", () => {
    const store = Store.open(home, { reap: false });
    try {
      const id = store.getAllTaskRunRows(run.id).find((t) => t.task_name === "get-complaints")!.id;
      const names = store.getHistory("task", id).map((s) => s.name);
      expect(names.filter((n) => n === "AwaitingRetry")).toHaveLength(2);
      expect(names.filter((n) => n === "Retrying")).toHaveLength(2);
      expect(names.at(-1)).toBe("Completed");
      expect(names.indexOf("AwaitingRetry")).toBeLessThan(names.indexOf("Retrying"));
      const failures = store.getHistory("task", id).filter((s) => s.name === "AwaitingRetry");
      for (const s of failures) expect(s.message).toContain("503");
    } finally {
      store.close();
    }
  });

  it("`runs logs` shows the retries and what each task logged", async () => {
    const r = await cli(["runs", "logs", run.id], { home });
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.filter((l) => /get-complaints/.test(l) && /retr/i.test(l)).length).toBeGreaterThanOrEqual(2);
    expect(r.stdout).toContain(`fetched 25 complaints from ${base}${API_PATH}`);
    expect(r.stdout).toContain(`stored 25 complaints in ${db} (table complaints) and ${csv}`);

    const onlyStore = await cli(["runs", "logs", run.id, "--task", "store-complaints"], { home });
    expect(onlyStore.code).toBe(0);
    expect(onlyStore.stdout).toContain("stored 25 complaints");
    expect(onlyStore.stdout).not.toContain("fetched 25 complaints");
  });

  it("prints progress while it runs, retries included", () => {
    expect(progress).toMatch(/task get-complaints-0 AwaitingRetry/);
    expect(progress).toMatch(/task get-complaints-0 Retrying/);
    expect(progress).toMatch(/flow etl-\S+ Completed/);
  });
});

describe("cellflow run flows/etl.ts offline", { timeout: SLOW }, () => {
  it("reads the bundled file by default and writes complaints.db and complaints.csv in the current directory", async () => {
    const home = tempDir("etl-offline-home");
    const cwd = tempDir("etl-offline-cwd");
    const source = path.join(ROOT, "notebooks/data/complaints.json");
    const r = await cli(["run", path.join(ROOT, "flows/etl.ts"), "-p", `source=${source}`], { home, cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/flow run etl-\S+ \([0-9a-f-]{36}\) Completed in .*: 3 Completed/);
    const conn = new Database(path.join(cwd, "complaints.db"), { readonly: true });
    try {
      expect(conn.prepare("SELECT count(*) AS n FROM complaints").get()).toEqual({ n: 10 });
    } finally {
      conn.close();
    }
    expect(parseCsv(fs.readFileSync(path.join(cwd, "complaints.csv"), "utf8"))).toHaveLength(11);
  });

  it("a second run replaces the table's rows instead of appending", async () => {
    const home = tempDir("etl-twice-home");
    const out = tempDir("etl-twice-out");
    const db = path.join(out, "c.db");
    for (const size of [7, 4]) {
      const r = await cli(["run", "flows/etl.ts", "-p", `size=${size}`, "-p", `db=${db}`, "-p", `csv=${path.join(out, "c.csv")}`], { home });
      expect(r.code, r.stderr).toBe(0);
    }
    const conn = new Database(db, { readonly: true });
    try {
      expect(conn.prepare("SELECT count(*) AS n FROM complaints").get()).toEqual({ n: 4 });
    } finally {
      conn.close();
    }
  });
});
