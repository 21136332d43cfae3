// The UI server as a Hono app: the guard (Host, Origin, token/cookie), the JSON API, the event stream and the
// front end's files. `app.request()` drives it in tests without a socket.

import { Hono } from "hono";
import { CellflowError } from "../../core/errors.js";
import { guard, type UiAccess } from "./auth.js";
import { registerRunRoutes } from "./api-runs.js";
import { registerDeploymentRoutes } from "./api-deployments.js";
import { registerBlockRoutes } from "./api-blocks.js";
import { registerMiscRoutes } from "./api-misc.js";
import { registerEventRoutes } from "./events.js";
import { registerStaticRoutes } from "./static.js";
import { uiContext } from "./context.js";

/** Codes whose errors mean "no such thing" (404); every other CellflowError is bad input (400). */
const NOT_FOUND = /^(UNKNOWN_|NOT_FOUND)/;

function statusOf(error: CellflowError): 400 | 404 | 409 {
  if (NOT_FOUND.test(error.code) || /^no (deployment|flow run|task run|\w+ block)\b/.test(error.message)) return 404;
  if (error.code === "NOT_RERUNNABLE") return 409;
  return 400;
}

export function createUiApp(access: UiAccess, options: { assetsDir?: string } = {}): Hono {
  const ui = uiContext();
  const app = new Hono();
  app.use("*", guard(access));
  registerMiscRoutes(app, ui);
  registerRunRoutes(app, ui);
  registerDeploymentRoutes(app, ui);
  registerBlockRoutes(app, ui);
  registerEventRoutes(app, ui);
  registerStaticRoutes(app, options.assetsDir);
  app.onError((error, c) => {
    if (error instanceof CellflowError) {
      // The message carries " — hint" at its end; the API sends the two apart.
      const message = error.hint && error.message.endsWith(` — ${error.hint}`) ? error.message.slice(0, -(error.hint.length + 3)) : error.message;
      return c.body(ui.redactor.json({ error: { code: error.code, message, hint: error.hint } }), statusOf(error), { "content-type": "application/json; charset=utf-8" });
    }
    process.stderr.write(`cellflow ui: ${error.stack ?? error.message}\n`);
    return c.json({ error: { code: "INTERNAL", message: "the server failed on this request (details in its terminal)", hint: "report it with the terminal output" } }, 500);
  });
  return app;
}
