// Formatting for pages: durations, relative and absolute times.

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

export function duration(run: { startTime: number | null; endTime: number | null }, now = Date.now()): string {
  if (run.startTime === null) return "—";
  return formatMs(Math.max(0, (run.endTime ?? now) - run.startTime));
}

export function ago(ts: number, now = Date.now()): string {
  const d = now - ts;
  const future = d < 0;
  const a = Math.abs(d);
  const text = a < 45_000 ? `${Math.max(1, Math.round(a / 1000))}s` : a < 3_600_000 ? `${Math.round(a / 60_000)}m` : a < 86_400_000 ? `${Math.round(a / 3_600_000)}h` : `${Math.round(a / 86_400_000)}d`;
  return future ? `in ${text}` : `${text} ago`;
}

export function clock(ts: number): string {
  const d = new Date(ts);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}
