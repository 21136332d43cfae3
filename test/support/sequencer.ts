// The order `vitest run` starts test files in: the longest first, so the run does not end with one long file alone
// on one core while the other idles. vitest orders by each file's last duration once its cache knows every file; a
// fresh clone has no cache, and vitest then starts the largest files first, which are not the slowest (the slowest
// spend their time in child processes and PostgreSQL). Until the cache knows every file, the files below (the
// slowest of a measured run, slowest first) start first, then the rest by size as vitest does.

import path from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Slowest first, by wall time of each file run alone (postgres-worker 65 s, distributed ~57 s, worker, result-storage
 * 38 s, niceties 35 s, example-notebooks 32 s, inspect 28 s, …; Dec 2026), then the next slowest of a whole run. A
 * renamed or removed file is simply left out of this order.
 */
export const SLOWEST_FIRST = [
  "test/deploy/postgres-worker.test.ts",
  "test/deploy/distributed.test.ts",
  "test/deploy/worker.test.ts",
  "test/store/result-storage.test.ts",
  "test/cli/niceties.test.ts",
  "test/acceptance/example-notebooks.test.ts",
  "test/deploy/inspect.test.ts",
  "test/ui/browser.test.ts",
  "test/deploy/blocks-alerts.test.ts",
  "test/acceptance/postgres.test.ts",
  "test/store/contract.test.ts",
  "test/runs/results-artifacts-history.test.ts",
  "test/session/notebook-session.test.ts",
  "test/kernel/notebooks.test.ts",
  "test/acceptance/etl.test.ts",
];

export default class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const relative = (file: TestSpecification) => path.relative(this.ctx.config.root, file.moduleId).split(path.sep).join("/");
    if (files.every((file) => cache.getFileTestResults(`${file.project.name}:${relative(file)}`))) return super.sort(files);
    const rank = (file: TestSpecification) => {
      const i = SLOWEST_FIRST.indexOf(relative(file));
      return i === -1 ? SLOWEST_FIRST.length : i;
    };
    const bySize = await super.sort(files);
    return bySize.map((file, i) => ({ file, i })).sort((a, b) => rank(a.file) - rank(b.file) || a.i - b.i).map(({ file }) => file);
  }
}
