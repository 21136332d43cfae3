"""The live DAG under a real client (jupyter_client's BlockingKernelClient); each scenario prints one JSON line.

Usage: python3 live_dag.py <updates|interrupt>
"""

import json
import os
import re
import sys
import time

from kernel_start import start_new_kernel

KERNEL = os.environ["CELLFLOW_KERNEL_NAME"]
WORK = os.environ["CELLFLOW_WORK_DIR"]

THREE_TASKS = """import { task } from "cellflow";
const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));
const alpha = task("alpha", async () => { await pause(300); return 1; });
const beta = task("beta", async (x: number) => { await pause(300); return x + 1; });
const gamma = task("gamma", async (x: number) => { await pause(300); return x + 1; });
await gamma(await beta(await alpha()))"""

SLOW_TASK = """import { task, getRunContext } from "cellflow";
import { setTimeout as sleep } from "node:timers/promises";
const quick = task("quick", () => 1);
const slow = task("slow", async (x: number) => { await sleep(60_000, x, { signal: getRunContext().signal }); return x; });
await slow(await quick())"""


def shell_reply(kc, msg_id, timeout=120):
    """The shell reply to msg_id (other replies, e.g. start-up kernel_info ones, are skipped)."""
    deadline = time.time() + timeout
    while True:
        msg = kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def iopub_until_idle(kc, msg_id, timeout=120):
    """Every iopub message of request msg_id, in arrival order, up to and including its idle status."""
    deadline = time.time() + timeout
    found = []
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        found.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return found


def summary(msg):
    content = msg["content"]
    data = content.get("data", {})
    return {
        "type": msg["msg_type"],
        "display_id": content.get("transient", {}).get("display_id"),
        "text": data.get("text/plain"),
        "html": data.get("text/html"),
        "ename": content.get("ename"),
    }


def run(kc, code):
    msg_id = kc.execute(code)
    reply = shell_reply(kc, msg_id)["content"]
    return reply, [summary(m) for m in iopub_until_idle(kc, msg_id)]


def updates():
    km, kc = start_new_kernel(kernel_name=KERNEL, cwd=WORK)
    try:
        reply, outputs = run(kc, THREE_TASKS)
        return {"status": reply["status"], "outputs": outputs}
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def interrupt():
    km, kc = start_new_kernel(kernel_name=KERNEL, cwd=WORK)
    try:
        found = {"interrupt_mode": km.kernel_spec.interrupt_mode}
        msg_id = kc.execute(SLOW_TASK)
        # Wait (not a timed guess) until the live DAG shows `slow` running, then interrupt.
        outputs = []
        deadline = time.time() + 30
        while not any(o["text"] and re.search(r"slow\s+Running", o["text"]) for o in outputs):
            msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
            if msg["parent_header"].get("msg_id") == msg_id:
                outputs.append(summary(msg))
        km.interrupt_kernel()
        reply = shell_reply(kc, msg_id, timeout=10)["content"]
        found["reply"] = {"status": reply["status"], "ename": reply.get("ename")}
        found["outputs"] = outputs + [summary(m) for m in iopub_until_idle(kc, msg_id)]
        _, found["dag"] = run(kc, "%dag")
        _, found["after"] = run(kc, "1 + 1")
        found["alive"] = km.is_alive()
        return found
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    print(json.dumps({"updates": updates, "interrupt": interrupt}[sys.argv[1]]()))
