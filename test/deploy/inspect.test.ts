// `deploy` and `deployments inspect|ls|pause|resume|rm` through the CLI: next run times across DST, RRULE, bad input.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { cli, cliJson, errorLines, requireBuiltCli, SLOW, tempDir } from "../acceptance/helpers.js";
import { withDb, writeFlow } from "./helpers.js";

requireBuiltCli();

/** The deployments and blocks in the store, read in this process: "nothing saved" is checked for 13 cases, and two
 * CLI processes each (`deployments ls`, `blocks ls`) cost more than the commands under test. */
function saved(home: string): { deployments: string[]; blocks: string[] } {
  if (!existsSync(join(home, "cellflow.db"))) return { deployments: [], blocks: [] };
  return withDb(home, (db) => ({
    deployments: (db.prepare("SELECT name FROM deployments").all() as Array<{ name: string }>).map((r) => r.name),
    blocks: (db.prepare("SELECT type || '/' || name AS ref FROM blocks").all() as Array<{ ref: string }>).map((r) => r.ref),
  }));
}

interface InspectJson {
  name: string;
  paused: boolean;
  schedules: Array<{ position: number; kind: string; timezone: string; active: boolean; description: string }>;
  nextRuns: Array<{ time: string; timezone: string; schedule: number }>;
}

// Each test has its own store: they run concurrently, so their CLI processes overlap rather than queue.
describe.concurrent("deployments inspect", { timeout: SLOW }, () => {
  const dir = tempDir("inspect");
  const file = writeFlow(dir);

  it("cron next times across a DST change in Europe/Berlin: a skipped 02:30 runs at 03:30, offsets follow the zone", async () => {
    const home = tempDir("inspect-cron-home");
    // 02:30 on Sundays of March and October: the next five always include a last Sunday (a DST change day).
    const r = await cli(["deploy", file, "--name", "dst", "--cron", "30 2 * 3,10 0", "--timezone", "Europe/Berlin"], { home });
    expect(r.code, r.stderr).toBe(0);
    const shown = await cliJson<InspectJson>(["deployments", "inspect", "dst"], { home });
    expect(shown.nextRuns).toHaveLength(5);
    const times = shown.nextRuns.map((n) => DateTime.fromISO(n.time, { setZone: true }));
    for (let i = 1; i < times.length; i++) expect(times[i].toMillis()).toBeGreaterThan(times[i - 1].toMillis());
    for (const t of times) {
      const local = t.setZone("Europe/Berlin");
      expect(t.offset).toBe(local.offset);
      expect(local.weekday).toBe(7);
      const lastSundayOfMarch = local.month === 3 && local.plus({ weeks: 1 }).month === 4;
      expect(local.toFormat("HH:mm")).toBe(lastSundayOfMarch ? "03:30" : "02:30");
    }
    // The five always include a DST change day: the last Sunday of March or of October.
    const changeDays = times.map((t) => t.setZone("Europe/Berlin")).filter((t) => (t.month === 3 || t.month === 10) && t.plus({ weeks: 1 }).month !== t.month);
    expect(changeDays.length).toBeGreaterThanOrEqual(1);
  });

  it("RRULE: weekly on Monday at 09:00 New York time, every result a Monday 09:00 local", async () => {
    const home = tempDir("inspect-rrule-home");
    const r = await cli(["deploy", file, "--name", "weekly", "--rrule", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0;BYSECOND=0", "--timezone", "America/New_York"], { home });
    expect(r.code, r.stderr).toBe(0);
    const shown = await cliJson<InspectJson>(["deployments", "inspect", "weekly"], { home });
    expect(shown.schedules[0]).toMatchObject({ kind: "rrule", timezone: "America/New_York", active: true });
    const local = shown.nextRuns.map((n) => DateTime.fromISO(n.time, { setZone: true }).setZone("America/New_York"));
    expect(local).toHaveLength(5);
    for (const [i, t] of local.entries()) {
      expect([t.weekday, t.hour, t.minute]).toEqual([1, 9, 0]);
      if (i > 0) expect(t.diff(local[i - 1], "days").days).toBeCloseTo(7, 1);
    }
  });

  it("several schedules merge; pause and resume one; rm removes the deployment", async () => {
    const home = tempDir("inspect-multi-home");
    const r = await cli(["deploy", file, "--name", "multi", "--cron", "0 12 * * *", "--interval", "1h", "--timezone", "Asia/Tokyo"], { home });
    expect(r.code, r.stderr).toBe(0);
    let shown = await cliJson<InspectJson>(["deployments", "inspect", "multi"], { home });
    expect(shown.schedules.map((s) => s.kind)).toEqual(["cron", "interval"]);
    expect(new Set(shown.nextRuns.map((n) => n.schedule))).toContain(2);
    expect((await cli(["deployments", "pause", "multi", "--schedule", "2"], { home })).code).toBe(0);
    shown = await cliJson<InspectJson>(["deployments", "inspect", "multi"], { home });
    expect(shown.schedules[1].active).toBe(false);
    expect(shown.nextRuns.every((n) => n.schedule === 1)).toBe(true);
    expect((await cli(["deployments", "resume", "multi", "--schedule", "2"], { home })).code).toBe(0);
    expect((await cliJson<InspectJson>(["deployments", "inspect", "multi"], { home })).schedules[1].active).toBe(true);
    expect((await cli(["deployments", "pause", "multi"], { home })).code).toBe(0);
    expect((await cliJson<InspectJson[]>(["deployments", "ls"], { home }))[0].paused).toBe(true);
    expect((await cli(["deployments", "rm", "multi"], { home })).code).toBe(0);
    expect(await cliJson<InspectJson[]>(["deployments", "ls"], { home })).toEqual([]);
  });

  it("deploy --all applies cellflow.yaml; one bad deployment in it saves none", async () => {
    const home = tempDir("inspect-yaml-home");
    const fs = await import("node:fs");
    const path = await import("node:path");
    const yaml = `# deployments of this project
deployments:
  - name: hourly
    entrypoint: counted.ts:counted
    parameters:
      block: false
    schedules:
      - interval: 1h
        timezone: Europe/Berlin
      - cron: "0 6 * * 1-5"
        timezone: Europe/Berlin
        active: false
    catchup: skip
`;
    fs.writeFileSync(path.join(dir, "cellflow.yaml"), yaml);
    const ok = await cli(["deploy", "--all", "--file", path.join(dir, "cellflow.yaml")], { home });
    expect(ok.code, ok.stderr).toBe(0);
    const shown = await cliJson<InspectJson & { catchup: string; parameters: unknown }>(["deployments", "inspect", "hourly"], { home });
    expect(shown).toMatchObject({ catchup: "skip", parameters: { block: false } });
    expect(shown.schedules.map((s) => [s.kind, s.active])).toEqual([["interval", true], ["cron", false]]);
    fs.writeFileSync(path.join(dir, "bad.yaml"), yaml.replace("name: hourly", "name: other") + `  - name: broken\n    entrypoint: counted.ts\n    schedules:\n      - cron: "0 25 * * *"\n`);
    const bad = await cli(["deploy", "--all", "--file", path.join(dir, "bad.yaml")], { home });
    expect(bad.code).toBe(2);
    expect(errorLines(bad)).toEqual([expect.stringContaining("deployment 'broken': cron field 'hour' out of range (0-23): 25")]);
    expect((await cliJson<InspectJson[]>(["deployments", "ls"], { home })).map((d) => d.name)).toEqual(["hourly"]);
  });
});

describe.concurrent("bad input to deploy, deployments and blocks: one line naming the thing and the fix, exit 2, nothing saved", { timeout: SLOW }, () => {
  const dir = tempDir("deploy-bad");
  const file = writeFlow(dir);
  const cases: Array<[string, string[], RegExp]> = [
    ["a malformed cron", ["deploy", file, "--name", "x", "--cron", "61 * * * *"], /cron field 'minute' out of range \(0-59\): 61 — write five fields/],
    ["an unknown time zone", ["deploy", file, "--name", "x", "--cron", "0 * * * *", "--timezone", "Mars/Olympus"], /unknown time zone 'Mars\/Olympus' — use an IANA name like Europe\/Berlin/],
    ["a bad RRULE", ["deploy", file, "--name", "x", "--rrule", "FREQ=SOMETIMES"], /bad RRULE 'FREQ=SOMETIMES': FREQ must be one of YEARLY.*— write an iCalendar rule/],
    ["a bad catch-up policy", ["deploy", file, "--name", "x", "--catchup", "never"], /unknown catch-up policy "never" — use one of skip, once, all/],
    ["an unknown alert webhook block", ["deploy", file, "--name", "x", "--alert", "nope"], /alert webhook block 'nope' does not exist — create it first: cellflow blocks create webhook nope/],
    ["bad parameters", ["deploy", "flows/ingest.ts:ingest", "--name", "x", "-p", "color=purple"], /flow 'ingest': parameter `color` is invalid: .*"purple"/],
    ["a missing flow file", ["deploy", "nowhere.ts", "--name", "x"], /deployment 'x': nowhere.ts does not exist/],
    ["an unknown deployment", ["deployments", "inspect", "ghost"], /no deployment named 'ghost' — create one with: cellflow deploy/],
    ["running an unknown deployment", ["deployments", "run", "ghost"], /no deployment named 'ghost'/],
    ["an unknown block type", ["blocks", "create", "s3", "bucket", "--value", "{}"], /unknown block type 's3' — use one of secret, json, sql, filesystem, webhook/],
    ["an invalid block value", ["blocks", "create", "webhook", "hook", "--value", '{"url":"ftp://x"}'], /invalid webhook block: url 'ftp:\/\/x' must be an http:\/\/ or https:\/\/ URL/],
    ["an unknown block", ["blocks", "show", "secret/ghost"], /no secret block named 'ghost' — create it with: cellflow blocks create secret ghost/],
    ["a block reference without a type", ["blocks", "rm", "ghost"], /block reference 'ghost' is not type\/name — write e.g. secret\/db-password/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}`, async () => {
      const home = tempDir("deploy-bad-home");
      const r = await cli(args, { home });
      expect(r.code).toBe(2);
      expect(errorLines(r)).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(saved(home)).toEqual({ deployments: [], blocks: [] });
    });
  }

  it("a block of the wrong type: a json block is not a secret", async () => {
    const home = tempDir("deploy-bad-type-home");
    expect((await cli(["blocks", "create", "json", "settings", "--value", '{"a":1}'], { home })).code).toBe(0);
    const r = await cli(["blocks", "show", "secret/settings"], { home });
    expect(r.code).toBe(2);
    expect(errorLines(r)).toEqual(["error: no secret block named 'settings' — 'settings' exists as json/settings; load it with that type"]);
  });
});
