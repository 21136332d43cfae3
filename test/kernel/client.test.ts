// The kernel under a real Jupyter client (jupyter_client): signatures, interrupts, heartbeat, restart/shutdown, tracebacks.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPython, jupyterEnv, scenario, type JupyterEnv } from "./harness.js";

const { python, skip } = findPython();

describe.skipIf(!python)(`kernel under jupyter_client${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let jupyter: JupyterEnv;
  beforeAll(async () => {
    jupyter = await jupyterEnv();
  });
  afterAll(() => jupyter?.cleanup());

  it("refuses messages with a wrong, missing or replayed signature: no reply, nothing executed, logged to stderr", async () => {
    const found = await scenario(python as string, "signature", jupyter.env);
    expect(found.no_reply_to_bad_signatures).toBe(true);
    expect(found.alive_after_bad_shutdown).toBe(true);
    expect(found.replay_first_status).toBe("ok");
    expect(found.no_reply_to_replay).toBe(true);
    // 1, then +10 once: neither `counter = 100`, `counter = 200` nor the replayed `+= 10` ran.
    expect(found.counter).toBe("11");
    const stderr = found.stderr as string;
    expect(stderr).toContain("dropped a shell message: bad signature");
    expect(stderr).toContain("dropped a shell message: missing signature");
    expect(stderr).toContain("dropped a control message: bad signature");
    expect(stderr).toContain("dropped a shell message: replayed signature");
  });

  it("answers heartbeats while a cell spins, and interrupts it by message and by SIGINT with variables kept", async () => {
    const found = await scenario(python as string, "interrupt", jupyter.env);
    expect(found.interrupt_mode).toBe("message");
    expect(found.heartbeat_while_busy).toEqual([true, true, true]);
    expect(found.message_interrupt).toEqual({ status: "error", ename: "Interrupted" });
    expect(found.after_message_interrupt).toBe("42");
    expect(found.sigint_sync).toEqual({ status: "error", ename: "Interrupted" });
    expect(found.sigint_await).toEqual({ status: "error", ename: "Interrupted" });
    expect(found.after_sigint).toBe("43");
    expect(found.alive).toBe(true);
  });

  it("restarts with a fresh scope and shuts down (even while busy) with a shutdown_reply and exit code 0", async () => {
    const found = await scenario(python as string, "lifecycle", jupyter.env);
    expect(found.old_exit_code).toBe(0);
    expect(found.new_pid_differs).toBe(true);
    expect(found.after_restart).toBe("'undefined'");
    expect(found.shutdown_reply).toEqual({ type: "shutdown_reply", status: "ok", restart: false });
    expect(found.exit_code).toBe(0);
  });

  it("an error's traceback points at the cell's own line and column, without kernel frames", async () => {
    const found = await scenario(python as string, "traceback", jupyter.env);
    const runtime = found.runtime as { reply: string; ename: string; evalue: string; traceback: string[]; iopub_errors: number; execution_count: number };
    expect(runtime.reply).toBe("error");
    expect(runtime.ename).toBe("Error");
    expect(runtime.evalue).toBe("bad line");
    expect(runtime.iopub_errors).toBe(1);
    const cell = runtime.execution_count;
    expect(runtime.traceback[0]).toBe(`cell ${cell}, line 3, col 9: bad line`);
    expect(runtime.traceback).toContain(`    at g (cell[${cell}]:3:9)`);
    expect(runtime.traceback.join("\n")).not.toMatch(/dist[\\/]kernel|node:internal/);
    const syntax = found.syntax as { ename: string; traceback: string[] };
    expect(syntax.ename).toBe("SyntaxError");
    expect(syntax.traceback[0]).toMatch(/^cell \d+, line 2, col 7: SyntaxError/);
  });

  it("an error no cell catches (a timer's throw, an unhandled rejection) shows under the cell and the kernel lives on", async () => {
    const found = await scenario(python as string, "stray", jupyter.env);
    const during = found.throw_during as { status: string; result: string; stderr: string };
    expect(during.status).toBe("ok");
    expect(during.result).toBe("'after the throw'");
    expect(during.stderr).toMatch(/^Uncaught Error: stray boom\n\s+at .*cell\[\d+\]:3:9/);
    expect(during.stderr).not.toMatch(/node:internal|dist[\\/]kernel/);
    const rejected = found.reject_during as { status: string; result: string; stderr: string };
    expect(rejected.result).toBe("'after the rejection'");
    expect(rejected.stderr).toMatch(/^Unhandled promise rejection Error: nobody handles this\n\s+at .*cell\[\d+\]:1:16/);
    const after = found.throw_after as { idle_before_error: boolean; stderr: string };
    expect(after.idle_before_error).toBe(true);
    expect(after.stderr).toMatch(/^Uncaught TypeError: thrown later\n/);
    expect(found.kept).toBe("42");
    expect(found.alive).toBe(true);
    expect(found.log).toContain("[cellflow kernel] caught what no cell did:\nUncaught TypeError: thrown later");
  });
});
