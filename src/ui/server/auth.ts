// Who may talk to the UI server: a fresh token per start, exchanged once for an HttpOnly SameSite=Strict
// cookie; Host and Origin checked against the addresses the server listens on (DNS rebinding, cross-site).

import crypto from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";

export interface UiAccess {
  /** The token printed in the URL; it buys a session cookie. */
  token: string;
  /** The cookie's value: never printed, only set by the token exchange. */
  session: string;
  /** host:port values the browser may use (e.g. "127.0.0.1:4200", "localhost:4200"). */
  hosts: Set<string>;
  port: number;
}

export function newAccess(port: number, host: string): UiAccess {
  const access: UiAccess = { token: crypto.randomBytes(24).toString("base64url"), session: crypto.randomBytes(32).toString("base64url"), hosts: new Set(), port };
  setListenAddress(access, host, port);
  return access;
}

/** Record the bound address (the real port when 0 was asked for). */
export function setListenAddress(access: UiAccess, host: string, port: number): void {
  access.port = port;
  access.hosts.clear();
  const names = new Set([host.includes(":") && !host.startsWith("[") ? `[${host}]` : host]);
  if (isLoopback(host)) for (const n of ["127.0.0.1", "localhost", "[::1]"]) names.add(n);
  for (const n of names) access.hosts.add(`${n}:${port}`.toLowerCase());
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function cookieName(access: UiAccess): string {
  // Cookies ignore ports: two UIs on one machine must not overwrite each other's session.
  return `cellflow_ui_${access.port}`;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function refuse(c: Context, status: 401 | 403, code: string, message: string, hint: string): Response {
  if (c.req.path.startsWith("/api/")) return c.json({ error: { code, message, hint } }, status);
  return c.html(
    `<!doctype html><meta charset="utf-8"><title>Cellflow</title><body style="font:15px system-ui;margin:4rem auto;max-width:36rem;color:#334155">` +
      `<h1 style="font-size:1.2rem">Cellflow UI: ${status === 401 ? "sign-in needed" : "refused"}</h1><p>${message}</p><p style="color:#64748b">${hint}</p></body>`,
    status,
  );
}

/** The middleware every request passes: Host, Origin, then the token exchange or the session cookie. */
export function guard(access: UiAccess): MiddlewareHandler {
  return async (c, next) => {
    const host = (c.req.header("host") ?? "").toLowerCase();
    if (!access.hosts.has(host)) {
      return refuse(c, 403, "FORBIDDEN_HOST", `requests for host '${host || "(none)"}' are refused`, `open the URL that \`cellflow ui\` printed (host ${[...access.hosts][0]})`);
    }
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== "null" && !access.hosts.has(origin.replace(/^https?:\/\//, "").toLowerCase())) {
      return refuse(c, 403, "FORBIDDEN_ORIGIN", `requests from origin '${origin}' are refused`, "the UI only answers pages it served itself");
    }
    if (origin === "null" || c.req.header("sec-fetch-site") === "cross-site") {
      return refuse(c, 403, "FORBIDDEN_ORIGIN", "cross-site requests are refused", "the UI only answers pages it served itself");
    }
    const token = c.req.query("token");
    if (token !== undefined && c.req.method === "GET" && !c.req.path.startsWith("/api/")) {
      if (!same(token, access.token)) return refuse(c, 401, "BAD_TOKEN", "this access token is not valid (it changes each time `cellflow ui` starts)", "open the URL that `cellflow ui` printed last");
      setCookie(c, cookieName(access), access.session, { httpOnly: true, sameSite: "Strict", path: "/" });
      const url = new URL(c.req.url);
      url.searchParams.delete("token");
      return c.redirect(url.pathname + url.search, 302);
    }
    const cookie = getCookie(c, cookieName(access));
    if (cookie === undefined || !same(cookie, access.session)) {
      return refuse(c, 401, "UNAUTHORIZED", "no valid session: open the UI through the URL with ?token=… that `cellflow ui` printed", "restart `cellflow ui` to get a new URL");
    }
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && !(c.req.header("content-type") ?? "").startsWith("application/json")) {
      // A JSON content type cannot be sent cross-site without a preflight, which this server never grants.
      return refuse(c, 403, "FORBIDDEN_CONTENT_TYPE", "changes must be sent as application/json", "use the UI's buttons");
    }
    await next();
  };
}
