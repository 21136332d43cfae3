import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { tempHome } from "../engine/helpers.js";
import { until, writeNotebook } from "./helpers.js";

// End to end in a real terminal: tmux runs the built CLI (npm test builds dist/ first) in an 80×24 pane and the
// test reads the screen with `tmux capture-pane -p`, polling with a deadline.
// Needs tmux: `apt-get install -y tmux` (Debian/Ubuntu) or `brew install tmux`; skipped when it is missing.
const CLI = path.resolve(fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url)));
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const session = `cellflow-tui-e2e-${process.pid}`;

const tmux = (...args: string[]) => execFileSync("tmux", args, { encoding: "utf8" });
const screen = () => tmux("capture-pane", "-p", "-t", session);
async function see(pattern: RegExp, what: string): Promise<string> {
  await until(() => pattern.test(screen()), () => `${what}; screen:\n${screen()}`, 60_000);
  return screen();
}

/** `cellflow tui` without a notebook in a 100×30 tmux session `name`, in `dir`: its screen, and typing cells into it. */
function emptySession(name: string, dir: string) {
  const command = `cd ${JSON.stringify(dir)} && env -u CI -u CONTINUOUS_INTEGRATION CELLFLOW_HOME=${JSON.stringify(path.join(dir, "home"))} ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} tui; echo "exited $?"; sleep 600`;
  tmux("new-session", "-d", "-s", name, "-x", "100", "-y", "30", command);
  const view = () => tmux("capture-pane", "-p", "-t", name);
  const shows = (pattern: RegExp, what: string) => until(() => pattern.test(view()), () => `${what}; screen:\n${view()}`, 60_000);
  // Enter goes once the text shows in the input: sent with it, the terminal delivers both as one paste.
  const type = async (line: string) => {
    tmux("send-keys", "-t", name, "-l", line);
    await shows(new RegExp(`› ${line.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`), "the cell typed");
    tmux("send-keys", "-t", name, "Enter");
  };
  return { view, shows, type };
}

const cells = [
  'import fs from "node:fs";\nimport { task } from "cellflow";',
  'const extract = task("extract", () => [1, 2, 3]);\nconst transform = task("transform", (rows: number[]) => {\n  if (fs.existsSync("fail.marker")) throw new Error("marker says fail");\n  return rows.map((r) => r * 10);\n});\nconst load = task("load", (rows: number[]) => rows.reduce((a, b) => a + b, 0));',
  "const total = await load(await transform(await extract()));",
];

describe.skipIf(!hasTmux || !fs.existsSync(CLI))("cellflow tui in a real terminal (tmux)", () => {
  afterAll(() => void spawnSync("tmux", ["kill-session", "-t", session]));

  it("run all fails on a marker; after removing it, Esc r reruns: upstream Cached, the failed task Completed", async () => {
    const dir = tempHome("cellflow-tui-tmux-");
    const file = writeNotebook(dir, cells, "demo.ipynb");
    fs.writeFileSync(path.join(dir, "fail.marker"), "");
    // A user's terminal, not CI: Ink renders only the last frame when it sees CI variables (is-in-ci).
    const command = `cd ${JSON.stringify(dir)} && env -u CI -u CONTINUOUS_INTEGRATION CELLFLOW_HOME=${JSON.stringify(path.join(dir, "home"))} ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} tui demo.ipynb; echo "exited $?"; sleep 600`;
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command);

    await see(/const total = await load/, "the notebook's cells listed");
    expect(screen()).toContain("no run yet");
    tmux("send-keys", "-t", session, "C-r");
    const failed = await see(/✗ transform\s+Failed/, "transform Failed");
    expect(failed).toMatch(/✓ extract\s+Completed/);
    expect(failed).toMatch(/✗ demo · demo-\S+ · Failed/);

    fs.rmSync(path.join(dir, "fail.marker"));
    tmux("send-keys", "-t", session, "Escape");
    await see(/enter details/, "the DAG pane focused");
    tmux("send-keys", "-t", session, "r");
    const fixed = await see(/✓ load\s+Completed/, "load Completed after the rerun");
    expect(fixed).toMatch(/◆ extract\s+Cached/);
    expect(fixed).toMatch(/✓ transform\s+Completed/);
    expect(fixed).toMatch(/Completed · .*attempt 2/);
    expect(fs.readFileSync(file, "utf8")).toContain("fail.marker"); // the notebook was only read

    tmux("send-keys", "-t", session, "q");
    await see(/exited 0/, "the UI to quit");
  });

  it("a fix typed in a new cell survives r: the rerun runs the fixed task, the broken body never again (counted on disk)", async () => {
    const dir = tempHome("cellflow-tui-tmux-fix-");
    const name = `${session}-fix`;
    const { view, shows, type } = emptySession(name, dir);
    const count = (k: string) => (fs.existsSync(path.join(dir, `count-${k}`)) ? fs.readFileSync(path.join(dir, `count-${k}`), "utf8").length : 0);
    try {
      await shows(/no notebook: type a cell/, "the empty session");
      await type('import fs from "node:fs"; import { task } from "cellflow"; const bump = (k: string) => fs.appendFileSync("count-" + k, "x");');
      await shows(/\[1\] import fs/, "cell 1 ran");
      await type('const extract = task("extract", () => { bump("extract"); return [1, 2]; }); const transform = task("transform", (r: number[]) => { bump("broken"); throw new Error("broken transform"); }); const total = (await transform(await extract())).length;');
      await shows(/✗ transform\s+Failed/, "transform Failed");
      await type('const transform = task("transform", (r: number[]) => { bump("fixed"); return r; });');
      await until(() => /\[3\] const transform/.test(view()), () => "cell 3 echoed", 60_000);
      // r while a cell still runs (or is still being type-checked, on its own thread) is refused: wait as a user would.
      await until(() => !/running \(/.test(view()), () => "cell 3 finished", 60_000);
      tmux("send-keys", "-t", name, "Escape");
      await shows(/enter details/, "the DAG pane focused");
      tmux("send-keys", "-t", name, "r");
      await shows(/✓ transform\s+Completed/, "transform Completed after the rerun");
      expect(view()).toMatch(/◆ extract\s+Cached/);
      expect([count("extract"), count("broken"), count("fixed")]).toEqual([1, 1, 1]);
      tmux("send-keys", "-t", name, "q");
      await shows(/exited 0/, "the UI to quit");
    } finally {
      spawnSync("tmux", ["kill-session", "-t", name]);
    }
  }, 300_000);

  it("a throw in a timer a cell left behind shows in the scrollback, and the session's variables live on", async () => {
    const dir = tempHome("cellflow-tui-tmux-stray-");
    const name = `${session}-stray`;
    const { shows, type } = emptySession(name, dir);
    try {
      await shows(/no notebook: type a cell/, "the empty session");
      await type('const kept = 41; setTimeout(() => { throw new Error("stray in the tui"); }, 200);');
      await shows(/Uncaught Error: stray in the tui/, "the stray error in the scrollback");
      await type("kept + 1");
      await shows(/^\s*42\s*$/m, "the session's variable after the stray error");
      tmux("send-keys", "-t", name, "Escape");
      await shows(/enter details/, "the DAG pane focused");
      tmux("send-keys", "-t", name, "q");
      await shows(/exited 0/, "the UI to quit");
    } finally {
      spawnSync("tmux", ["kill-session", "-t", name]);
    }
  }, 300_000);
});
