// A tag-limit slot held by a SIGKILLed process never blocks others: the waiter reaps dead owners' slots while it waits.

import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli, requireBuiltCli, SLOW, startCli, tempDir, until, type CliResult } from "../acceptance/helpers.js";

requireBuiltCli();

const HOLDER = `import fs from "node:fs";
import path from "node:path";
import { flow, task } from "cellflow";

const dir = path.dirname(new URL(import.meta.url).pathname);
const hold = task({ name: "hold", tags: ["db"] }, async () => {
  fs.writeFileSync(path.join(dir, "holding"), "");
  await new Promise((r) => setTimeout(r, 600_000));
});
export const holder = flow("holder", async () => hold());
`;

const WAITER = `import fs from "node:fs";
import path from "node:path";
import { flow, task } from "cellflow";

const dir = path.dirname(new URL(import.meta.url).pathname);
const use = task({ name: "use", tags: ["db"] }, () => fs.writeFileSync(path.join(dir, "used"), ""));
export const waiter = flow("waiter", async () => {
  fs.writeFileSync(path.join(dir, "waiting"), "");
  await use();
});
`;

describe("a waiter for a tag slot held by a killed process", { timeout: SLOW }, () => {
  const dir = tempDir("slot-reap");
  const home = tempDir("slot-reap-home");
  const children: Array<{ kill: (signal: NodeJS.Signals) => boolean }> = [];
  afterAll(() => children.forEach((c) => c.kill("SIGKILL")));

  it("proceeds once the holder is SIGKILLed, without any other command opening the store", async () => {
    fs.writeFileSync(path.join(dir, "holder.ts"), HOLDER);
    fs.writeFileSync(path.join(dir, "waiter.ts"), WAITER);
    expect((await cli(["limits", "set", "db", "1"], { home })).code).toBe(0);

    const holder = startCli(["run", path.join(dir, "holder.ts")], { home });
    children.push(holder.child);
    await until("the holder to take the slot", async () => (fs.existsSync(path.join(dir, "holding")) ? true : undefined));
    const waiter = startCli(["run", path.join(dir, "waiter.ts")], { home });
    children.push(waiter.child);
    await until("the waiter to start its flow", async () => (fs.existsSync(path.join(dir, "waiting")) ? true : undefined));
    // Give the waiter time to find the slot taken, so it is waiting (not opening the store) when the holder dies.
    await new Promise((r) => setTimeout(r, 500));
    expect(fs.existsSync(path.join(dir, "used"))).toBe(false);

    holder.child.kill("SIGKILL");
    const limit = new Promise<CliResult | "still waiting">((resolve) => setTimeout(() => resolve("still waiting"), 60_000).unref());
    const result = await Promise.race([waiter.done, limit]);
    expect(result).not.toBe("still waiting");
    expect((result as CliResult).code, (result as CliResult).stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, "used"))).toBe(true);
  });
});
