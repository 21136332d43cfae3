// `cellflow deployments ls|inspect|run|pause|resume|rm`: look at deployments, queue a run, pause schedules.

import path from "node:path";
import type { Command } from "commander";
import { CellflowError } from "../../core/errors.js";
import type { DeploymentRecord } from "../../deploy/index.js";
import { parseParamPairs } from "../../runner/params.js";
import { flowRunJson, table, print } from "../output.js";

/** The store, the deployments layer and schedule descriptions, loaded when a deployments command runs. */
async function load() {
  const [{ getEngine }, { sleep }, deploy, { describeSchedule }] = await Promise.all([
    import("../../engine/engine.js"),
    import("../../engine/concurrency.js"),
    import("../../deploy/index.js"),
    import("../../schedule/index.js"),
  ]);
  return { store: getEngine().store, sleep, describeSchedule, ...deploy };
}
type Lib = Awaited<ReturnType<typeof load>>;

const collect = (value: string, previous: string[]): string[] => previous.concat([value]);

function deploymentJson({ describeSchedule, nextDeploymentRuns }: Lib, d: DeploymentRecord, now: number, withNext: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: d.id,
    name: d.name,
    entrypoint: d.entrypoint,
    flowName: d.flowName,
    parameters: d.parameters,
    catchup: d.catchup,
    alerts: d.alerts,
    paused: d.paused,
    schedules: d.schedules.map((s) => ({ position: s.position, ...s.schedule, description: describeSchedule(s.schedule) })),
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
  };
  if (withNext) out.nextRuns = d.paused ? [] : nextDeploymentRuns(d, now, 5).map(({ time, timezone, schedule }) => ({ time, timezone, schedule }));
  return out;
}

function position(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new CellflowError("USAGE", `--schedule '${value}' is not a schedule number`, "use the number `deployments inspect` shows, e.g. --schedule 1");
  return Number(value);
}

export function registerDeploymentsCommands(program: Command): void {
  const deployments = program.command("deployments").description("list, inspect, run, pause, resume and remove deployments");

  deployments
    .command("ls")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const lib = await load();
      const { describeSchedule } = lib;
      const now = Date.now();
      const list = lib.listDeployments(lib.store);
      if (opts.json) return void process.stdout.write(JSON.stringify(list.map((d) => deploymentJson(lib, d, now, false)), null, 2) + "\n");
      if (list.length === 0) return void print("no deployments yet (create one: cellflow deploy flows/etl.ts --name etl-nightly --cron \"0 2 * * *\")\n");
      const rows = list.map((d) => [d.name, d.flowName, d.paused ? "paused" : "active", d.schedules.map((s) => describeSchedule(s.schedule)).join("; ") || "—"]);
      print(table(["NAME", "FLOW", "STATUS", "SCHEDULES"], rows) + "\n");
    });

  deployments
    .command("inspect <name>")
    .description("a deployment with its schedules and next 5 run times (in each schedule's zone)")
    .option("--json", "print JSON")
    .action(async (name: string, opts: { json?: boolean }) => {
      const lib = await load();
      const { describeSchedule } = lib;
      const d = lib.findDeployment(lib.store, name);
      const json = deploymentJson(lib, d, Date.now(), true);
      if (opts.json) return void process.stdout.write(JSON.stringify(json, null, 2) + "\n");
      const lines = [
        `deployment ${d.name}${d.paused ? " (paused)" : ""}`,
        `  flow        ${d.flowName} in ${path.relative(process.cwd(), d.entrypoint) || d.entrypoint}`,
        `  parameters  ${JSON.stringify(d.parameters)}`,
        `  catch-up    ${d.catchup}`,
        `  alerts      ${d.alerts.map((a) => `${a.webhook} on ${a.on.join(", ")}`).join("; ") || "none"}`,
        `  schedules${d.schedules.length ? "" : "   none"}`,
        ...d.schedules.map((s) => `    ${s.position}. ${describeSchedule(s.schedule)}`),
        `  next runs${(json.nextRuns as unknown[]).length ? "" : "   none"}`,
        ...(json.nextRuns as Array<{ time: string; timezone: string }>).map((r) => `    ${r.time} (${r.timezone})`),
      ];
      print(lines.join("\n") + "\n");
    });

  deployments
    .command("run <name>")
    .description("queue a run now for a worker; -p overrides the default parameters (validated first)")
    .option("-p, --param <key=value>", "a parameter override (JSON when it parses); repeatable", collect, [])
    .option("--wait", "stream the run's states and logs until it ends; exit 0 when it Completed, 1 otherwise")
    .option("--json", "print the run as JSON (streamed lines go to stderr)")
    .action(async (name: string, opts: { param: string[]; wait?: boolean; json?: boolean }) => {
      const { store, queueDeploymentRun } = await load();
      let run = await queueDeploymentRun(store, name, parseParamPairs(opts.param));
      if (!opts.json) print(`queued run ${run.name} (${run.id}) of deployment ${name}; a worker picks it up (start one: cellflow worker)\n`);
      if (opts.wait) {
        const { followRun } = await import("../follow.js");
        const out = opts.json ? process.stderr : process.stdout;
        run = await followRun(store, run.id, (line) => print(line + "\n", out));
        print(`run ${run.name} ${run.state.name}${run.state.message ? ` — ${run.state.message}` : ""}\n`);
        process.exitCode = run.state.type === "COMPLETED" ? 0 : 1;
      }
      if (opts.json) process.stdout.write(JSON.stringify(flowRunJson(run), null, 2) + "\n");
    });

  for (const [verb, paused] of [["pause", true], ["resume", false]] as const) {
    deployments
      .command(`${verb} <name>`)
      .description(`${verb} a deployment's schedules (or one, with --schedule N)`)
      .option("--schedule <n>", `only this schedule (its number in \`deployments inspect\`)`)
      .action(async (name: string, opts: { schedule?: string }) => {
        const n = position(opts.schedule);
        const { store, setPaused } = await load();
        setPaused(store, name, paused, n);
        print(`deployment ${name}${n === undefined ? "" : ` schedule ${n}`} ${paused ? "paused" : "resumed"}\n`);
      });
  }

  deployments
    .command("rm <name>")
    .description("remove a deployment and its planned runs (past runs stay)")
    .action(async (name: string) => {
      const { store, removeDeployment } = await load();
      removeDeployment(store, name);
      print(`deployment ${name} removed\n`);
    });
}
