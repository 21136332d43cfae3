import { expect, test } from "vitest";
import { benchSchedules } from "../../bench/schedules.js";

// Checks the benchmark runs and reports its number; the time itself is never asserted.
test("benchSchedules() computes 5 run times for 1,000 schedules and reports next5For1000DeploymentsMs", async () => {
  const result = await benchSchedules();
  expect(Object.keys(result)).toEqual(["next5For1000DeploymentsMs"]);
  expect(result.next5For1000DeploymentsMs).toBeGreaterThan(0);
  console.log(result);
});
