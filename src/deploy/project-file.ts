// cellflow.yaml: the project's deployments, declared in one file and applied with `cellflow deploy --all`.

import fs from "node:fs";
import path from "node:path";
import { CellflowError } from "../core/errors.js";
import { checkTextDepth, parseBounded } from "../core/input-bounds.js";
import type { DeploymentInput } from "./types.js";

export const PROJECT_FILE = "cellflow.yaml";

const FIELDS = ["name", "entrypoint", "parameters", "schedules", "catchup", "alerts", "paused"];

function bad(file: string, message: string, hint = `see the "Schedules, deployments and workers" section of the README`): never {
  throw new CellflowError("DEPLOYMENT", `${file}: ${message}`, hint);
}

/** `{cron: "0 2 * * *", timezone: …}` → `{kind: "cron", expression: …, timezone: …}`; `{kind: …}` passes as is. */
function scheduleInput(entry: unknown, where: string, file: string): unknown {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) bad(file, `${where} must be a mapping like {cron: "0 2 * * *"}`);
  const { cron, interval, rrule, ...rest } = entry as Record<string, unknown>;
  const given = [cron, interval, rrule].filter((v) => v !== undefined).length;
  if ("kind" in rest) return entry;
  if (given !== 1) bad(file, `${where} needs exactly one of cron, interval, rrule`);
  if (cron !== undefined) return { kind: "cron", expression: cron, ...rest };
  if (interval !== undefined) return { kind: "interval", every: interval, ...rest };
  return { kind: "rrule", rule: rrule, ...rest };
}

/** Read and shape the file's deployments; paths in it are relative to the file's folder (returned as `dir`). */
export async function readProjectFile(file: string): Promise<{ dir: string; deployments: DeploymentInput[] }> {
  const shown = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    bad(shown, code === "ENOENT" ? "not found" : `cannot be read (${code})`, `create ${PROJECT_FILE} with a 'deployments:' list, or deploy one flow with: cellflow deploy <file> --name N`);
  }
  // The YAML parser loads only when a project file is read: `cellflow --version` imports this module for PROJECT_FILE.
  const { parseYaml } = await import("./yaml-file.js");
  const hint = "flatten the file: deployments nest a few levels";
  checkTextDepth(text, shown, hint);
  const doc = parseBounded(shown, () => parseYaml(text, shown), hint);
  const list = (doc as { deployments?: unknown } | null)?.deployments;
  if (!Array.isArray(list) || list.length === 0) bad(shown, "has no 'deployments:' list");
  const deployments = list.map((raw, index): DeploymentInput => {
    const where = `deployments[${index}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) bad(shown, `${where} must be a mapping with name and entrypoint`);
    const entry = raw as Record<string, unknown>;
    const unknown = Object.keys(entry).find((k) => !FIELDS.includes(k));
    if (unknown) bad(shown, `${where} has an unknown field '${unknown}'`, `use ${FIELDS.join(", ")}`);
    if (entry.schedules !== undefined && !Array.isArray(entry.schedules)) bad(shown, `${where}.schedules must be a list`);
    if (entry.alerts !== undefined && !Array.isArray(entry.alerts)) bad(shown, `${where}.alerts must be a list of webhook block names`);
    return {
      name: entry.name as string,
      entrypoint: entry.entrypoint as string,
      parameters: entry.parameters as Record<string, unknown> | undefined,
      schedules: ((entry.schedules as unknown[] | undefined) ?? []).map((s, i) => scheduleInput(s, `${where}.schedules[${i}]`, shown)),
      catchup: entry.catchup as string | undefined,
      alerts: entry.alerts as DeploymentInput["alerts"],
      paused: entry.paused as boolean | undefined,
    };
  });
  const names = deployments.map((d) => d.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) bad(shown, `deployment '${twice}' is declared twice`, "give each deployment its own name");
  return { dir: path.dirname(path.resolve(file)), deployments };
}
