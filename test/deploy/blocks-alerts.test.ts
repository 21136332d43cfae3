// Blocks and alerts end to end: round trips, secrets never in clear (database bytes, logs), webhook alerts to a local server.

import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, cliJson, requireBuiltCli, SLOW, tempDir, until, type FlowRunJson } from "../acceptance/helpers.js";
import { spawn } from "node:child_process";
import { CLI } from "../acceptance/helpers.js";
import { freshDatabase } from "../support/postgres.js";
import { writeFlow } from "./helpers.js";

requireBuiltCli();

const SECRET = "hunter2-Zq8v5-unique-secret";

/** Run the CLI with stdin text. */
function cliWithStdin(args: string[], home: string, input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, CELLFLOW_HOME: home };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  child.stdin.end(input);
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

function storeBytes(home: string): Buffer {
  return Buffer.concat(fs.readdirSync(home).filter((f) => f.startsWith("cellflow.db")).map((f) => fs.readFileSync(path.join(home, f))));
}

// Each test has its own store: they run concurrently.
describe.concurrent("blocks", { timeout: SLOW }, () => {
  it("create, ls, show (secrets masked) and rm round trips for every type", async () => {
    const home = tempDir("blocks-home");
    const dataDir = tempDir("blocks-fs");
    const created: Array<[string, string, string]> = [
      ["json", "settings", '{"retries":3,"tags":["a"]}'],
      ["sql", "warehouse", JSON.stringify({ url: path.join(dataDir, "w.db") })],
      ["filesystem", "exports", JSON.stringify({ path: dataDir })],
      ["webhook", "ops", JSON.stringify({ url: "http://127.0.0.1:9/x", headers: { Authorization: `Bearer ${SECRET}` } })],
    ];
    for (const [type, name, value] of created) {
      const r = await cli(["blocks", "create", type, name, "--value", value], { home });
      expect(r.code, r.stderr).toBe(0);
    }
    const piped = await cliWithStdin(["blocks", "create", "secret", "db-password", "--secret-stdin"], home, SECRET + "\n");
    expect(piped.code, piped.stderr).toBe(0);
    const listed = await cliJson<Array<{ type: string; name: string }>>(["blocks", "ls"], { home });
    expect(listed.map((b) => `${b.type}/${b.name}`)).toEqual(["filesystem/exports", "json/settings", "secret/db-password", "sql/warehouse", "webhook/ops"]);
    expect((await cliJson(["blocks", "show", "json/settings"], { home })).value).toEqual({ retries: 3, tags: ["a"] });
    expect((await cliJson(["blocks", "show", "secret/db-password"], { home })).value).toEqual({ value: "****" });
    expect((await cliJson(["blocks", "show", "webhook/ops"], { home })).value).toEqual({ url: "http://127.0.0.1:9/x", headers: { Authorization: "****" } });
    const plain = await cli(["blocks", "show", "secret/db-password"], { home });
    expect(plain.stdout).not.toContain(SECRET);
    expect(storeBytes(home).includes(Buffer.from(SECRET))).toBe(false);
    expect(storeBytes(home).includes(Buffer.from("hunter2"))).toBe(false);
    expect((await cli(["blocks", "rm", "json/settings"], { home })).code).toBe(0);
    expect((await cliJson<unknown[]>(["blocks", "ls"], { home })).length).toBe(4);
  });

  it("Block.load in a flow: the secret is usable, yet no log line and no database byte holds it; sql and filesystem helpers work", async () => {
    const home = tempDir("blocks-flow-home");
    const dir = tempDir("blocks-flow");
    expect((await cliWithStdin(["blocks", "create", "secret", "api-key", "--secret-stdin"], home, SECRET)).code).toBe(0);
    expect((await cli(["blocks", "create", "sql", "warehouse", "--value", JSON.stringify({ url: path.join(dir, "w.db") })], { home })).code).toBe(0);
    expect((await cli(["blocks", "create", "sql", "pg", "--value", '{"url":"postgres://user:pw@127.0.0.1:1/x"}'], { home })).code).toBe(0);
    expect((await cli(["blocks", "create", "filesystem", "out", "--value", JSON.stringify({ path: path.join(dir, "out") })], { home })).code).toBe(0);
    fs.writeFileSync(
      path.join(dir, "uses-blocks.ts"),
      `import { Block, flow, getRunLogger, task } from "cellflow";
const use = task("use-blocks", async () => {
  const secret = await Block.load("secret", "api-key");
  getRunLogger().info("calling the API with key %s", secret.get());
  console.error("printed: " + secret.get().length);
  const db = (await Block.load("sql", "warehouse")).connect();
  await db.execute("create table t (x)"); await db.execute("insert into t values (?)", [42]);
  const n = (await db.query<{ x: number }>("select x from t"))[0].x;
  await db.close();
  const fsBlock = await Block.load("filesystem", "out");
  await fsBlock.write("sub/result.txt", "n=" + n);
  let pgError = "";
  try { await (await Block.load("sql", "pg")).connect().query("select 1"); } catch (error) { pgError = (error as Error).message; }
  getRunLogger().info("pg: %s", pgError);
  return { n, text: await fsBlock.readText("sub/result.txt"), files: await fsBlock.list("sub") };
});
export const blocks = flow("blocks", async () => use());
`,
    );
    const r = await cli(["run", path.join(dir, "uses-blocks.ts"), "--json"], { home });
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as FlowRunJson;
    expect(run.result).toEqual({ n: 42, text: "n=42", files: ["result.txt"] });
    const logs = await cli(["runs", "logs", run.id], { home });
    expect(logs.stdout).toContain("calling the API with key ****");
    // An unreachable server is one line naming the block, never its password (the block's URL holds "pw").
    expect(logs.stdout).toMatch(/pg: sql block 'pg': connect ECONNREFUSED 127\.0\.0\.1:1/);
    expect(logs.stdout).not.toContain(":pw@");
    expect(logs.stdout).not.toContain(SECRET);
    expect(storeBytes(home).includes(Buffer.from(SECRET))).toBe(false);
  });
});

it("a sql block on PostgreSQL: connect() loads rows into a real server with ? placeholders, batched and in one transaction", { timeout: SLOW }, async () => {
  const pg = await freshDatabase("sqlblock");
  try {
    const home = tempDir("blocks-pg-home");
    const dir = tempDir("blocks-pg");
    expect((await cli(["blocks", "create", "sql", "warehouse", "--value", JSON.stringify({ url: pg.url })], { home })).code).toBe(0);
    fs.writeFileSync(
      path.join(dir, "pg-load.ts"),
      `import { Block, flow, task } from "cellflow";
const load = task("load", async (n: number) => {
  const db = (await Block.load("sql", "warehouse")).connect();
  try {
    await db.execute('create table "trips?" (id int primary key, note text)');
    const inserted = await db.insertRows("trips?", Array.from({ length: n }, (_, i) => ({ id: i, note: i % 2 ? "odd?" : "even" })));
    const updated = await db.executeMany('update "trips?" set note = ? where id = ?', [["first", 0], ["second", 1]]);
    let failed = "";
    // A failing batch leaves nothing behind: the duplicate key rolls back the whole insert.
    try { await db.insertRows("trips?", [{ id: n, note: "new" }, { id: 0, note: "dup" }]); } catch (error) { failed = (error as Error).message; }
    const [{ count }] = await db.query<{ count: number }>('select count(*)::int as count from "trips?" where note <> ?', ["x?"]);
    return { inserted, updated, count, failed };
  } finally {
    await db.close();
  }
});
export const pgLoad = flow("pg-load", async () => load(2500));
`,
    );
    const r = await cli(["run", path.join(dir, "pg-load.ts"), "--json"], { home });
    expect(r.code, r.stderr).toBe(0);
    const result = (JSON.parse(r.stdout) as FlowRunJson).result as { inserted: number; updated: number; count: number; failed: string };
    expect(result).toMatchObject({ inserted: 2500, updated: 2, count: 2500 });
    expect(result.failed).toMatch(/^sql block 'warehouse': duplicate key value violates unique constraint/);
    const rows = await pg.query<{ id: number; note: string }>('select id, note from "trips?" where id < 3 order by id');
    expect(rows).toEqual([{ id: 0, note: "first" }, { id: 1, note: "second" }, { id: 2, note: "even" }]);
    expect((await pg.query<{ n: number }>('select count(*)::int as n from "trips?"'))[0].n).toBe(2500);
  } finally {
    await pg.drop();
  }
});

describe("alerts", { timeout: SLOW }, () => {
  const received: Array<{ path: string; headers: http.IncomingHttpHeaders; body: any }> = [];
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ path: req.url ?? "", headers: req.headers, body: JSON.parse(body || "null") });
        res.statusCode = req.url === "/broken" ? 500 : 200;
        res.end(req.url === "/broken" ? "down for maintenance" : "ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("a flow's alerts option POSTs alertBody to the webhook block when a run fails", async () => {
    const home = tempDir("alerts-flow-home");
    const dir = tempDir("alerts-flow");
    expect((await cli(["blocks", "create", "webhook", "ops", "--value", JSON.stringify({ url: `${base}/flow`, headers: { "X-Token": "tok-123456" } })], { home })).code).toBe(0);
    fs.writeFileSync(path.join(dir, "fails.ts"), `import { flow } from "cellflow";\nexport const fails = flow({ name: "fails", alerts: { webhook: "ops" } }, async () => { throw new Error("disk full"); });\n`);
    const r = await cli(["run", path.join(dir, "fails.ts"), "--json"], { home });
    expect(r.code).toBe(1);
    const run = JSON.parse(r.stdout) as FlowRunJson;
    const alert = received.find((a) => a.path === "/flow" && a.body.flowRunId === run.id)!;
    expect(alert.headers["x-token"]).toBe("tok-123456");
    expect(alert.body).toMatchObject({ flowName: "fails", flowRunId: run.id, state: { type: "FAILED", name: "Failed" }, link: `cellflow runs show ${run.id}` });
    expect(alert.body.message).toContain("disk full");
    expect((await cli(["runs", "logs", run.id], { home })).stdout).toContain("alert sent to webhook 'ops' (Failed)");
  });

  it("a deployment's --alert: a failed worker run is alerted; a failing webhook is logged on the run and never changes it", async () => {
    const home = tempDir("alerts-deploy-home");
    const dir = tempDir("alerts-deploy");
    const file = writeFlow(dir);
    expect((await cli(["blocks", "create", "webhook", "good", "--value", JSON.stringify({ url: `${base}/deployment` })], { home })).code).toBe(0);
    expect((await cli(["blocks", "create", "webhook", "broken", "--value", JSON.stringify({ url: `${base}/broken` })], { home })).code).toBe(0);
    const d = await cli(["deploy", file, "--name", "alerted", "--alert", "good", "--alert", "broken", "-p", "fail=true"], { home });
    expect(d.code, d.stderr).toBe(0);
    const queued = await cliJson<FlowRunJson>(["deployments", "run", "alerted"], { home });
    // The broken webhook's 3 retries wait 20, 40, 80 ms (CELLFLOW_ALERT_RETRY_MS) instead of the default 0.5, 1, 2 s:
    // what is checked here is that every attempt is made and the failure logged, not the wait between them.
    process.env.CELLFLOW_ALERT_RETRY_MS = "20";
    const worker = await cli(["worker", "--once"], { home }).finally(() => delete process.env.CELLFLOW_ALERT_RETRY_MS);
    expect(worker.code, worker.stderr).toBe(0);
    const alert = await until("the alert", async () => received.find((a) => a.path === "/deployment" && a.body.flowRunId === queued.id));
    expect(alert.body.state).toEqual({ type: "FAILED", name: "Failed" });
    expect(received.filter((a) => a.path === "/broken" && a.body.flowRunId === queued.id).length).toBeGreaterThan(1);
    const run = await cliJson<FlowRunJson>(["runs", "show", queued.id], { home });
    expect(run.state.name).toBe("Failed");
    expect(run.state.message).toContain("asked to fail");
    const logs = (await cli(["runs", "logs", queued.id], { home })).stdout;
    expect(logs).toMatch(/alert to webhook 'broken' failed after 4 attempts: HTTP 500: down for maintenance/);
    expect(logs).toContain("alert sent to webhook 'good' (Failed)");
  });
});
