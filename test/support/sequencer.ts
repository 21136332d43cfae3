// The order `vitest run` starts test files in: the longest first, so the run does not end with one long file alone
// on one core while the other idles. Once its cache knows every file, vitest orders by each file's last duration; a
// fresh clone (CI) has no cache, and vitest then starts the largest files first, which are not the slowest (the
// slowest spend their time in child processes and PostgreSQL): a run on main started kernel/client.test.ts (30 s)
// 250 s in. Until the cache knows every file, the files below start first, then the rest by size as vitest does.

import path from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The slowest suites of a whole `vitest run` on main (idle 2-core machine, Dec 2026; seconds each), slowest first.
 * A renamed or removed file is simply left out of this order.
 */
export const SLOWEST_FIRST = [
  "test/deploy/distributed.test.ts", // 82
  "test/deploy/postgres-worker.test.ts", // 60
  "test/acceptance/postgres.test.ts", // 57
  "test/store/result-storage.test.ts", // 57
  "test/deploy/worker.test.ts", // 49
  "test/kernel/notebooks.test.ts", // 41
  "test/cli/niceties.test.ts", // 40
  "test/deploy/blocks-alerts.test.ts", // 31
  "test/kernel/client.test.ts", // 30
  "test/kernel/trust.test.ts", // 30
  "test/acceptance/cli-errors.test.ts", // 27
  "test/deploy/serve.test.ts", // 23
  "test/acceptance/example-notebooks.test.ts", // 22
  "test/ui/browser.test.ts", // 22
  "test/runs/results-artifacts-history.test.ts", // 21
  "test/deploy/inspect.test.ts", // 21
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
