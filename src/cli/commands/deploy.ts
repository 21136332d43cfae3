// `cellflow deploy <file>[:flow] --name N [schedules] [-p k=v] [--catchup P] [--alert B]`, or `deploy --all` for cellflow.yaml.

import path from "node:path";
import type { Command } from "commander";
import { CellflowError } from "../../core/errors.js";
import type { DeploymentInput, DeploymentRecord } from "../../deploy/index.js";
import { PROJECT_FILE } from "../../deploy/project-file.js";
import { print } from "../output.js";
import { parseParamPairs } from "../../runner/params.js";

interface DeployFlags {
  name?: string;
  cron: string[];
  interval: string[];
  rrule: string[];
  timezone?: string;
  anchor?: string;
  param: string[];
  catchup?: string;
  alert: string[];
  all?: boolean;
  file?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => previous.concat([value]);

/** The schedule inputs the flags describe, in the order cron, interval, rrule. */
function schedulesFromFlags(o: DeployFlags): unknown[] {
  if (o.anchor !== undefined && o.interval.length === 0) throw new CellflowError("USAGE", "--anchor applies to --interval schedules, and none was given", "add --interval 1h, or drop --anchor");
  const timezone = o.timezone;
  return [
    ...o.cron.map((expression) => ({ kind: "cron", expression, timezone })),
    ...o.interval.map((every) => ({ kind: "interval", every, anchor: o.anchor, timezone })),
    ...o.rrule.map((rule) => ({ kind: "rrule", rule, timezone })),
  ];
}

function summary(d: DeploymentRecord, describeSchedule: (s: DeploymentRecord["schedules"][number]["schedule"]) => string): string {
  const schedules = d.schedules.length ? d.schedules.map((s) => `\n  ${s.position}. ${describeSchedule(s.schedule)}`).join("") : "\n  (no schedules: run it with `cellflow deployments run " + d.name + "`)";
  return `deployment ${d.name} saved: ${path.relative(process.cwd(), d.entrypoint) || d.entrypoint}${schedules}`;
}

export function registerDeployCommand(program: Command): void {
  program
    .command("deploy [target]")
    .description("save a deployment of <file.ts|file.ipynb>[:flow]: default parameters, schedules, catch-up, alerts")
    .option("--name <name>", "the deployment's name")
    .option("--cron <expression>", "a cron schedule (repeatable)", collect, [])
    .option("--interval <duration>", "an interval schedule, e.g. 1h (repeatable)", collect, [])
    .option("--anchor <iso>", "what --interval schedules align to, e.g. 2025-01-06T12:00")
    .option("--rrule <rule>", "an RRULE schedule (repeatable)", collect, [])
    .option("--timezone <tz>", "IANA time zone of the schedules", "UTC")
    .option("-p, --param <key=value>", "a default parameter (JSON when it parses); repeatable", collect, [])
    .option("--catchup <policy>", "missed runs after downtime: skip, once or all", "once")
    .option("--alert <webhook-block>", "alert this webhook block on Failed, Crashed and Late (repeatable)", collect, [])
    .option("--all", `apply every deployment in ${PROJECT_FILE}`)
    .option("--file <file>", `with --all: the project file`, PROJECT_FILE)
    .option("--json", "print the saved deployments as JSON")
    .action(async (target: string | undefined, o: DeployFlags) => {
      const [{ getEngine }, { buildDeployment, readProjectFile, saveDeployments }, { describeSchedule }] = await Promise.all([
        import("../../engine/engine.js"),
        import("../../deploy/index.js"),
        import("../../schedule/index.js"),
      ]);
      const store = getEngine().store;
      let records: DeploymentRecord[];
      if (o.all) {
        if (target !== undefined || o.name !== undefined) throw new CellflowError("USAGE", "deploy --all takes no file or --name", `declare deployments in ${PROJECT_FILE}, or deploy one with: cellflow deploy <file> --name N`);
        const project = await readProjectFile(path.resolve(o.file ?? PROJECT_FILE));
        records = [];
        // Build (and so check) every deployment before saving any: a bad one leaves the store as it was.
        for (const input of project.deployments) records.push(await buildDeployment(store, input, project.dir));
      } else {
        if (!target) throw new CellflowError("USAGE", "deploy needs a flow file", "e.g. cellflow deploy flows/etl.ts:etl --name etl-nightly --cron \"0 2 * * *\"");
        if (!o.name) throw new CellflowError("USAGE", `deploy ${target} needs --name`, `e.g. cellflow deploy ${target} --name ${path.basename(target).replace(/\..*$/, "")}-nightly`);
        const input: DeploymentInput = { name: o.name, entrypoint: target, parameters: parseParamPairs(o.param), schedules: schedulesFromFlags(o), catchup: o.catchup, alerts: o.alert };
        records = [await buildDeployment(store, input)];
      }
      saveDeployments(store, records);
      if (o.json) return void process.stdout.write(JSON.stringify(records.map((r) => ({ id: r.id, name: r.name, entrypoint: r.entrypoint })), null, 2) + "\n");
      for (const r of records) print(summary(r, describeSchedule) + "\n");
    });
}
