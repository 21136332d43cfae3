// `cellflow artifacts ls [--key K] | show <key> [version]`: artifacts by key, newest version first; also how runs show prints them.

import type { Command } from "commander";
import { CellflowError } from "../../core/errors.js";
import type { ArtifactRecord, TaskRunRecord } from "../../core/records.js";

/** The store, loaded when an artifacts command runs (SQLite stays out of `--version`). */
const store = async () => (await import("../../engine/engine.js")).getEngine().store;
import { artifactText, artifactTitle } from "../../display/artifact-format.js";
import { print, table } from "../output.js";

/** The stable --json shape of an artifact. */
export function artifactJson(a: ArtifactRecord): Record<string, unknown> {
  return { id: a.id, key: a.key, version: a.version, type: a.type, description: a.description, data: a.data, flowRunId: a.flowRunId, taskRunId: a.taskRunId, createdAt: new Date(a.createdAt).toISOString() };
}

/** A run's artifacts as text: title, the task that made it, the content indented. */
export function artifactsText(artifacts: ArtifactRecord[], taskRuns: Array<Pick<TaskRunRecord, "id" | "dynamicKey">>): string {
  const keys = new Map(taskRuns.map((t) => [t.id, t.dynamicKey]));
  return artifacts
    .map((a) => {
      const from = a.taskRunId ? ` from task ${keys.get(a.taskRunId) ?? a.taskRunId.slice(0, 8)}` : "";
      const body = artifactText(a).split("\n").map((l) => `    ${l}`).join("\n");
      return `  ${artifactTitle(a)}${from}\n${body}`;
    })
    .join("\n");
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

function rowOf(a: ArtifactRecord): string[] {
  return [a.key, String(a.version), a.type, a.flowRunId?.slice(0, 8) ?? "—", when(a.createdAt), a.description];
}

export function registerArtifactsCommands(program: Command): void {
  const artifacts = program.command("artifacts").description("table, markdown and link artifacts made by runs, versioned by key");

  artifacts
    .command("ls")
    .description("the newest version of each key (every version of one key with --key)")
    .option("--key <key>", "every version of this key, newest first")
    .option("--limit <n>", "at most this many", "50")
    .option("--json", "print JSON")
    .action(async (opts: { key?: string; limit: string; json?: boolean }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CellflowError("USAGE", `--limit '${opts.limit}' is not a whole number ≥ 1`, "e.g. --limit 50");
      const s = await store();
      const list = opts.key ? s.getArtifactVersions(opts.key).slice(0, limit) : s.listArtifacts({ latest: true, limit });
      if (opts.json) return void process.stdout.write(JSON.stringify(list.map(artifactJson), null, 2) + "\n");
      if (list.length === 0) {
        return void print(opts.key ? `no artifact with key '${opts.key}' (list keys: cellflow artifacts ls)\n` : 'no artifacts yet (make one in a task: artifact.table("row-counts", rows))\n');
      }
      print(table(["KEY", "VERSION", "TYPE", "RUN", "CREATED", "DESCRIPTION"], list.map(rowOf)) + "\n");
    });

  artifacts
    .command("show <key> [version]")
    .description("an artifact's content: its newest version, or the version given")
    .option("--json", "print JSON")
    .action(async (key: string, version: string | undefined, opts: { json?: boolean }) => {
      const s = await store();
      const versions = s.getArtifactVersions(key);
      if (versions.length === 0) {
        const known = s.listArtifacts({ latest: true, limit: 8 }).map((a) => a.key);
        throw new CellflowError("USAGE", `no artifact with key '${key}'`, known.length ? `known keys: ${known.join(", ")}` : "artifacts are made by artifact.table/markdown/link inside a task or flow");
      }
      let chosen = versions[0];
      if (version !== undefined) {
        const found = versions.find((a) => String(a.version) === version);
        if (!found) throw new CellflowError("USAGE", `artifact '${key}' has no version ${version}`, `its versions: 1 to ${versions[0].version}`);
        chosen = found;
      }
      if (opts.json) return void process.stdout.write(JSON.stringify(artifactJson(chosen), null, 2) + "\n");
      const run = chosen.flowRunId ? ` · run ${chosen.flowRunId.slice(0, 8)}` : "";
      print(`${artifactTitle(chosen)} · ${when(chosen.createdAt)}${run}\n${artifactText(chosen)}\n`);
    });
}
