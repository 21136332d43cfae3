// A pool child (`cellflow worker child`, started by a worker): loads the engine and the runner, says ready over
// IPC, runs the one run id its worker sends, and exits. It never runs a second run; idle, SIGTERM ends it at once.

import { CellflowError } from "../core/errors.js";
import type { FlowRunRecord } from "../core/records.js";
import type { PoolMessage } from "./pool.js";

/** Wait for a run id from the worker, run it, resolve to its final record. */
export async function serveOneRun(): Promise<FlowRunRecord> {
  if (!process.send) throw new CellflowError("USAGE", "`worker child` talks to its worker over IPC", "start a worker instead: cellflow worker");
  const exitIdle = () => process.exit(0);
  process.on("SIGTERM", exitIdle);
  process.on("disconnect", exitIdle);
  // What a run needs, loaded before saying ready: the engine with its store, the runner with the TypeScript loader,
  // and the package a flow file imports as "cellflow" (the same module instance its import resolves to).
  const [{ getEngine }, { runClaimedRun }, { registerLoader }] = await Promise.all([
    import("../engine/engine.js"),
    import("./run-one.js"),
    import("../loader/index.js"),
    import("../runner/index.js"),
  ]);
  getEngine();
  // The package a flow file imports and the loader's hooks thread are loaded now, not when the run imports its flow
  // file. esbuild is not started: `deploy` compiled the flow file into the cache folder, so a run loads it from
  // there (an edited file pays esbuild then).
  await registerLoader();
  // One listener for the child's life: the first run id is run, any later one is refused (one run per child).
  let taken: string | undefined;
  const id = await new Promise<string>((resolve) => {
    process.on("message", (message: PoolMessage) => {
      if (message?.kind !== "run") return;
      if (taken === undefined) resolve((taken = message.id));
      else process.stderr.write(`refused run ${message.id}: this child already runs ${taken}\n`);
    });
    process.send!({ kind: "ready" } satisfies PoolMessage);
  });
  process.off("SIGTERM", exitIdle);
  process.off("disconnect", exitIdle);
  return runClaimedRun(id);
}
