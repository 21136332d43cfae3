// The live stream's position in the store's change order: "flowSeq.taskSeq.logId", also the SSE event id.

export interface Cursor {
  flow: number;
  task: number;
  log: number;
}

export function encodeCursor(c: Cursor): string {
  return `${c.flow}.${c.task}.${c.log}`;
}

/** Parse an event id back; null when it is not one (the stream then starts at the store's present). */
export function decodeCursor(text: string | undefined | null): Cursor | null {
  if (!text) return null;
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  return m ? { flow: Number(m[1]), task: Number(m[2]), log: Number(m[3]) } : null;
}
