// `cellflow ui [--port 4200] [--host 127.0.0.1]`: the web UI; its server (Hono) loads only when this runs.

import type { Command } from "commander";
import { CellflowError } from "../../core/errors.js";

export function registerUiCommand(program: Command): void {
  program
    .command("ui")
    .description("the web UI: runs, live run graphs, logs, deployments and blocks in the browser (loopback only by default)")
    .option("--port <port>", "port to listen on (0: any free port)", "4200")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .action(async (opts: { port: string; host: string }) => {
      if (!/^\d+$/.test(opts.port)) throw new CellflowError("USAGE", `--port '${opts.port}' is not a port number`, "use 0-65535, e.g. --port 4200");
      process.env.NODE_ENV ??= "production";
      const { startUiServer } = await import("../../ui/server/serve.js");
      const server = await startUiServer({ port: Number(opts.port), host: opts.host });
      const stop = () => void server.close().finally(() => process.exit(0));
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      await new Promise<never>(() => {});
    });
}
