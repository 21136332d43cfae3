"""Starting the kernel under test, ready on all five channels, on ports no other process took first.

jupyter_client picks a kernel's ports by binding port 0 and closing the socket; the kernel binds them a moment later,
and any process on the machine may take one in between (jupyter_client issue #487). The test suite runs many
processes at once, so now and then one does: the kernel then exits with "cannot bind the <channel> channel to ...:
Address already in use". Its heartbeat and control channels are bound by its control thread after the shell channel
answers, so a client that only waits for kernel_info may already be running a cell when that happens. Here a start
counts once the control channel has answered too; a kernel that could not bind its ports is started again on new ones
(as a Jupyter server restarts a kernel that died), up to three times. A kernel that died for any other reason fails.
Each kernel's stderr goes to a log file, copied to this process's stderr at exit (where the tests' messages show it).
"""

import atexit
import os
import sys
import tempfile
import time
from queue import Empty

from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager
from jupyter_client.utils import run_sync

PORT_TAKEN = "Address already in use"
ATTEMPTS = 3
_logs = []
_temporary = set()


@atexit.register
def _copy_logs():
    for path in _logs:
        try:
            with open(path) as f:
                text = f.read()
            if path in _temporary:
                os.unlink(path)
        except OSError:
            continue
        if text:
            sys.stderr.write(f"--- kernel stderr ({os.path.basename(path)}):\n{text}")


def _call(method, *args, **kwargs):
    """Calls a KernelManager or AsyncKernelManager method to its end."""
    result = method(*args, **kwargs)
    return run_sync(lambda: result)() if hasattr(result, "__await__") else result


def _control_answers(km, timeout):
    """Whether the kernel answers kernel_info on its control channel (its control thread has bound its channels)."""
    kc = BlockingKernelClient(connection_file=km.connection_file)
    kc.load_connection_file()
    kc.start_channels(shell=False, iopub=False, stdin=False, hb=False, control=True)
    try:
        msg = kc.session.msg("kernel_info_request")
        kc.control_channel.send(msg)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not _call(km.is_alive):
                return False
            try:
                reply = _call(kc.control_channel.get_msg, timeout=0.2)
            except Empty:
                continue
            if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                return True
        raise RuntimeError(f"the kernel's control channel did not answer within {timeout} s")
    finally:
        kc.stop_channels()


def start_kernel(kernel_name, cwd, log_path=None, manager_class=KernelManager, timeout=60):
    """Starts a kernel ready on every channel and returns its manager; its stderr goes to log_path (or a temp file)."""
    for attempt in range(1, ATTEMPTS + 1):
        if log_path:
            path = log_path
        else:
            fd, path = tempfile.mkstemp(prefix="cellflow-kernel-", suffix=".log")
            os.close(fd)
            _temporary.add(path)
        if path not in _logs:
            _logs.append(path)
        km = manager_class(kernel_name=kernel_name)
        # Left open: a restart_kernel() starts the new process with the same arguments.
        _call(km.start_kernel, cwd=cwd, stderr=open(path, "w"))
        if _control_answers(km, timeout):
            return km
        shut_down(km, now=True)
        with open(path) as f:
            said = f.read()
        if PORT_TAKEN not in said or attempt == ATTEMPTS:
            raise RuntimeError(f"the kernel died at start (attempt {attempt}):\n{said}")
        sys.stderr.write(f"kernel start {attempt}: a port was taken before the kernel bound it; starting again on new ports\n")
    raise AssertionError("unreachable")


def shut_down(km, now=False):
    """Shuts the kernel down (a dead one included) and removes its connection file."""
    try:
        if _call(km.is_alive):
            _call(km.shutdown_kernel, now=now)
    finally:
        _call(km.cleanup_resources)


def start_new_kernel(kernel_name, cwd, log_path=None, timeout=60):
    """start_kernel, plus a blocking client with its channels started and ready (as jupyter_client's own)."""
    km = start_kernel(kernel_name, cwd, log_path, timeout=timeout)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=timeout)
    return km, kc
