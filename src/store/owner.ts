// Which process owns a run: host, pid and the process's start time, so a reused pid is not taken for the owner.

import fs from "node:fs";
import os from "node:os";

/** How often a process touches the heartbeat of the runs it owns (CELLFLOW_HEARTBEAT_MS). @default 1000 */
export const HEARTBEAT_MS = Number(process.env.CELLFLOW_HEARTBEAT_MS) || 1000;

let cached: string | undefined;

function processStartTicks(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22 (starttime) counts from after the parenthesised command name, which may hold spaces.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19] ?? "";
  } catch {
    return "";
  }
}

/** "host:pid:starttime" of this process. */
export function ownerId(): string {
  cached ??= `${os.hostname()}:${process.pid}:${processStartTicks(process.pid)}`;
  return cached;
}

export interface OwnerInfo {
  host: string;
  pid: number;
  start: string;
}

export function parseOwner(owner: string): OwnerInfo | null {
  const parts = owner.split(":");
  if (parts.length < 3) return null;
  const start = parts.pop() ?? "";
  const pid = Number(parts.pop());
  return { host: parts.join(":"), pid, start };
}

/**
 * Whether the owning process is alive. Only answerable for this host; for another host the caller
 * falls back to the heartbeat's age.
 */
export function ownerAlive(owner: string): boolean | "unknown" {
  const info = parseOwner(owner);
  if (!info) return false;
  if (info.host !== os.hostname()) return "unknown";
  try {
    process.kill(info.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  if (info.start && fs.existsSync("/proc/self/stat")) return processStartTicks(info.pid) === info.start;
  return true;
}
