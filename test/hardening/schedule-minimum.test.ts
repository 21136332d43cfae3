// A minimum schedule interval (1 s, CELLFLOW_MIN_SCHEDULE_INTERVAL) for intervals, cron and RRULE, and a cap on
// the runs one scheduler pass creates.

import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseSchedule } from "../../src/schedule/parse-schedule.js";
import { planSchedules } from "../../src/deploy/deploy.js";
import { saveDeployments } from "../../src/deploy/deployment-store.js";
import { schedulerPass } from "../../src/deploy/scheduler.js";
import type { DeploymentRecord } from "../../src/deploy/types.js";
import { Store } from "../../src/store/store.js";
import { cli, errorLines, requireBuiltCli, SLOW, tempDir } from "../acceptance/helpers.js";

const ENV = "CELLFLOW_MIN_SCHEDULE_INTERVAL";

describe("the minimum schedule interval", () => {
  afterEach(() => {
    delete process.env[ENV];
  });

  it.each(["1ms", "500ms", 0.2])("interval %j is refused by default, naming the minimum and the variable", (every) => {
    expect(() => parseSchedule({ kind: "interval", every })).toThrow(/runs \d+ms apart, more often than the minimum schedule interval of 1s.*CELLFLOW_MIN_SCHEDULE_INTERVAL/);
  });

  it("interval 1s is the default minimum and is accepted", () => {
    expect(parseSchedule({ kind: "interval", every: "1s" })).toMatchObject({ kind: "interval", every: 1 });
  });

  it("the variable lowers or raises the minimum", () => {
    process.env[ENV] = "500ms";
    expect(parseSchedule({ kind: "interval", every: "500ms" })).toMatchObject({ every: 0.5 });
    process.env[ENV] = "5m";
    expect(() => parseSchedule({ kind: "interval", every: "1m" })).toThrow(/minimum schedule interval of 5m/);
    expect(() => parseSchedule({ kind: "cron", expression: "* * * * *" })).toThrow(/cron '\* \* \* \* \*' runs 1m apart/);
  });

  it("FREQ=SECONDLY with a too-small interval is refused; one at the minimum is accepted", () => {
    process.env[ENV] = "5s";
    expect(() => parseSchedule({ kind: "rrule", rule: "FREQ=SECONDLY;INTERVAL=2" })).toThrow(/RRULE 'FREQ=SECONDLY;INTERVAL=2' runs 2s apart/);
    expect(() => parseSchedule({ kind: "rrule", rule: "FREQ=MINUTELY;BYSECOND=0,1,30" })).toThrow(/runs 1s apart/);
    expect(parseSchedule({ kind: "rrule", rule: "FREQ=SECONDLY;INTERVAL=5" })).toMatchObject({ kind: "rrule" });
  });

  it("a bad value of the variable is one clear error", () => {
    process.env[ENV] = "soon";
    expect(() => parseSchedule({ kind: "interval", every: "1h" })).toThrow(/CELLFLOW_MIN_SCHEDULE_INTERVAL='soon' is not a duration/);
  });
});

describe("`cellflow deploy --interval 1ms`", { timeout: SLOW }, () => {
  it("exits 2 with one line and creates no deployment", async () => {
    requireBuiltCli();
    const dir = tempDir("min-interval");
    const home = tempDir("min-interval-home");
    fs.writeFileSync(path.join(dir, "f.ts"), `import { flow } from "cellflow";\nexport const f = flow("f", async () => 1);\n`);
    const r = await cli(["deploy", `${path.join(dir, "f.ts")}:f`, "--name", "fast", "--interval", "1ms"], { home });
    expect(r.code).toBe(2);
    expect(errorLines(r)).toHaveLength(1);
    expect(r.stderr).toContain("more often than the minimum schedule interval");
    const listed = await cli(["deployments", "ls", "--json"], { home });
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });
});

describe("a cap on runs created per scheduler pass", () => {
  const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);
  const MIN = 60_000;
  const deployment = (i: number): DeploymentRecord => ({
    id: crypto.randomUUID(), name: `d${i}`, entrypoint: "/nowhere/flow.ts:f", flowName: "f", parameters: {}, catchup: "all",
    alerts: [], paused: false, schedules: planSchedules([{ kind: "interval", every: "1m", anchor: new Date(T0).toISOString() }], T0), createdAt: T0, updatedAt: T0,
  });
  const count = (store: Store) => (store.db.prepare("SELECT count(*) AS n FROM flow_runs").get() as { n: number }).n;

  it("by default one pass creates at most 1000 runs, however many schedules are due", () => {
    const store = Store.open(tempDir("pass-cap"));
    // 20 deployments missed an hour of minutes each: 20 × 63 runs wanted.
    saveDeployments(store, Array.from({ length: 20 }, (_, i) => deployment(i)));
    const pass = schedulerPass(store, T0 + 60 * MIN + 30_000, { lateAfterMs: 15_000 });
    expect(pass.created).toBe(1000);
    expect(count(store)).toBe(1000);
    const next = schedulerPass(store, T0 + 60 * MIN + 31_000, { lateAfterMs: 15_000 });
    expect(next.created).toBe(20 * 63 - 1000);
    store.close();
  });

  it("maxRunsPerPass cuts a schedule short; later passes plan the rest, each time once", () => {
    const store = Store.open(tempDir("pass-cap-option"));
    saveDeployments(store, [deployment(0)]);
    const now = T0 + 60 * MIN + 30_000;
    const created: number[] = [];
    for (let i = 0; i < 8; i++) created.push(schedulerPass(store, now, { lateAfterMs: 15_000, maxRunsPerPass: 10 }).created);
    expect(created).toEqual([10, 10, 10, 10, 10, 10, 3, 0]);
    const times = (store.db.prepare("SELECT scheduled_time AS t FROM flow_runs ORDER BY t").all() as Array<{ t: number }>).map((r) => (r.t - T0) / MIN);
    expect(times).toEqual(Array.from({ length: 63 }, (_, i) => i + 1));
    store.close();
  });
});
