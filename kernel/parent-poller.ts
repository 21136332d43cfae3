// Ends the kernel when the process that started it is gone, as ipykernel's parent poller does: a notebook server or
// console killed without a shutdown request must not leave kernels running.

/** The pid to watch: JPY_PARENT_PID when it is a pid, else the parent at start. */
export function parentPid(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.JPY_PARENT_PID);
  return Number.isInteger(fromEnv) && fromEnv > 1 ? fromEnv : process.ppid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Calls `onGone` once the parent is gone (it exited, or this process was re-parented away from it), checking every
 * `intervalMs`. The timer does not keep the process alive. Returns the function that stops watching.
 * @example const stop = watchParent(() => kernel.shutdown());
 */
export function watchParent(onGone: () => void, intervalMs = 1000, pid = parentPid()): () => void {
  const startPpid = process.ppid;
  const watchingParent = pid === startPpid;
  if (pid <= 1) return () => undefined; // started by init (a container's entry point): nothing to watch
  const timer = setInterval(() => {
    if (alive(pid) && (!watchingParent || process.ppid === startPpid)) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
