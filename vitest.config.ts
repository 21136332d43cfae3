import { defineConfig } from "vitest/config";
import SlowestFirstSequencer from "./test/support/sequencer.js";
import { inProcessSuites } from "./test/support/suites.js";

const inProcess = inProcessSuites();
/** `vitest run --project in-process` (npm run test:unit): only the in-process suites run. */
const inProcessOnly = process.argv.some((arg, i) => arg === "--project=in-process" || (arg === "in-process" && process.argv[i - 1] === "--project"));

export default defineConfig({
  // src/cells/typescript.cts loads TypeScript with require() for the built code's start-up time; vite cannot transform
  // `import = require`, and in tests how TypeScript loads does not matter, so the package is imported directly.
  resolve: { alias: [{ find: /^.*\/typescript\.cjs$/, replacement: "typescript" }] },
  test: {
    // Rebuilds dist/ when src/ is newer: many suites run the built CLI, kernel and cell runtime in child processes.
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // vitest's default is one worker per core but one (so one on this 2-core machine): every file waited for the one
    // before it, though most of a process-driving file's time is spent waiting on its children (CLI runs, workers,
    // kernels), not computing. Four files at once keep both cores busy; CELLFLOW_TEST_WORKERS overrides.
    maxWorkers: Number(process.env.CELLFLOW_TEST_WORKERS) || 4,
    minWorkers: 1,
    poolOptions: {
      forks: { singleFork: false },
      // The in-process suites compute rather than wait: each thread loads src/ once and runs its files one after
      // another (a new process and module graph per file cost ~1.5 CPU-s each). Alone (`npm run test:unit`) they
      // get a thread per core; beside the process-driving suites one thread, so that the CPU-bound files do not
      // starve the lease and heartbeat timing of the worker suites that start at the same time.
      threads: { isolate: false, maxThreads: inProcessOnly ? 2 : 1, minThreads: 1 },
    },
    // The slowest files first on a fresh clone (no duration cache), so none starts late and ends the run alone.
    sequence: { sequencer: SlowestFirstSequencer },
    reporters: ["default"],
    projects: [
      // `npm run test:unit` runs this project alone: the fast loop while developing.
      {
        extends: true,
        test: { name: "in-process", include: inProcess, pool: "threads", setupFiles: ["test/support/between-files.ts"] },
      },
      {
        extends: true,
        test: { name: "processes", include: ["test/**/*.test.ts", "test/**/*.test.tsx"], exclude: inProcess, pool: "forks" },
      },
    ],
  },
});
