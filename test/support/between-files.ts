// vitest setup file of the in-process suites, run before each file: files share a worker thread and its modules,
// so what one file left behind (environment variables, the engine's configured store) is put back first.

import { configureStore } from "../../src/engine/engine.js";

const saved = ((globalThis as { __cellflowEnv?: Record<string, string | undefined> }).__cellflowEnv ??= { ...process.env });

for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
Object.assign(process.env, saved);
configureStore(null);
