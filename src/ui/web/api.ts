// Typed calls to the UI server's /api (types from ../shared/api-types.ts); errors carry the server's message and hint.

import type { ApiError } from "../shared/api-types.js";

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

async function handle<T>(response: Response): Promise<T> {
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : null;
  if (!response.ok) {
    const e = (body as ApiError | null)?.error;
    if (response.status === 401) window.dispatchEvent(new Event("cellflow:unauthorized"));
    throw new ApiFailure(response.status, e?.code ?? "HTTP", e?.message ?? `request failed (${response.status})`, e?.hint ?? "");
  }
  return body as T;
}

export async function getJson<T>(path: string): Promise<T> {
  return handle<T>(await fetch(path, { credentials: "same-origin" }));
}

export async function sendJson<T>(method: "POST" | "PUT" | "DELETE", path: string, body: unknown = {}): Promise<T> {
  return handle<T>(await fetch(path, { method, credentials: "same-origin", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
