// One owner per attempt on the worker path too: two `worker run-one` of the same claimed run → exactly one executes.

import { describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { claimDueRuns } from "../../src/worker/claim.js";
import { ownerId } from "../../src/store/owner.js";
import { cli, cliJson, errorLines, requireBuiltCli, SLOW, startCli, tempDir, type FlowRunJson } from "../acceptance/helpers.js";
import { ranIds, withDb, writeFlow } from "../deploy/helpers.js";

requireBuiltCli();

describe("two `worker run-one` of one claimed run", { timeout: SLOW }, () => {
  it("exactly one executes it; the other exits 2 naming the owner, and the run ends Completed", async () => {
    const dir = tempDir("adopt-race");
    const home = tempDir("adopt-race-home");
    const file = writeFlow(dir);
    expect((await cli(["deploy", `${file}:counted`, "--name", "d"], { home })).code).toBe(0);
    const queued = await cliJson<FlowRunJson>(["deployments", "run", "d"], { home });
    // Claimed by this process, as a worker would before starting its child: both children may take it over.
    const store = Store.open(home);
    expect(claimDueRuns(store, ownerId(), 10).map((r) => r.id)).toEqual([queued.id]);
    store.close();

    const results = await Promise.all([startCli(["worker", "run-one", queued.id], { home }).done, startCli(["worker", "run-one", queued.id], { home }).done]);
    expect(results.map((r) => r.code).sort(), results.map((r) => r.stderr).join("\n")).toEqual([0, 2]);
    const loser = results.find((r) => r.code === 2)!;
    expect(errorLines(loser)).toHaveLength(1);
    expect(loser.stderr).toMatch(/already claimed by (another )?process|is not a deployment run claimed by a worker \(it is (Running|Completed)\)/);
    expect(ranIds(dir)).toEqual([queued.id]);
    expect(withDb(home, (db) => db.prepare("SELECT state_name, attempt FROM flow_runs WHERE id = ?").get(queued.id))).toEqual({ state_name: "Completed", attempt: 1 });
  });
});
