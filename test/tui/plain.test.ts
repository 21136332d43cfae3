import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempHome } from "../engine/helpers.js";
import { writeNotebook } from "./helpers.js";

// Runs the built CLI (npm test builds dist/ first) with stdout piped: no Ink, one line per state change.
const CLI = path.resolve(fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url)));

const cells = [
  'import fs from "node:fs";\nimport { task } from "cellflow";',
  'const extract = task("extract", () => [1, 2, 3]);\nconst check = task("check", (rows: number[]) => {\n  if (fs.existsSync("fail.marker")) throw new Error("marker says fail");\n  return rows.length;\n});',
  "await check(await extract());",
];

function runTui(dir: string, file: string) {
  return spawnSync(process.execPath, [CLI, "tui", file], {
    cwd: dir,
    env: { ...process.env, CELLFLOW_HOME: path.join(dir, "home"), NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "pipe"],
    encoding: "utf8",
    timeout: 120_000,
  });
}

describe("cellflow tui without a terminal", () => {
  it.skipIf(!fs.existsSync(CLI))("runs the notebook as one run, a line per state change, exit 0 when Completed", () => {
    const dir = tempHome("cellflow-tui-plain-");
    const result = runTui(dir, writeNotebook(dir, cells));
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/▶ task extract-0 Running/);
    expect(result.stdout).toMatch(/✓ task extract-0 Completed/);
    expect(result.stdout).toMatch(/✓ task check-0 Completed/);
    expect(result.stdout).toMatch(/flow run nb-\S+ \(.*\) Completed in/);
    expect(result.status).toBe(0);
  });

  it.skipIf(!fs.existsSync(CLI))("exits 1 when the run fails", () => {
    const dir = tempHome("cellflow-tui-plain-");
    fs.writeFileSync(path.join(dir, "fail.marker"), "");
    const result = runTui(dir, writeNotebook(dir, cells));
    expect(result.stdout).toMatch(/✗ task check-0 Failed/);
    expect(result.stdout).toMatch(/Failed in .*marker says fail/);
    expect(result.status).toBe(1);
  });

  it.skipIf(!fs.existsSync(CLI))("without a notebook says what to pass, exit 2", () => {
    const dir = tempHome("cellflow-tui-plain-");
    const result = spawnSync(process.execPath, [CLI, "tui"], { cwd: dir, env: { ...process.env, CELLFLOW_HOME: path.join(dir, "home") }, encoding: "utf8", stdio: "pipe" });
    expect(result.stderr).toMatch(/cellflow tui needs a terminal .* pass a notebook to run it headless/);
    expect(result.status).toBe(2);
  });
});
