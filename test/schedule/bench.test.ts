import { expect, test } from "vitest";
import { benchSchedules } from "../../bench/schedules.js";

// Checks the benchmark runs and reports its number; the time itself is never asserted. 100 schedules, not the
// benchmark's 1,000: parsing a cron schedule samples 50 run times through cron-parser (~10 ms), and 1,000 took 23 s.
test("benchSchedules(100) computes and reads the planned 5 run times of 100 schedules and reports both", async () => {
  const result = await benchSchedules(100);
  expect(Object.keys(result)).toEqual(["next5For100DeploymentsMs", "next5For100DeploymentsPlannedMs"]);
  expect(result.next5For100DeploymentsMs).toBeGreaterThan(0);
  expect(result.next5For100DeploymentsPlannedMs).toBeGreaterThan(0);
  console.log(result);
});
