// A loaded secret never leaves the process in clear: not in the alert body, the console, `runs show` (text or
// --json), the logs or the store's bytes (WAL included); webhook URL passwords are masked; the store is owner-only.

import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, cliJson, CLI, requireBuiltCli, SLOW, startCli, tempDir, type CliResult, type FlowRunJson } from "../acceptance/helpers.js";

requireBuiltCli();

const SECRET = "tok-9Xq2-unique-secret-value";
const HOOK_PASSWORD = "hook-pw-77Kd-unique";

function cliWithStdin(args: string[], home: string, input: string): Promise<number | null> {
  const env: NodeJS.ProcessEnv = { ...process.env, CELLFLOW_HOME: home };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["pipe", "ignore", "ignore"] });
  child.stdin.end(input);
  return new Promise((resolve) => child.on("close", (code) => resolve(code)));
}

/** Every byte of the database files, WAL and shared memory included. */
function storeBytes(home: string): Buffer {
  return Buffer.concat(fs.readdirSync(home).filter((f) => f.startsWith("cellflow.db")).map((f) => fs.readFileSync(path.join(home, f))));
}

const FLOW = `import { Block, flow, task } from "cellflow";
const call = task("call-api", async () => {
  const key = (await Block.load("secret", "api-key")).get();
  throw new Error("the API refused key " + key);
});
export const leaky = flow({ name: "leaky", alerts: { webhook: "ops-hook", on: ["Failed"] } }, async () => {
  await call();
});
`;

describe("a secret thrown in a task's error", { timeout: SLOW }, () => {
  const home = tempDir("secrets-home");
  const dir = tempDir("secrets-flow");
  const received: Array<{ body: string; authorization: string | undefined }> = [];
  let server: http.Server;
  let run: CliResult;
  let runId: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ body, authorization: req.headers.authorization });
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    expect(await cliWithStdin(["blocks", "create", "secret", "api-key", "--secret-stdin"], home, SECRET)).toBe(0);
    const hook = JSON.stringify({ url: `http://alerts:${HOOK_PASSWORD}@127.0.0.1:${port}/hook` });
    expect((await cli(["blocks", "create", "webhook", "ops-hook", "--value", hook], { home })).code).toBe(0);
    fs.writeFileSync(path.join(dir, "leaky.ts"), FLOW);
    run = await startCli(["run", path.join(dir, "leaky.ts")], { home }).done;
    const list = await cliJson<FlowRunJson[]>(["runs", "ls"], { home });
    runId = list[0].id;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("fails the run, and the console shows the error masked", () => {
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout + run.stderr).toContain("the API refused key ****");
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });

  it("sends the alert masked, authenticated with the URL's credentials as Basic auth", () => {
    expect(received.length).toBe(1);
    expect(received[0].body).toContain("****");
    expect(received[0].body).not.toContain(SECRET);
    expect(received[0].authorization).toBe(`Basic ${Buffer.from(`alerts:${HOOK_PASSWORD}`).toString("base64")}`);
  });

  it("keeps it out of runs show, --json, the logs and the store's bytes", async () => {
    const text = await cli(["runs", "show", runId], { home });
    expect(text.stdout).toContain("****");
    const json = await cli(["runs", "show", runId, "--json"], { home });
    const parsed = JSON.parse(json.stdout) as FlowRunJson & { error?: { message: string } };
    expect(parsed.state.message).toContain("****");
    const logs = await cli(["runs", "logs", runId], { home });
    expect(logs.stdout).toContain("****");
    for (const out of [text.stdout, json.stdout, logs.stdout, text.stderr, json.stderr]) expect(out).not.toContain(SECRET);
    const bytes = storeBytes(home);
    expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
    expect(bytes.includes(Buffer.from(HOOK_PASSWORD))).toBe(false);
  });

  it("blocks show masks the password of a webhook URL", async () => {
    const shown = await cli(["blocks", "show", "webhook/ops-hook"], { home });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("alerts:****@127.0.0.1");
    expect(shown.stdout).not.toContain(HOOK_PASSWORD);
  });
});

describe("store files are owner-only", { timeout: SLOW }, () => {
  const mode = (p: string) => fs.statSync(p).mode & 0o777;

  it("cellflow init makes the folder 0700 and the database 0600, and tightens an older store", async () => {
    const cwd = tempDir("init-perms");
    const r = await cli(["init"], { home: "", cwd });
    expect(r.code, r.stderr).toBe(0);
    const home = path.join(cwd, ".cellflow");
    expect(mode(home)).toBe(0o700);
    expect(mode(path.join(home, "cellflow.db"))).toBe(0o600);
    fs.chmodSync(home, 0o755);
    fs.chmodSync(path.join(home, "cellflow.db"), 0o644);
    expect((await cli(["init"], { home: "", cwd })).code).toBe(0);
    expect(mode(home)).toBe(0o700);
    expect(mode(path.join(home, "cellflow.db"))).toBe(0o600);
  });

  it("any command that creates a store creates it owner-only, and the key file 0600", async () => {
    const home = path.join(tempDir("perms-parent"), "store");
    expect(await cliWithStdin(["blocks", "create", "secret", "k", "--secret-stdin"], home, SECRET)).toBe(0);
    expect(mode(home)).toBe(0o700);
    expect(mode(path.join(home, "cellflow.db"))).toBe(0o600);
    expect(mode(path.join(home, "secret.key"))).toBe(0o600);
  });
});
