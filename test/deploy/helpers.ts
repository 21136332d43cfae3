// Helpers for deployment and worker tests: flow files that count executions by run id, and store reads.

import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { cliJson, type FlowRunJson } from "../acceptance/helpers.js";

/** A flow that appends its run id to ran.log, and waits for release.marker when `block` is true. */
export const COUNTING_FLOW = `// Counts executions by flow run id; blocks until release.marker exists when asked to.
import fs from "node:fs";
import path from "node:path";
import { flow, getRunContext, task } from "cellflow";

const dir = path.dirname(new URL(import.meta.url).pathname);

const work = task("work", async (block: boolean) => {
  const { signal, flowRun } = getRunContext();
  fs.appendFileSync(path.join(dir, "ran.log"), flowRun!.id + "\\n");
  while (block && !fs.existsSync(path.join(dir, "release.marker"))) {
    signal.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return "done";
});

export const counted = flow({ name: "counted" }, async ({ block = false, fail = false }: { block?: boolean; fail?: boolean }) => {
  const result = await work(block);
  if (fail) throw new Error("asked to fail");
  return result;
});
`;

export function writeFlow(dir: string): string {
  const file = path.join(dir, "counted.ts");
  fs.writeFileSync(file, COUNTING_FLOW);
  return file;
}

/** Flow run ids the counting flow recorded, one per execution. */
export function ranIds(dir: string): string[] {
  const file = path.join(dir, "ran.log");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

export async function runsOf(home: string): Promise<Array<FlowRunJson & { deploymentId: string | null; scheduledTime?: string }>> {
  return cliJson(["runs", "ls", "--limit", "500"], { home });
}

/** Each run's state, read from the store in this process: for polling while waiting, where a CLI process per check
 * would spend a core on Node start-ups that the worker under test needs (what a test asserts goes through the CLI). */
export function runStates(home: string): Array<{ id: string; type: string; name: string; deploymentId: string | null }> {
  if (!fs.existsSync(path.join(home, "cellflow.db"))) return [];
  return withDb(home, (db) => db.prepare("SELECT id, state_type AS type, state_name AS name, deployment_id AS deploymentId FROM flow_runs").all() as ReturnType<typeof runStates>);
}

/** The state name of one run, read as runStates does. */
export function stateNameOf(home: string, id: string): string | undefined {
  return runStates(home).find((r) => r.id === id)?.name;
}

/** Read the store directly (read-only), for what the CLI does not print (state histories). */
export function withDb<T>(home: string, read: (db: Database.Database) => T): T {
  const db = new Database(path.join(home, "cellflow.db"), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}
