"""Notebook runs you can trust, as a Jupyter client sees them; each scenario prints one JSON line of findings.

Usage: python3 trust.py <rerun_fix|typecheck|warn_order|warn_interrupt|lsmagic|nested|parent_exit>
"""

import json
import os
import signal
import subprocess
import sys
import time

import zmq
from kernel_start import start_new_kernel

KERNEL = os.environ["CELLFLOW_KERNEL_NAME"]
WORK = os.environ["CELLFLOW_WORK_DIR"]


def run(kc, code, timeout=60):
    """Executes code; returns (reply content, [iopub messages of that request, summarised])."""
    outputs = []
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=outputs.append)
    found = []
    for m in outputs:
        content = m["content"]
        data = content.get("data", {})
        found.append({
            "type": m["msg_type"],
            "name": content.get("name"),
            "text": content.get("text") or data.get("text/plain"),
            "html": data.get("text/html"),
            "display_id": content.get("transient", {}).get("display_id"),
            "ename": content.get("ename"),
        })
    c = reply["content"]
    return {"status": c["status"], "ename": c.get("ename"), "evalue": c.get("evalue")}, found


def stream(outputs, name):
    return "".join(o["text"] or "" for o in outputs if o["type"] == "stream" and o["name"] == name)


def counts(prefix):
    out = {}
    for f in os.listdir(WORK):
        if f.startswith(prefix):
            with open(os.path.join(WORK, f)) as fh:
                out[f[len(prefix):]] = len(fh.read())
    return out


def with_kernel(body):
    km, kc = start_new_kernel(kernel_name=KERNEL, cwd=WORK)
    try:
        return body(kc)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


SETUP = """import fs from "node:fs";
import { task, flow } from "cellflow";
const bump = (k: string) => fs.appendFileSync("count-" + k, "x");"""


def rerun_fix():
    def body(kc):
        found = {}
        found["setup"], _ = run(kc, SETUP)
        found["failing"], _ = run(kc, """const extract = task("extract", () => { bump("extract"); return [1, 2, 3]; });
const transform = task("transform", (rows: number[]) => { bump("transform-broken"); throw new Error("bad transform"); });
const total = (await transform(await extract())).length;""")
        found["fix"], _ = run(kc, """const transform = task("transform", (rows: number[]) => { bump("transform-fixed"); return rows.map((r) => r * 10); });""")
        found["rerun"], outputs = run(kc, "%rerun")
        dags = [o["text"] for o in outputs if o["type"] in ("display_data", "update_display_data")]
        found["dag"] = dags[-1] if dags else None
        _, outputs = run(kc, "total")
        found["total"] = next((o["text"] for o in outputs if o["type"] == "execute_result"), None)
        found["counts"] = counts("count-")
        return found
    return with_kernel(body)


def typecheck():
    def body(kc):
        found = {}
        found["warn"], outputs = run(kc, 'const bad: number = "a string";\nglobalThis.ranWarn = 1;')
        found["warn_stderr"] = stream(outputs, "stderr")
        _, outputs = run(kc, "(globalThis as any).ranWarn")
        found["ran_warn"] = next((o["text"] for o in outputs if o["type"] == "execute_result"), None)
        found["set_strict"], outputs = run(kc, "%typecheck strict")
        found["set_strict_stdout"] = stream(outputs, "stdout")
        found["strict"], outputs = run(kc, 'const worse: string = 42;\n(globalThis as any).ranStrict = 1;')
        found["strict_stderr"] = stream(outputs, "stderr")
        found["strict_error"] = next((o for o in outputs if o["type"] == "error"), None)
        _, outputs = run(kc, "String((globalThis as any).ranStrict)")
        found["ran_strict"] = next((o["text"] for o in outputs if o["type"] == "execute_result"), None)
        found["clean_strict"], outputs = run(kc, "const fine: number = 1 + 1; fine")
        found["clean_result"] = next((o["text"] for o in outputs if o["type"] == "execute_result"), None)
        run(kc, "%typecheck off")
        found["off"], outputs = run(kc, 'const ignored: number = "x";')
        found["off_stderr"] = stream(outputs, "stderr")
        found["bad_mode"], _ = run(kc, "%typecheck loose")
        return found
    return with_kernel(body)


def lsmagic():
    def body(kc):
        reply, outputs = run(kc, "%lsmagic")
        unknown, _ = run(kc, "%nosuch")
        return {"reply": reply, "stdout": stream(outputs, "stdout"), "unknown": unknown}
    return with_kernel(body)


def nested():
    def body(kc):
        found = {}
        run(kc, SETUP)
        code = """const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));
const extract = task("extract", async () => { await pause(300); return [1, 2]; });
const transform = task("transform", async (rows: number[]) => { await pause(300); return rows.map((r) => r + 1); });
const load = task("load", async (rows: number[]) => { await pause(300); return rows.length; });
const etl = flow("etl", async () => load(await transform(await extract())));
await etl()"""
        found["reply"], outputs = run(kc, code)
        found["dags"] = [o["text"] for o in outputs if o["type"] in ("display_data", "update_display_data")]
        found["html"] = next((o["html"] for o in reversed(outputs) if o["type"] in ("display_data", "update_display_data")), None)
        _, outputs = run(kc, "%dag")
        found["dag"] = next((o["text"] for o in outputs if o["type"] == "display_data"), None)
        return found
    return with_kernel(body)


# Type-checking this takes the checker a while (a thousand levels of a recursive type); running it takes nothing.
SLOW_TO_CHECK = """type Build<N extends number, A extends unknown[] = []> = A["length"] extends N ? A : Build<N, [...A, unknown]>;
const slowToCheck: Build<990>["length"] = 990;
const wrong: number = "a string";
const ranFirst = 1;"""


def warn_order():
    """A cell with a type error under %typecheck warn, the first after the kernel started, and another cell sent right
    behind it: every message of both, in the order it arrived over the shell and iopub channels."""
    def body(kc):
        poller = zmq.Poller()
        poller.register(kc.shell_channel.socket, zmq.POLLIN)
        poller.register(kc.iopub_channel.socket, zmq.POLLIN)
        first = kc.execute(SLOW_TO_CHECK)
        second = kc.execute("ranFirst + 1")
        names = {first: "first", second: "second"}
        arrived = []
        deadline = time.time() + 120
        while time.time() < deadline and not any(a["cell"] == "second" and a["state"] == "idle" for a in arrived):
            ready = dict(poller.poll(100))
            # Every iopub message waiting first, then the shell's: the kernel sends a request's output before its reply,
            # and a client that fell behind must not see a later reply before that output. (Each channel keeps its own
            # order; between the two, only gaps longer than the client's lag are seen as they were.)
            for socket, channel in ((kc.iopub_channel.socket, "iopub"), (kc.shell_channel.socket, "shell")):
                if socket not in ready:
                    continue
                while socket.getsockopt(zmq.EVENTS) & zmq.POLLIN:
                    msg = kc.get_shell_msg(timeout=0) if channel == "shell" else kc.get_iopub_msg(timeout=0)
                    cell = names.get(msg["parent_header"].get("msg_id"))
                    if cell is None:
                        continue
                    content = msg["content"]
                    arrived.append({
                        "cell": cell,
                        "type": f"{channel}:{msg['msg_type']}",
                        "state": content.get("execution_state") or content.get("status"),
                        "text": content.get("text") or content.get("data", {}).get("text/plain"),
                    })
        return {"arrived": arrived}
    return with_kernel(body)


def warn_interrupt():
    """The same cell, interrupted once its reply came and while its check goes on; then another cell."""
    km, kc = start_new_kernel(kernel_name=KERNEL, cwd=WORK)
    try:
        found = {}
        first = kc.execute(SLOW_TO_CHECK)
        while True:
            reply = kc.get_shell_msg(timeout=120)
            if reply["parent_header"].get("msg_id") == first:
                break
        # Message mode (the kernelspec's interrupt_mode): an interrupt_request on the control channel.
        km.interrupt_kernel()
        found["reply"] = reply["content"]["status"]
        outputs = []
        while True:
            msg = kc.get_iopub_msg(timeout=120)
            if msg["parent_header"].get("msg_id") != first:
                continue
            outputs.append(msg["msg_type"])
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        found["first"] = outputs
        # Its check still has to end before this one's (the checker takes them in turn).
        found["next"], later = run(kc, "ranFirst + 1", timeout=120)
        found["next_outputs"] = [(o["type"], o["name"], o["text"]) for o in later if o["type"] not in ("status", "execute_input")]
        return found
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


LAUNCHER = """
import os, sys, time
from jupyter_client.manager import KernelManager
km = KernelManager(kernel_name=os.environ["CELLFLOW_KERNEL_NAME"])
km.start_kernel(cwd=os.environ["CELLFLOW_WORK_DIR"])
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=60)
print(km.provisioner.process.pid, flush=True)
time.sleep(600)
"""


def gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def parent_exit():
    parent = subprocess.Popen([sys.executable, "-c", LAUNCHER], stdout=subprocess.PIPE, text=True)
    pid = int(parent.stdout.readline())
    found = {"alive_before": not gone(pid)}
    time.sleep(2.5)
    found["alive_after_2s"] = not gone(pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 30
    while time.time() < deadline and not gone(pid):
        time.sleep(0.2)
    found["gone_after_parent_killed"] = gone(pid)
    if not found["gone_after_parent_killed"]:
        os.kill(pid, signal.SIGKILL)
    return found


if __name__ == "__main__":
    print(json.dumps(globals()[sys.argv[1]]()))
