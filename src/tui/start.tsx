// Starts the terminal UI: a notebook session, the controller, console capture and the alternate screen around
// Ink's render; resolves when the user quits and any run they cancelled has ended.

import path from "node:path";
import { render } from "ink";
import { NotebookSession } from "../session/notebook-session.js";
import { App } from "./App.js";
import { TuiController } from "./controller.js";
import { captureConsole } from "./console-capture.js";
import { catchStrayErrors } from "../cells/stray-errors.js";
import { ScrollbackStore } from "./scrollback-store.js";

export interface TuiOptions {
  notebook?: string | null;
  watch?: boolean;
  /** Run every cell of the notebook once it is open (as --watch does). */
  run?: boolean;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
}

const ALT_SCREEN_ON = "\u001b[?1049h";
const ALT_SCREEN_OFF = "\u001b[?1049l";

export async function startTui(options: TuiOptions = {}): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  const file = options.notebook ? path.resolve(options.notebook) : null;
  const session = new NotebookSession({ cwd: file ? path.dirname(file) : process.cwd(), notebookPath: file, typecheck: "warn" });
  // The compiler loads on the checker's thread while the UI starts, not when the first cell is typed.
  session.runtime.warmTypeChecker();
  const scrollback = new ScrollbackStore();
  const controller = new TuiController({ session, scrollback });
  const loaded = controller.load();
  const restoreConsole = captureConsole(scrollback);
  // A throw in a callback a cell left behind, or a rejection no one handles: in the scrollback, and the session lives on.
  const releaseStrayErrors = catchStrayErrors((text) => scrollback.push(text.trimEnd(), "error"));
  stdout.write(ALT_SCREEN_ON);
  try {
    const app = render(<App controller={controller} watch={options.watch === true} runOnStart={(options.watch === true || options.run === true) && loaded} />, {
      stdout,
      stdin: options.stdin ?? process.stdin,
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: 20,
    });
    await app.waitUntilExit();
  } finally {
    stdout.write(ALT_SCREEN_OFF);
    releaseStrayErrors();
    restoreConsole();
  }
  // A run the user chose to cancel on quit ends Cancelled in the store before the process leaves.
  await Promise.race([controller.whenIdle(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
}
