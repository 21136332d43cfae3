"""Kernel benchmark client (run by bench/kernel.ts): one jupyter_client driving each named kernel; prints one JSON line.

Usage: python3 bench_kernels.py <work dir> <launches> <cells> <kernel name>[:extra,...] ...
(extras: dag, nocheck, typed, typed-python, rested; see bench()).
For each kernel: launch → kernel_info_reply (median of <launches> fresh starts), the first cell (and launch → its
reply and to its idle status, on the last start), and the round
trip of `1 + 1` over <cells> runs, then of <cells> different cells `0 + 1`, `1 + 1`, ... (execute_request sent until its reply and idle status both arrived; a round
whose idle status never came is counted as idleLost, not timed). With "typed" ("typed-python": the same cells in
Python), the round trip of a cell after 50 cells that define what it uses. With "rested", <cells> different cells in
a fresh kernel left idle 2 s after its first cell. With ":dag", also how long after a task records
Date.now() (its last statement) the client receives the update_display_data showing it Completed. Both clocks
are this machine's wall clock (Date.now() in the kernel, time.time() here).
"""

import json
import os
import re
import statistics
import sys
import time
from queue import Empty

import zmq
import zmq.asyncio
from jupyter_client.manager import KernelManager

# Sleeps (ms) of consecutive tasks, chosen so completions fall early, mid and late in the 200 ms render window.
SLEEPS = [40, 90, 150, 210, 260, 20, 130, 310]
DAG_CELLS = 3
# A kernel whose reply came but whose idle status has not within this long is taken to have dropped it.
IDLE_TIMEOUT = 5
# Seconds a kernel sits idle after its first cell in the "rested" round (a person reading the result).
REST_S = 2


def context():
    # jupyter_client connects before the kernel has bound its ports; zmq's default 100 ms reconnect interval
    # would then round every launch time up to the next retry. Same setting for every kernel.
    ctx = zmq.asyncio.Context()
    ctx.setsockopt(zmq.RECONNECT_IVL, 5)
    return ctx


def reply_to(kc, msg_id, timeout=60):
    deadline = time.time() + timeout
    while True:
        msg = kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def idle_of(kc, msg_id, timeout=60, on_message=None):
    deadline = time.time() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if on_message:
            on_message(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return


class Died(Exception):
    pass


def launch(name, work):
    """Starts the kernel; returns (manager, client, ms from start until the kernel_info_reply arrived)."""
    km = KernelManager(kernel_name=name)
    started = time.perf_counter()
    km.start_kernel(cwd=work)
    kc = km.client(context=context())
    kc.start_channels()
    msg_id = kc.kernel_info()
    deadline = time.time() + 60
    while True:
        try:
            if kc.get_shell_msg(timeout=0.05)["parent_header"].get("msg_id") == msg_id:
                return km, kc, (time.perf_counter() - started) * 1000
        except Empty:
            if not km.is_alive() or time.time() > deadline:
                stop(km, kc)
                raise Died(name)


def cpu_ms(km):
    """CPU time (user + system, every thread) the kernel and the processes it started (Cellflow's type checker, say)
    have used so far, from /proc; None elsewhere."""
    try:
        stats = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        stats[int(entry)] = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    pass
        tree, total = [km.provisioner.pid], 0
        while tree:
            pid = tree.pop()
            fields = stats[pid]
            total += int(fields[11]) + int(fields[12])
            tree += [child for child, f in stats.items() if int(f[1]) == pid]
        return total * 1000 / os.sysconf("SC_CLK_TCK")
    except (AttributeError, KeyError, OSError, ValueError):
        return None


def stop(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def execute(kc, code, on_message=None, idle_timeout=IDLE_TIMEOUT):
    """Runs a cell; ms from execute_request until its reply and idle status both arrived, or None when the
    reply came but the idle status never did (a kernel that dropped iopub messages; counted by the caller)."""
    started = time.perf_counter()
    msg_id = kc.execute(code)
    # iopub first, as it arrives (arrival times matter); the reply is sent before idle, so it is waiting by then.
    try:
        idle_of(kc, msg_id, timeout=idle_timeout, on_message=on_message)
        ended = time.perf_counter()
        lost = False
    except Empty:
        lost = True
    reply = reply_to(kc, msg_id)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"cell failed: {reply['content'].get('ename')}: {reply['content'].get('evalue')}")
    return None if lost else (ended - started) * 1000


def first_cell(kc, code):
    """The first cell, timed on both channels: ms from execute_request until its reply, and until its idle status
    (its output all delivered, Cellflow's type errors included)."""
    poller = zmq.Poller()
    poller.register(kc.shell_channel.socket, zmq.POLLIN)
    poller.register(kc.iopub_channel.socket, zmq.POLLIN)
    started = time.perf_counter()
    msg_id = kc.execute(code)
    reply_ms = idle_ms = None
    deadline = time.time() + 60
    while reply_ms is None or idle_ms is None:
        if time.time() > deadline:
            raise RuntimeError(f"no reply and idle status for {code!r} within 60 s")
        ready = dict(poller.poll(100))
        if kc.shell_channel.socket in ready:
            msg = kc.get_shell_msg(timeout=0)
            if msg["parent_header"].get("msg_id") == msg_id:
                if msg["content"]["status"] != "ok":
                    raise RuntimeError(f"cell failed: {msg['content'].get('ename')}: {msg['content'].get('evalue')}")
                reply_ms = (time.perf_counter() - started) * 1000
        if kc.iopub_channel.socket in ready:
            msg = kc.get_iopub_msg(timeout=0)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                idle_ms = (time.perf_counter() - started) * 1000
    return reply_ms, idle_ms


def execute_all(kc, code, on_message=None):
    ms = execute(kc, code, on_message, idle_timeout=60)
    if ms is None:
        raise RuntimeError(f"no idle status after the reply to {code!r}")
    return ms


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def state_change_to_update(kc, work):
    """Per task: arrival of the first update showing it Completed, minus the Date.now() it recorded last."""
    stamps_file = os.path.join(work, "bench-stamps.txt")
    execute_all(kc, 'import { task } from "cellflow";\nimport { appendFileSync } from "node:fs";')
    lags = []
    for cell in range(DAG_CELLS):
        code = (
            f"const steps{cell} = {json.dumps(SLEEPS)}.map((ms, i) => task(`c{cell}-step-${{i}}`, async () => {{\n"
            "  await new Promise((done) => setTimeout(done, ms));\n"
            f"  appendFileSync({json.dumps(stamps_file)}, `c{cell}-step-${{i}} ${{Date.now()}}\\n`);\n"
            "}));\n"
            f"for (const step of steps{cell}) await step();"
        )
        arrivals = []

        def record(msg):
            if msg["msg_type"] == "update_display_data":
                arrivals.append((time.time() * 1000, msg["content"]["data"]["text/plain"]))

        execute_all(kc, code, on_message=record)
        with open(stamps_file) as f:
            stamps = dict(line.split() for line in f.read().split("\n") if line.startswith(f"c{cell}-"))
        for task_name, stamp in stamps.items():
            shown = re.compile(rf"✓ {re.escape(task_name)}\s+Completed")
            arrival = next((at for at, text in arrivals if shown.search(text)), None)
            if arrival is None:
                raise RuntimeError(f"no update showed {task_name} Completed")
            lags.append(arrival - int(stamp))
    return lags


def after_earlier_cells(kc, cells, python=False, earlier=50):
    """The round trip of a cell that uses names of `earlier` cells before it (a type checker sees them all); for a
    Python kernel, the same cells in Python (nothing type-checks them)."""
    for i in range(earlier):
        if python:
            execute_all(kc, f"v{i}: int = {i}\ndef f{i}(x: str) -> int:\n    return len(x) + v{i}")
        else:
            execute_all(kc, f"const v{i}: number = {i};\nfunction f{i}(x: string): number {{ return x.length + v{i}; }}")
    rounds = [ms for ms in (execute(kc, f"f{i % earlier}('abc') + v{(i * 7) % earlier}") for i in range(cells)) if ms is not None]
    return percentile(rounds, 50), percentile(rounds, 95)


def rested(name, work, cells, pause=REST_S):
    """Different cells (`0 + 2`, `1 + 2`, ...) in a fresh kernel left idle `pause` s after its first cell, as a
    person who reads a result before typing the next cell meets them (Cellflow's checker warms itself up when idle;
    the distinct cells above come back to back, before it could)."""
    km, kc, _ = launch(name, work)
    try:
        execute_all(kc, "1 + 1")
        time.sleep(pause)
        rounds = [ms for ms in (execute(kc, f"{i} + 2") for i in range(cells)) if ms is not None]
        return percentile(rounds, 50), percentile(rounds, 95)
    finally:
        stop(km, kc)


def bench(spec, work, launches, cells):
    name, _, extras = spec.partition(":")
    extras = extras.split(",")
    times, died = [], 0
    while len(times) < launches:
        try:
            km, kc, ms = launch(name, work)
        except Died:
            # Counted and reported, not hidden: the kernel exited before answering kernel_info.
            died += 1
            if died > 2 * launches:
                raise
            continue
        times.append(ms)
        if len(times) < launches:
            stop(km, kc)
    try:
        first_reply, first = first_cell(kc, "1 + 1")
        # The last launch is the one whose first cell is timed: start_kernel until that cell's reply, and until its
        # idle status (Cellflow replies once the cell ran and sends its type errors before idle).
        found = {
            "kernelInfoMs": statistics.median(times), "launchesDied": died, "firstCellMs": first,
            "startToFirstReplyMs": times[-1] + first_reply, "startToFirstCellMs": times[-1] + first,
        }
        # CPU time is what a loaded machine's wall clock hides: the kernel's own cost (every thread) per cell.
        found["cpuToFirstCellMs"] = cpu_ms(km)
        cpu_before = found["cpuToFirstCellMs"]
        timed = [execute(kc, "1 + 1") for _ in range(cells)]
        cpu_after = cpu_ms(km)
        if cpu_before is not None and cpu_after is not None:
            found["cellCpuMs"] = (cpu_after - cpu_before) / cells
        rounds = [ms for ms in timed if ms is not None]
        found["idleLost"] = len(timed) - len(rounds)
        found["cellP50Ms"] = percentile(rounds, 50)
        found["cellP95Ms"] = percentile(rounds, 95)
        # A different trivial cell each round (`0 + 1`, `1 + 1`, ...): what a kernel that remembers the checks of
        # cells run again unchanged does for every new cell.
        cpu_before = cpu_ms(km)
        timed = [execute(kc, f"{i} + 1") for i in range(cells)]
        cpu_after = cpu_ms(km)
        if cpu_before is not None and cpu_after is not None:
            found["distinctCellCpuMs"] = (cpu_after - cpu_before) / cells
        rounds = [ms for ms in timed if ms is not None]
        found["idleLost"] += len(timed) - len(rounds)
        found["distinctCellP50Ms"] = percentile(rounds, 50)
        found["distinctCellP95Ms"] = percentile(rounds, 95)
        if "nocheck" in extras:
            execute_all(kc, "%typecheck off")
            rounds = [ms for ms in (execute(kc, "1 + 1") for _ in range(cells)) if ms is not None]
            found["uncheckedCellP50Ms"] = percentile(rounds, 50)
            found["uncheckedCellP95Ms"] = percentile(rounds, 95)
            execute_all(kc, "%typecheck warn")
        if "typed" in extras or "typed-python" in extras:
            found["after50CellsP50Ms"], found["after50CellsP95Ms"] = after_earlier_cells(kc, cells, python="typed-python" in extras)
        if "dag" in extras:
            lags = state_change_to_update(kc, work)
            found["stateChangeToUpdateMsP50"] = percentile(lags, 50)
            found["stateChangeToUpdateMsMax"] = max(lags)
            found["stateChangeSamples"] = len(lags)
    finally:
        stop(km, kc)
    if "rested" in extras:
        found["restedDistinctCellP50Ms"], found["restedDistinctCellP95Ms"] = rested(name, work, cells)
    return found


if __name__ == "__main__":
    work, launches, cells, *specs = sys.argv[1:]
    print(json.dumps({spec.partition(":")[0]: bench(spec, work, int(launches), int(cells)) for spec in specs}))
