// Strict parameter names on every path (`run` .ts and .ipynb, `deploy`, `deployments run`, cellflow.yaml): an
// unknown name is refused before anything runs or is saved, with the known names and the closest one.

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, cli, cliJson, copyNotebooks, errorLines, requireBuiltCli, SLOW, tempDir } from "./helpers.js";

requireBuiltCli();

const ETL_KNOWN = "known: source, size, db, csv";

async function runsIn(home: string): Promise<unknown[]> {
  return cliJson<unknown[]>(["runs", "ls"], { home });
}

async function deploymentsIn(home: string): Promise<unknown[]> {
  return cliJson<unknown[]>(["deployments", "ls"], { home });
}

function refusedWith(r: { code: number | null; stderr: string }, line: string): void {
  expect(r.code, r.stderr).toBe(2);
  expect(errorLines(r as never)).toEqual([`error: ${line}`]);
}

describe("unknown parameter names are refused before anything runs", { timeout: SLOW }, () => {
  it("cellflow run flows/etl.ts -p sizee=5 (a zod schema's keys)", async () => {
    const home = tempDir("strict-run");
    const out = tempDir("strict-run-out");
    const r = await cli(["run", path.join(ROOT, "flows/etl.ts"), "-p", "sizee=5"], { home, cwd: out });
    refusedWith(r, `unknown parameter 'sizee' for flow etl; ${ETL_KNOWN} — did you mean 'size'?`);
    expect(await runsIn(home)).toEqual([]);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it("a flow without a schema: the names its function destructures; a far-off name gets the list only", async () => {
    const home = tempDir("strict-plain");
    const dir = tempDir("strict-plain-flow");
    const file = path.join(dir, "plain.ts");
    fs.writeFileSync(file, 'import { flow } from "cellflow";\nexport const plain = flow("plain", async ({ rows = 3, label = "x" }: { rows?: number; label?: string }) => `${label}${rows}`);\n');
    const typo = await cli(["run", file, "-p", "row=4"], { home, cwd: dir });
    refusedWith(typo, "unknown parameter 'row' for flow plain; known: rows, label — did you mean 'rows'?");
    const far = await cli(["run", file, "-p", "colour=red"], { home, cwd: dir });
    refusedWith(far, "unknown parameter 'colour' for flow plain; known: rows, label — use one of: rows, label");
    const ok = await cliJson<{ result: string }>(["run", file, "-p", "rows=4"], { home, cwd: dir });
    expect(ok.result).toBe("x4");
  });

  it("cellflow run notebook.ipynb -p sizze=5: the parameters cell declares the names", async () => {
    const home = tempDir("strict-nb");
    const dir = copyNotebooks();
    const r = await cli(["run", path.join(dir, "etl-complaints.ipynb"), "-p", "sizze=5"], { home, cwd: dir });
    refusedWith(r, "unknown parameter 'sizze' for notebook etl-complaints; known: source, size, outDir — did you mean 'size'?");
    expect(await runsIn(home)).toEqual([]);
    expect(fs.existsSync(path.join(dir, "out"))).toBe(false);
  });

  it("cellflow deploy, for a flow and for a notebook", async () => {
    const home = tempDir("strict-deploy");
    const dir = copyNotebooks();
    const flowDeploy = await cli(["deploy", path.join(ROOT, "flows/etl.ts"), "--name", "etl-daily", "-p", "sise=5"], { home });
    refusedWith(flowDeploy, `unknown parameter 'sise' for flow etl; ${ETL_KNOWN} — did you mean 'size'?`);
    const nbDeploy = await cli(["deploy", path.join(dir, "taxi-ingest.ipynb"), "--name", "taxi", "-p", "mnth=2"], { home });
    refusedWith(nbDeploy, "unknown parameter 'mnth' for notebook taxi-ingest; known: color, year, month, outDir, databaseUrl — did you mean 'month'?");
    expect(await deploymentsIn(home)).toEqual([]);
  });

  it("cellflow deployments run -p, for a flow and for a notebook: nothing is queued", async () => {
    const home = tempDir("strict-queue");
    const dir = copyNotebooks();
    expect((await cli(["deploy", path.join(ROOT, "flows/etl.ts"), "--name", "etl-daily", "-p", "size=5"], { home })).code).toBe(0);
    expect((await cli(["deploy", path.join(dir, "taxi-ingest.ipynb"), "--name", "taxi", "-p", "month=2"], { home })).code).toBe(0);
    refusedWith(await cli(["deployments", "run", "etl-daily", "-p", "szie=5"], { home }), `unknown parameter 'szie' for flow etl; ${ETL_KNOWN} — did you mean 'size'?`);
    refusedWith(await cli(["deployments", "run", "taxi", "-p", "colr=green"], { home }), "unknown parameter 'colr' for notebook taxi-ingest; known: color, year, month, outDir, databaseUrl — did you mean 'color'?");
    expect(await runsIn(home)).toEqual([]);
  });

  it("cellflow.yaml: deploy --all refuses a deployment with an unknown parameter and saves none", async () => {
    const home = tempDir("strict-yaml");
    const dir = tempDir("strict-yaml-project");
    fs.writeFileSync(path.join(dir, "load.ts"), 'import { flow } from "cellflow";\nexport const load = flow("load", async ({ size = 1, db = "x.db" }: { size?: number; db?: string }) => `${size} into ${db}`);\n');
    fs.writeFileSync(
      path.join(dir, "cellflow.yaml"),
      `deployments:\n  - name: good\n    entrypoint: load.ts:load\n    parameters:\n      size: 5\n  - name: typo\n    entrypoint: load.ts:load\n    parameters:\n      dbb: out/c.db\n`,
    );
    const r = await cli(["deploy", "--all", "--file", path.join(dir, "cellflow.yaml")], { home, cwd: dir });
    refusedWith(r, "unknown parameter 'dbb' for flow load; known: size, db — did you mean 'db'?");
    expect(await deploymentsIn(home)).toEqual([]);
  });
});
