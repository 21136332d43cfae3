import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { alertBody, postWebhook } from "../../src/alerts/index.js";
import { Failed } from "../../src/core/states.js";

interface Received {
  method: string;
  headers: IncomingMessage["headers"];
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A real HTTP server on 127.0.0.1; `respond` gets the 1-based request number. */
async function serve(respond: (n: number, res: ServerResponse) => void): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ method: req.method ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      respond(received.length, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

const fast = { retryDelayMs: 5, timeoutMs: 2000 };

describe("postWebhook()", () => {
  test("retries after a 500 and succeeds on the second attempt, posting the same JSON body", async () => {
    const { url, received } = await serve((n, res) => {
      res.statusCode = n === 1 ? 500 : 200;
      res.end(n === 1 ? "try again" : "ok");
    });
    const result = await postWebhook(url, { hello: "world" }, { ...fast, headers: { Authorization: "Bearer abc" } });
    expect(result).toEqual({ ok: true, status: 200, attempts: 2 });
    expect(received).toHaveLength(2);
    for (const request of received) {
      expect(request.method).toBe("POST");
      expect(JSON.parse(request.body)).toEqual({ hello: "world" });
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers.authorization).toBe("Bearer abc");
    }
  });

  test("a server that always fails gives ok=false after 1 + retries attempts, without throwing", async () => {
    const { url, received } = await serve((_n, res) => {
      res.statusCode = 503;
      res.end("down for maintenance");
    });
    const result = await postWebhook(url, { a: 1 }, { ...fast, retries: 2 });
    expect(result).toEqual({ ok: false, status: 503, attempts: 3, error: "HTTP 503: down for maintenance" });
    expect(received).toHaveLength(3);
  });

  test("a 4xx other than 429 is not retried", async () => {
    const { url, received } = await serve((_n, res) => {
      res.statusCode = 404;
      res.end();
    });
    const result = await postWebhook(url, {}, fast);
    expect(result).toEqual({ ok: false, status: 404, attempts: 1, error: "HTTP 404" });
    expect(received).toHaveLength(1);
  });

  test("a 429 is retried", async () => {
    const { url } = await serve((n, res) => {
      res.statusCode = n === 1 ? 429 : 204;
      res.end();
    });
    expect(await postWebhook(url, {}, fast)).toEqual({ ok: true, status: 204, attempts: 2 });
  });

  test("a refused connection is retried and reported, not thrown", async () => {
    const { url } = await serve((_n, res) => res.end());
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const result = await postWebhook(url, {}, { ...fast, retries: 1 });
    expect(result.ok).toBe(false);
    expect(result.status).toBeNull();
    expect(result.attempts).toBe(2);
    expect(result.error).toMatch(/fetch failed|ECONNREFUSED/);
  });

  test("a server slower than timeoutMs counts as a failed attempt", async () => {
    const { url, received } = await serve((n, res) => {
      if (n === 1) setTimeout(() => res.end("late"), 4000);
      else res.end("ok");
    });
    // A wide margin either side: on a loaded machine even the fast answer can take a few hundred ms.
    const result = await postWebhook(url, {}, { retryDelayMs: 5, timeoutMs: 1500 });
    expect(result).toEqual({ ok: true, status: 200, attempts: 2 });
    expect(received).toHaveLength(2);
  });

  test("an invalid URL or a body that cannot be JSON resolves with an error and no request", async () => {
    const bad = await postWebhook("not a url", {}, fast);
    expect(bad).toMatchObject({ ok: false, status: null, attempts: 0 });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const { url, received } = await serve((_n, res) => res.end());
    const result = await postWebhook(url, circular, fast);
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(0);
    expect(result.error).toMatch(/circular/i);
    expect(received).toHaveLength(0);
  });
});

describe("alertBody()", () => {
  test("builds the JSON body with a `cellflow runs show <id>` link and a one-line text", () => {
    const body = alertBody({ flowName: "etl", flowRunId: "run-123", state: Failed("boom"), message: "boom", timestamp: Date.UTC(2025, 0, 1) });
    expect(body).toEqual({
      text: "Flow run etl (run-123) is Failed: boom — cellflow runs show run-123",
      flowName: "etl",
      flowRunId: "run-123",
      flowRunName: "run-123",
      deploymentName: null,
      state: { type: "FAILED", name: "Failed" },
      message: "boom",
      timestamp: "2025-01-01T00:00:00.000Z",
      link: "cellflow runs show run-123",
    });
  });

  test("names the run and its deployment, and links the run's web UI page when the UI's address is given", () => {
    const body = alertBody({ flowName: "etl", flowRunId: "run-9", flowRunName: "etl-brave-otter", deploymentName: "nightly", state: Failed("boom"), message: "boom", uiUrl: "http://127.0.0.1:4200/" });
    expect(body).toMatchObject({ flowRunName: "etl-brave-otter", deploymentName: "nightly", url: "http://127.0.0.1:4200/runs/run-9", link: "cellflow runs show run-9" });
    expect(body.text).toBe("Flow run etl-brave-otter of flow etl (run-9), deployment nightly, is Failed: boom — http://127.0.0.1:4200/runs/run-9");
    expect(alertBody({ flowName: "etl", flowRunId: "run-9", state: Failed("boom"), message: "boom", uiUrl: undefined }).url).toBeUndefined();
  });

  test("is what postWebhook sends", async () => {
    const { url, received } = await serve((_n, res) => res.end());
    const body = alertBody({ flowName: "etl", flowRunId: "r1", state: { type: "CRASHED", name: "Crashed" }, message: "" });
    expect((await postWebhook(url, body, fast)).ok).toBe(true);
    expect(JSON.parse(received[0].body)).toMatchObject({ link: "cellflow runs show r1", text: "Flow run etl (r1) is Crashed — cellflow runs show r1" });
  });
});
