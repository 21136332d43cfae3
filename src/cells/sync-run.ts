// Who hears when a cell's synchronous part starts and ends: the kernel, whose control worker interrupts that part
// with SIGINT and must know when a signal is safe to send. Dependency-free, so the kernel imports it at start-up.

/** Told when a cell's synchronous part starts and ends; `exit` hears whether it ended interrupted. */
export interface SyncRunWatcher {
  enter(): void;
  exit(interrupted: boolean): void;
}

let watcher: SyncRunWatcher | undefined;

/** Installs the watcher of every cell runtime's synchronous runs in this process (undefined removes it). */
export function installSyncRunWatcher(next: SyncRunWatcher | undefined): void {
  watcher = next;
}

export function currentSyncRunWatcher(): SyncRunWatcher | undefined {
  return watcher;
}
