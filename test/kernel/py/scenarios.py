"""Client-side scenarios against the Cellflow kernel with jupyter_client; each prints one JSON line of findings.

Usage: python3 scenarios.py <signature|interrupt|lifecycle|traceback>
"""

import json
import os
import signal
import sys
import time
from queue import Empty

import zmq
from kernel_start import start_new_kernel
from jupyter_client.session import Session
from jupyter_client.utils import run_sync

KERNEL = os.environ["CELLFLOW_KERNEL_NAME"]
WORK = os.environ["CELLFLOW_WORK_DIR"]


def start(stderr_path=None):
    return start_new_kernel(KERNEL, WORK, stderr_path)


def run(kc, code, timeout=20):
    """Executes code; returns (reply content, [iopub messages of that request])."""
    outputs = []
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=outputs.append)
    return reply["content"], [{"type": m["msg_type"], "content": m["content"]} for m in outputs]


def result_text(outputs):
    for m in outputs:
        if m["type"] == "execute_result":
            return m["content"]["data"]["text/plain"]
    return None


def no_reply(kc, seconds):
    try:
        msg = kc.get_shell_msg(timeout=seconds)
        return {"unexpected": msg["msg_type"]}
    except Empty:
        return True


def spin(kc, body):
    """Executes `body`, whose MARK writes a marker file, and returns once the marker exists: the cell is running.

    Waiting for the marker rather than a fixed sleep: on a loaded machine a cell can take longer than any sleep to
    start (it is type-checked first), and an interrupt that arrives before it runs finds the kernel idle and is dropped.
    MARK needs `fs` from an earlier cell (`const fs = await import("node:fs")`), so a synchronous cell stays so.
    """
    marker = os.path.join(WORK, f"running-{time.time_ns()}")
    msg_id = kc.execute(body.replace("MARK", f"fs.writeFileSync({json.dumps(marker)}, '')"))
    deadline = time.time() + 60
    while not os.path.exists(marker):
        if time.time() > deadline:
            raise RuntimeError(f"the cell `{body}` did not start within 60 s")
        time.sleep(0.02)
    return msg_id


def ping(port, timeout_ms=1000):
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.REQ)
    sock.linger = 0
    sock.connect(f"tcp://127.0.0.1:{port}")
    try:
        sock.send(b"ping")
        if sock.poll(timeout_ms):
            return sock.recv() == b"ping"
        return False
    finally:
        sock.close()


def signature():
    log = os.path.join(WORK, "signature-stderr.log")
    km, kc = start(log)
    try:
        found = {}
        run(kc, "let counter = 1")
        shell = kc.shell_channel.socket
        content = lambda code: {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False}
        wrong = Session(key=b"not-the-key", session=kc.session.session, username=kc.session.username)
        wrong.send(shell, "execute_request", content("counter = 100"))
        unsigned = Session(key=b"", session=kc.session.session, username=kc.session.username)
        unsigned.send(shell, "execute_request", content("counter = 200"))
        found["no_reply_to_bad_signatures"] = no_reply(kc, 1.5)
        # A bad shutdown_request on control must not stop the kernel.
        wrong.send(kc.control_channel.socket, "shutdown_request", {"restart": False})
        time.sleep(1.0)
        found["alive_after_bad_shutdown"] = km.is_alive()
        # Replaying a valid message's exact frames: only the first copy runs.
        msg = kc.session.msg("execute_request", content("counter += 10"))
        frames = kc.session.serialize(msg)
        shell.send_multipart(frames)
        shell.send_multipart(frames)
        first = kc.get_shell_msg(timeout=10)
        found["replay_first_status"] = first["content"]["status"]
        found["no_reply_to_replay"] = no_reply(kc, 1.5)
        _, outputs = run(kc, "counter")
        found["counter"] = result_text(outputs)
        with open(log) as f:
            found["stderr"] = f.read()
        return found
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def interrupt():
    km, kc = start()
    try:
        found = {}
        run(kc, 'let kept = 41; const fs = await import("node:fs")')
        # Message mode: the kernelspec says interrupt_mode "message", so this is an interrupt_request on control.
        found["interrupt_mode"] = km.kernel_spec.interrupt_mode
        spin(kc, "MARK; while (true) {}")
        found["heartbeat_while_busy"] = [ping(kc.hb_port) for _ in range(3)]
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=10)["content"]
        found["message_interrupt"] = {"status": reply["status"], "ename": reply.get("ename")}
        _, outputs = run(kc, "kept + 1")
        found["after_message_interrupt"] = result_text(outputs)
        # Plain SIGINT to the kernel process, busy synchronously and then awaiting forever.
        pid = km.provisioner.process.pid
        spin(kc, "MARK; for (;;) { kept = kept; }")
        os.kill(pid, signal.SIGINT)
        reply = kc.get_shell_msg(timeout=10)["content"]
        found["sigint_sync"] = {"status": reply["status"], "ename": reply.get("ename")}
        # Marked from a timer, so the cell is already awaiting (not still in its synchronous start) when SIGINT comes.
        spin(kc, "await new Promise(() => setTimeout(() => MARK, 50))")
        os.kill(pid, signal.SIGINT)
        reply = kc.get_shell_msg(timeout=10)["content"]
        found["sigint_await"] = {"status": reply["status"], "ename": reply.get("ename")}
        os.kill(pid, signal.SIGINT)  # while idle: ignored, the kernel lives on
        time.sleep(0.3)
        _, outputs = run(kc, "kept + 2")
        found["after_sigint"] = result_text(outputs)
        found["alive"] = km.is_alive()
        return found
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def lifecycle():
    km, kc = start()
    found = {}
    try:
        run(kc, "let v = 1")
        old = km.provisioner.process
        km.restart_kernel(now=False)
        found["old_exit_code"] = old.wait(timeout=10)
        kc.wait_for_ready(timeout=30)
        _, outputs = run(kc, "typeof v")
        found["after_restart"] = result_text(outputs)
        found["new_pid_differs"] = km.provisioner.process.pid != old.pid
        # A shutdown while a cell spins: answered by the worker, and the process still exits.
        run(kc, 'const fs = await import("node:fs")')
        spin(kc, "MARK; while (true) {}")
        started = time.time()
        kc.shutdown(restart=False)
        reply = run_sync(kc.control_channel.get_msg)(timeout=10)
        found["shutdown_reply"] = {"type": reply["msg_type"], "status": reply["content"]["status"], "restart": reply["content"]["restart"]}
        found["exit_code"] = km.provisioner.process.wait(timeout=10)
        found["exit_seconds"] = round(time.time() - started, 2)
        return found
    finally:
        kc.stop_channels()
        if km.is_alive():
            km.shutdown_kernel(now=True)


def traceback():
    km, kc = start()
    try:
        found = {}
        run(kc, "const one = 1")
        reply, outputs = run(kc, "const a = one;\nfunction g() {\n  throw new Error('bad line');\n}\ng();")
        errors = [m["content"] for m in outputs if m["type"] == "error"]
        found["runtime"] = {"reply": reply["status"], "ename": reply.get("ename"), "evalue": reply.get("evalue"),
                            "traceback": reply.get("traceback"), "iopub_errors": len(errors),
                            "execution_count": reply.get("execution_count")}
        reply, _ = run(kc, "let ok = 1;\nconst = 2;")
        found["syntax"] = {"ename": reply.get("ename"), "traceback": reply.get("traceback")}
        return found
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def streams_of(outputs, name="stderr"):
    return "".join(m["content"]["text"] for m in outputs if m["type"] == "stream" and m["content"]["name"] == name)


def stray():
    """Errors no cell catches: a throw in a timer, a rejection nobody handles, during a cell and after it ended."""
    log = os.path.join(WORK, "stray-stderr.log")
    km, kc = start(log)
    try:
        found = {}
        run(kc, "let kept = 41")
        reply, outputs = run(kc, "await new Promise((resolve) => setTimeout(() => {\n  setTimeout(resolve, 50);\n  throw new Error('stray boom');\n}, 10));\n'after the throw'")
        found["throw_during"] = {"status": reply["status"], "result": result_text(outputs), "stderr": streams_of(outputs)}
        reply, outputs = run(kc, "Promise.reject(new Error('nobody handles this'));\nawait new Promise((resolve) => setTimeout(resolve, 50));\n'after the rejection'")
        found["reject_during"] = {"status": reply["status"], "result": result_text(outputs), "stderr": streams_of(outputs)}
        # After the cell ended (the kernel idle): under that cell, as its client takes output for it.
        msg_id = kc.execute("setTimeout(() => { throw new TypeError('thrown later'); }, 300);\n'scheduled'")
        later = []
        deadline = time.time() + 30
        while time.time() < deadline and not streams_of(later):
            try:
                msg = kc.get_iopub_msg(timeout=1)
            except Empty:
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                later.append({"type": msg["msg_type"], "content": msg["content"]})
        kinds = [m["type"] for m in later]
        found["throw_after"] = {"idle_before_error": "status" in kinds and kinds.index("stream") > max(i for i, k in enumerate(kinds) if k == "status"), "stderr": streams_of(later)}
        _, outputs = run(kc, "kept + 1")
        found["kept"] = result_text(outputs)
        found["alive"] = km.is_alive()
        with open(log) as f:
            found["log"] = f.read()
        return found
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    print(json.dumps({"signature": signature, "interrupt": interrupt, "lifecycle": lifecycle, "traceback": traceback, "stray": stray}[sys.argv[1]]()))
