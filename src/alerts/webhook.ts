// Alert webhooks: POST a JSON body with retries and a timeout; a failing webhook is reported, never thrown, so it cannot fail a run.

import type { State } from "../core/states.js";

/** Options for `postWebhook`. */
export interface WebhookOptions {
  /**
   * Extra request headers (a block's headers, e.g. Authorization). Content-Type is JSON unless given here.
   * @default {}
   * @example { Authorization: "Bearer abc" }
   */
  headers?: Record<string, string>;
  /**
   * Retries after the first attempt, on network errors, timeouts, 5xx and 429 responses. Other 4xx are not retried.
   * @default 3
   * @example 0 // one attempt only
   */
  retries?: number;
  /**
   * Delay before the first retry; each later retry waits twice as long.
   * @default 500
   * @example 50
   */
  retryDelayMs?: number;
  /**
   * Time allowed per attempt, including reading the response.
   * @default 10000
   * @example 2000
   */
  timeoutMs?: number;
}

export interface WebhookResult {
  /** True when a 2xx response arrived. */
  ok: boolean;
  /** The last HTTP status, or null when no response arrived. */
  status: number | null;
  /** Requests made. */
  attempts: number;
  /** Why it failed: "HTTP 500: <start of body>", "timed out after 10000ms", a network error. */
  error?: string;
}

const MAX_ERROR_BODY = 200;

function retryable(status: number): boolean {
  // 429 is the server asking to come back later, so it is retried like a 5xx.
  return status >= 500 || status === 429;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `timed out after ${timeoutMs}ms`;
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    const detail = cause instanceof Error ? cause.message : "";
    return detail && detail !== error.message ? `${error.message}: ${detail}` : error.message;
  }
  return String(error);
}

/**
 * POST `body` as JSON (a string is sent as is). Resolves to what happened; never rejects.
 * @example const result = await postWebhook(url, alertBody({ flowName, flowRunId, state, message }));
 */
export async function postWebhook(url: string, body: unknown, options: WebhookOptions = {}): Promise<WebhookResult> {
  const { headers = {}, retries = 3, retryDelayMs = 500, timeoutMs = 10_000 } = options;
  let payload: string;
  let target: URL;
  try {
    target = new URL(url);
    payload = typeof body === "string" ? body : JSON.stringify(body);
  } catch (error) {
    return { ok: false, status: null, attempts: 0, error: describeFailure(error, timeoutMs) };
  }
  const hasHeader = (wanted: string) => Object.keys(headers).some((name) => name.toLowerCase() === wanted);
  let requestHeaders = hasHeader("content-type") ? headers : { "content-type": "application/json", ...headers };
  // fetch refuses a URL with `user:password@`: send them as Basic auth, and never echo them in an error.
  if (target.username || target.password) {
    const basic = Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString("base64");
    if (!hasHeader("authorization")) requestHeaders = { ...requestHeaders, authorization: `Basic ${basic}` };
    target.username = "";
    target.password = "";
    url = target.toString();
  }

  let result: WebhookResult = { ok: false, status: null, attempts: 0 };
  const attempts = 1 + Math.max(0, Math.floor(retries));
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    if (attempt > 1) await sleep(retryDelayMs * 2 ** (attempt - 2));
    let again: boolean;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: requestHeaders,
        body: payload,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Read the body so the connection is released, and keep its start to explain a failure.
      const text = await response.text();
      if (response.ok) return { ok: true, status: response.status, attempts: attempt };
      const snippet = text.trim().slice(0, MAX_ERROR_BODY);
      result = { ok: false, status: response.status, attempts: attempt, error: `HTTP ${response.status}${snippet ? `: ${snippet}` : ""}` };
      again = retryable(response.status);
    } catch (error) {
      result = { ok: false, status: null, attempts: attempt, error: describeFailure(error, timeoutMs) };
      again = true;
    }
    if (!again) break;
  }
  return result;
}

/** What an alert is about. */
export interface AlertInput {
  flowName: string;
  flowRunId: string;
  /**
   * The run's readable name, e.g. "etl-brave-otter".
   * @default the run id
   */
  flowRunName?: string;
  /**
   * The deployment that started the run, when one did.
   * @default null
   */
  deploymentName?: string | null;
  /**
   * The web UI's address; with it the body carries `url`, the run's page.
   * @default process.env.CELLFLOW_UI_URL
   * @example "http://127.0.0.1:4200"
   */
  uiUrl?: string;
  state: Pick<State, "type" | "name">;
  /** The state's message, e.g. the error. */
  message: string;
  /**
   * When it happened, in ms since the epoch.
   * @default Date.now()
   */
  timestamp?: number;
}

export interface AlertBody {
  /** One line for chat webhooks (Slack, Mattermost and Teams read `text`). */
  text: string;
  flowName: string;
  flowRunId: string;
  flowRunName: string;
  deploymentName: string | null;
  state: { type: string; name: string };
  message: string;
  /** ISO timestamp. */
  timestamp: string;
  /** The command that shows the run: `cellflow runs show <id>`. */
  link: string;
  /** The run's page in the web UI (`<CELLFLOW_UI_URL>/runs/<id>`), when the UI's address is configured. */
  url?: string;
}

/** The run's page in the web UI, or undefined when no UI address is configured. */
export function runPageUrl(flowRunId: string, uiUrl = process.env.CELLFLOW_UI_URL): string | undefined {
  if (!uiUrl) return undefined;
  return `${uiUrl.replace(/\/+$/, "")}/runs/${encodeURIComponent(flowRunId)}`;
}

/**
 * The JSON body of an alert.
 * @example alertBody({ flowName: "etl", flowRunId: "abc", state: Failed("boom"), message: "boom" })
 */
export function alertBody(input: AlertInput): AlertBody {
  const { flowName, flowRunId, state, message } = input;
  const flowRunName = input.flowRunName ?? flowRunId;
  const deploymentName = input.deploymentName ?? null;
  const link = `cellflow runs show ${flowRunId}`;
  const url = runPageUrl(flowRunId, "uiUrl" in input ? input.uiUrl : process.env.CELLFLOW_UI_URL);
  const who = input.flowRunName ? `${flowRunName} of flow ${flowName} (${flowRunId})` : `${flowName} (${flowRunId})`;
  const body: AlertBody = {
    text: `Flow run ${who}${deploymentName ? `, deployment ${deploymentName},` : ""} is ${state.name}${message ? `: ${message}` : ""} — ${url ?? link}`,
    flowName,
    flowRunId,
    flowRunName,
    deploymentName,
    state: { type: state.type, name: state.name },
    message,
    timestamp: new Date(input.timestamp ?? Date.now()).toISOString(),
    link,
  };
  if (url) body.url = url;
  return body;
}
