import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { distUrl, tempProject } from "../loader/helpers.js";

describe("CellRuntime interrupt", () => {
  it("SIGINT stops a busy synchronous cell; the process survives and earlier variables remain", async () => {
    const script = `
      import { CellRuntime } from ${JSON.stringify(distUrl("src/cells/index.js"))};
      const rt = new CellRuntime({ cwd: process.cwd() });
      await rt.run("const before = 'kept'", 1);
      const busy = await rt.run("process.stdout.write('busy\\\\n');\\nlet spins = 0;\\nwhile (true) { spins++ }", 2);
      const after = await rt.run("before + ' ' + (spins > 0)", 3);
      console.log(JSON.stringify({ busy: { ...busy.error, described: busy.error?.describe() }, after }));`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: tempProject({}) });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (stdout === "busy\n") setTimeout(() => child.kill("SIGINT"), 100);
    });
    const code = await new Promise<number | null>((done) => child.on("close", done));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const result = JSON.parse(stdout.split("\n")[1]);
    expect(result.busy).toEqual(expect.objectContaining({ kind: "interrupted", name: "Interrupted", cell: 2, described: "cell 2: Interrupted: execution interrupted" }));
    expect(result.after).toEqual({ ok: true, value: "kept true", hasValue: true });
  });
});
