// Scheduler planning in process: catch-up policies, Late marking, idempotent run creation, the YAML subset.

import { describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { planSchedule } from "../../src/deploy/plan.js";
import { planSchedules } from "../../src/deploy/deploy.js";
import { saveDeployments } from "../../src/deploy/deployment-store.js";
import { schedulerPass } from "../../src/deploy/scheduler.js";
import { parseYaml } from "../../src/deploy/yaml-file.js";
import type { CatchupPolicy, DeploymentRecord } from "../../src/deploy/types.js";
import { claimDueRuns } from "../../src/worker/claim.js";
import { tempDir } from "../acceptance/helpers.js";

const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);
const MIN = 60_000;

function everyMinute(through: number) {
  return { ...planSchedules([{ kind: "interval", every: "1m", anchor: new Date(T0).toISOString() }], through)[0] };
}

describe("planSchedule after downtime (a 1-minute interval, last planned at T0, now T0 + 10.5 min, Late after 15 s)", () => {
  const now = T0 + 10 * MIN + 30_000;
  const cases: Array<[CatchupPolicy, number[], number]> = [
    ["all", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0],
    ["once", [10], 9],
    ["skip", [], 10],
  ];
  for (const [policy, missedKept, skipped] of cases) {
    it(`catch-up '${policy}' keeps missed minutes ${JSON.stringify(missedKept)} and skips ${skipped}, then plans ahead`, () => {
      const plan = planSchedule(everyMinute(T0), policy, now, { lateAfterMs: 15_000 });
      const minutes = plan.create.map((t) => (t - T0) / MIN);
      expect(minutes.filter((m) => m <= 10)).toEqual(missedKept);
      expect(minutes.filter((m) => m > 10)).toEqual([11, 12, 13]);
      expect(plan.skipped).toBe(skipped);
      expect(plan.through).toBe(T0 + 13 * MIN);
    });
  }

  it("a slot due less than the Late threshold ago is due, not missed: it runs under every policy", () => {
    const plan = planSchedule(everyMinute(T0), "skip", T0 + MIN + 5_000, { lateAfterMs: 15_000 });
    expect(plan.create.map((t) => (t - T0) / MIN)).toEqual([1, 2, 3, 4]);
  });
});

describe("schedulerPass against a store", () => {
  function deployment(catchup: CatchupPolicy, through: number): DeploymentRecord {
    return {
      id: crypto.randomUUID(), name: `d-${catchup}`, entrypoint: "/nowhere/flow.ts:f", flowName: "f", parameters: { a: 1 }, catchup,
      alerts: [], paused: false, schedules: planSchedules([{ kind: "interval", every: "1m", anchor: new Date(T0).toISOString() }], through), createdAt: through, updatedAt: through,
    };
  }

  it("creates each (deployment, time) run once even when two passes race, marks unstarted runs Late, and claims each once", () => {
    const home = tempDir("plan-store");
    const a = Store.open(home);
    const b = Store.open(home);
    const d = deployment("all", T0);
    saveDeployments(a, [d]);
    const first = schedulerPass(a, T0 + 30_000, { lateAfterMs: 15_000 });
    // The second store re-plans from the same row as if it had read it before the first pass saved.
    b.db.prepare("UPDATE deployment_schedules SET scheduled_through = ?, upcoming = '[]'").run(T0);
    const second = schedulerPass(b, T0 + 30_000, { lateAfterMs: 15_000 });
    expect(first.created).toBe(3);
    expect(second.created).toBe(0);
    const late = schedulerPass(a, T0 + 2 * MIN + 20_000, { lateAfterMs: 15_000 });
    expect(late.late.map((r) => r.scheduledTime! - T0)).toEqual([MIN, 2 * MIN]);
    expect(late.late.every((r) => r.state.type === "SCHEDULED" && r.state.name === "Late")).toBe(true);
    const claimedA = claimDueRuns(a, "host:1:a", 10, T0 + 2 * MIN + 20_000);
    const claimedB = claimDueRuns(b, "host:2:b", 10, T0 + 2 * MIN + 20_000);
    expect(claimedA.map((r) => r.state.name)).toEqual(["Pending", "Pending"]);
    expect(claimedB).toEqual([]);
    a.close();
    b.close();
  });

  it("catch-up 'once' cancels all but the newest missed run already in the store", () => {
    const home = tempDir("plan-once");
    const store = Store.open(home);
    saveDeployments(store, [deployment("once", T0)]);
    schedulerPass(store, T0 + 1000, { lateAfterMs: 15_000, leadMs: 5 * MIN });
    const pass = schedulerPass(store, T0 + 10 * MIN, { lateAfterMs: 15_000 });
    const rows = store.db.prepare("SELECT state_name, state_message, scheduled_time FROM flow_runs ORDER BY scheduled_time").all() as Array<{ state_name: string; state_message: string; scheduled_time: number }>;
    const missed = rows.filter((r) => r.scheduled_time <= T0 + 10 * MIN - 15_000);
    expect(missed.filter((r) => r.state_name !== "Cancelled").map((r) => (r.scheduled_time - T0) / MIN)).toEqual([9]);
    expect(missed.filter((r) => r.state_name === "Cancelled").every((r) => r.state_message.includes("catch-up policy 'once'"))).toBe(true);
    // Minutes 1-6 were planned before the downtime and are cancelled; 7 and 8 were never created; 10 is due, not missed.
    expect(missed.map((r) => (r.scheduled_time - T0) / MIN)).toEqual([1, 2, 3, 4, 5, 6, 9]);
    expect([...pass.skipped.values()].reduce((x, y) => x + y, 0)).toBe(6 + 2);
    store.close();
  });
});

describe("cellflow.yaml through the yaml package", () => {
  const cases: Array<[string, string, unknown]> = [
    ["mappings, lists of mappings, comments", "a: 1 # one\nb:\n  - x: 'it''s'\n    y: [1, 2]\n  - z\n", { a: 1, b: [{ x: "it's", y: [1, 2] }, "z"] }],
    ["a list at its key's indentation", "list:\n- 1\n- true\n- ~\n", { list: [1, true, null] }],
    ["flow mappings with plain scalars", "p: {months: [1, 2], color: green}\n", { p: { months: [1, 2], color: "green" } }],
    ["JSON", '{"deployments": []}', { deployments: [] }],
    ["strings that look like times", "at: 2025-01-06T12:00\ncron: \"0 2 * * *\"\n", { at: "2025-01-06T12:00", cron: "0 2 * * *" }],
    ["literal and folded block strings", "sql: |\n  select 1\n  from t\nnote: >\n  one\n  line\n", { sql: "select 1\nfrom t\n", note: "one line\n" }],
    ["anchors and aliases", "base: &p {size: 10}\nnightly: *p\n", { base: { size: 10 }, nightly: { size: 10 } }],
  ];
  for (const [what, text, expected] of cases) it(what, () => expect(parseYaml(text)).toEqual(expected));

  it("refuses tabs, duplicate keys, bad indentation and hostile nesting with line and column", () => {
    expect(() => parseYaml("a:\n\t- 1\n")).toThrow(/^cellflow.yaml line 2, column 1: Tabs are not allowed as indentation — /);
    expect(() => parseYaml("a: 1\na: 2\n")).toThrow(/^cellflow.yaml line 2, column 1: Map keys must be unique — /);
    expect(() => parseYaml("a: b: c\n", "deploy.yaml")).toThrow(/^deploy.yaml line 1, column 4: Nested mappings are not allowed/);
    expect(() => parseYaml("x: " + "[".repeat(100) + "]".repeat(100))).toThrow(/nested more than 64 levels deep/);
  });
});
