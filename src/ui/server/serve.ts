// Start the UI server on a socket (loopback by default) and print its URL with the access token.

import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { CellflowError } from "../../core/errors.js";
import { isLoopback, newAccess, setListenAddress } from "./auth.js";
import { createUiApp } from "./app.js";

export interface UiServerOptions {
  /** @default 4200 (0: any free port; the printed URL has the real one) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** Where the URL line goes. @default stdout */
  out?: (line: string) => void;
}

export interface UiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startUiServer(options: UiServerOptions = {}): Promise<UiServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 4200;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CellflowError("USAGE", `--port '${String(options.port)}' is not a port number`, "use 0-65535, e.g. --port 4200");
  const access = newAccess(port, host);
  const app = createUiApp(access);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(s));
    s.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new CellflowError("USAGE", `port ${port} on ${host} is in use`, "stop the other server or pick another with --port (0 picks a free one)")
          : new CellflowError("USAGE", `cannot listen on ${host}:${port}: ${error.message}`, "check --host is an address of this machine"),
      ),
    );
  });
  const bound = (server.address() as AddressInfo).port;
  setListenAddress(access, host, bound);
  const shown = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shown}:${bound}/?token=${access.token}`;
  const out = options.out ?? ((line: string) => process.stdout.write(line + "\n"));
  out(`Cellflow UI on ${url}`);
  if (!isLoopback(host)) out(`warning: listening on ${host}, reachable from other machines; anyone with the URL can use it`);
  return {
    url,
    port: bound,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
