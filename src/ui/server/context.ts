// What every route handler shares: the store (through the engine, so buttons and pages see one store),
// the secret redactor, and the JSON reply that passes through it.

import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { getEngine } from "../../engine/engine.js";
import type { Store } from "../../store/store.js";
import { Redactor } from "./redact.js";
import type { FlowRunSummary } from "../shared/api-types.js";
import type { FlowRunSummaryRecord } from "../../store/ui-queries.js";

export interface UiContext {
  store(): Store;
  redactor: Redactor;
}

export function uiContext(): UiContext {
  const store = () => getEngine().store;
  return { store, redactor: new Redactor(store) };
}

/** Reply with JSON that has every stored secret masked. */
export function reply(ui: UiContext, c: Context, data: unknown, status: ContentfulStatusCode = 200): Response {
  return c.body(ui.redactor.json(data), status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
}

export function summary(r: FlowRunSummaryRecord): FlowRunSummary {
  const { seq: _seq, ...rest } = r;
  return rest;
}

/** A number from the query string, or the fallback when absent or not a number. */
export function queryNumber(value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? n : fallback;
}
