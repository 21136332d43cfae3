// Result files and key files under stress: a corrupt result file is replaced when its task executes again, a
// failed result write leaves no temp file, and reading blocks never creates a missing secret.key.

import fs from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { configureStore, getEngine } from "../../src/engine/engine.js";
import { resultPath, writeResultFile } from "../../src/store/results.js";
import { serializeResult } from "../../src/store/serialize.js";
import { Block, flow, task } from "../../src/index.js";
import { CellflowError } from "../../src/core/errors.js";
import { byKey, flushed, freshStore, tempHome } from "../engine/helpers.js";
import { cli, requireBuiltCli, SLOW } from "../acceptance/helpers.js";

let home: string;
beforeEach(() => {
  home = freshStore();
});

function resultRefOf(taskRunId: string): string | null {
  return flushed().getTaskRunRow(taskRunId)?.result_ref ?? null;
}

describe("result files", () => {
  it("a corrupt result file is replaced when the task executes again, so the next rerun reuses it", async () => {
    let fail = true;
    let calls = 0;
    const big = task("big", () => (calls++, { text: "y".repeat(8000) }));
    const last = task("last", (x: { text: string }) => {
      if (fail) throw new Error("broke");
      return x.text.length;
    });
    const f = flow("f", async () => last(await big()));
    const first = await f.run();
    const ref = resultRefOf(byKey(first.taskRuns, "big-0").id)!;
    const file = resultPath(path.join(home, "results"), ref);
    fs.writeFileSync(file, "garbage");
    configureStore(home); // a new process: nothing in memory
    const second = await f.run(undefined, { resume: first });
    expect(calls).toBe(2);
    expect(fs.readFileSync(file).equals(serializeResult({ text: "y".repeat(8000) }).bytes!)).toBe(true);
    fail = false;
    configureStore(home);
    const third = await f.run(undefined, { resume: second });
    expect(third.state.name).toBe("Completed");
    expect(byKey(third.taskRuns, "big-0").state.name).toBe("Cached");
    expect(calls).toBe(2);
  });

  it("a corrupt result stored inline is replaced when the task executes again, so the next rerun reuses it", async () => {
    let fail = true;
    let calls = 0;
    const small = task("small", () => (calls++, { rows: 42 }));
    const last = task("last", (x: { rows: number }) => {
      if (fail) throw new Error("broke");
      return x.rows;
    });
    const f = flow("f", async () => last(await small()));
    const first = await f.run();
    const ref = resultRefOf(byKey(first.taskRuns, "small-0").id)!;
    const db = getEngine().store.db;
    const good = (db.prepare("SELECT bytes FROM results WHERE ref = ?").get(ref) as { bytes: Buffer }).bytes;
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 1] ^= 0xff;
    db.prepare("UPDATE results SET bytes = ? WHERE ref = ?").run(corrupt, ref);
    configureStore(home); // a new process: nothing in memory
    const second = await f.run(undefined, { resume: first });
    expect(byKey(second.taskRuns, "small-0").cacheReason).toMatch(/unreadable/);
    expect(calls).toBe(2);
    const stored = (flushed().db.prepare("SELECT bytes FROM results WHERE ref = ?").get(ref) as { bytes: Buffer }).bytes;
    expect(stored.equals(good)).toBe(true);
    fail = false;
    configureStore(home);
    const third = await f.run(undefined, { resume: second });
    expect(third.state.name).toBe("Completed");
    expect(byKey(third.taskRuns, "small-0").state.name).toBe("Cached");
    expect(calls).toBe(2);
  });

  it("a result write that fails leaves no temp file behind", () => {
    const dir = path.join(tempHome(), "results");
    const { bytes, ref } = serializeResult({ text: "z".repeat(8000) });
    // The target name is taken by a folder: the rename fails after the temp file was written.
    fs.mkdirSync(resultPath(dir, ref), { recursive: true });
    expect(() => writeResultFile(dir, ref, bytes!)).toThrow();
    const left = fs.readdirSync(path.dirname(resultPath(dir, ref)));
    expect(left.filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });
});

describe("secret.key", () => {
  it("Block.load with the key missing is a BLOCK error with a hint, and does not create a key", async () => {
    await Block.save("secret", "api", { value: "s3cr3t-value" });
    const keyFile = path.join(home, "secret.key");
    fs.rmSync(keyFile);
    const error = await Block.load("secret", "api").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CellflowError);
    expect((error as CellflowError).message).toMatch(/secret\.key is missing.*restore/);
    expect(fs.existsSync(keyFile)).toBe(false);
    // Saving another block would seal it with a new key the old blocks do not share: refused too.
    await expect(Block.save("json", "other", { a: 1 })).rejects.toThrow(/secret\.key is missing/);
    expect(fs.existsSync(keyFile)).toBe(false);
    getEngine().close();
  });
});

describe("secret.key from the CLI", { timeout: SLOW }, () => {
  requireBuiltCli();
  it("blocks show and blocks ls never re-create a missing key", async () => {
    const cliHome = tempHome();
    expect((await cli(["blocks", "create", "secret", "api", "--value", "s3cr3t-value"], { home: cliHome })).code).toBe(0);
    fs.rmSync(path.join(cliHome, "secret.key"));
    const shown = await cli(["blocks", "show", "secret/api"], { home: cliHome });
    expect(shown.code).toBe(2);
    expect(shown.stderr.trim().split("\n")).toHaveLength(1);
    expect(shown.stderr).toContain("secret.key is missing");
    expect((await cli(["blocks", "ls"], { home: cliHome })).code).toBe(0);
    expect(fs.existsSync(path.join(cliHome, "secret.key"))).toBe(false);
  });
});
