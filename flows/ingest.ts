// Ingest NYC taxi trips for some months of 2024 from the bundled CSVs: the flow behind `-p months=[1,2,3] -p color=green`.
//
//   cellflow run flows/ingest.ts:ingest -p months=[1,2,3] -p color=green

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { flow, getRunLogger, task } from "cellflow";

/** The bundled trips, next to this file's repository, so the flow runs from any directory. */
const BUNDLED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "notebooks", "data", "taxi");

export interface Trip {
  pickup: string;
  dropoff: string;
  /** null when the meter did not record it. */
  passengers: number | null;
  distance: number;
  total: number;
}

/** Yellow cabs' CSVs name the time columns tpep_*, green ones lpep_*; the rest share names. */
const PICKUP = { yellow: "tpep_pickup_datetime", green: "lpep_pickup_datetime" } as const;
const DROPOFF = { yellow: "tpep_dropoff_datetime", green: "lpep_dropoff_datetime" } as const;

export type Color = keyof typeof PICKUP;

/** Read one month's trips. The bundled files hold simple CSV (no quoted fields), as the TLC's own exports do. */
export const readTrips = task({ name: "read-trips", tags: ["extract"] }, async (month: number, color: Color, dir: string): Promise<Trip[]> => {
  const name = `${color}_tripdata_2024-${String(month).padStart(2, "0")}.csv`;
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    const have = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith(`${color}_`)).sort() : [];
    throw new Error(`no ${color} trips for 2024-${String(month).padStart(2, "0")}: ${file} is missing (${dir} has ${have.length ? have.join(", ") : "no such files"})`);
  }
  const [header, ...lines] = (await fs.promises.readFile(file, "utf8")).split(/\r?\n/).filter((l) => l.length > 0);
  const columns = header.split(",");
  const at = (wanted: string) => {
    const i = columns.indexOf(wanted);
    if (i < 0) throw new Error(`${name} has no column ${wanted} (it has ${columns.join(", ")})`);
    return i;
  };
  const [pickup, dropoff, passengers, distance, total] = [at(PICKUP[color]), at(DROPOFF[color]), at("passenger_count"), at("trip_distance"), at("total_amount")];
  const trips = lines.map((line) => {
    const f = line.split(",");
    return {
      pickup: f[pickup],
      dropoff: f[dropoff],
      passengers: f[passengers] === "" ? null : Number(f[passengers]),
      distance: Number(f[distance]),
      total: Number(f[total]),
    };
  });
  getRunLogger().info("read %d %s trips from %s", trips.length, color, name);
  return trips;
});

/** Summarize the months: how many trips, and how many a cleaning step would drop (no or zero passengers). */
export const countTrips = task("count-trips", (months: Trip[][]): { trips: number; withoutPassengers: number; revenue: number } => {
  const all = months.flat();
  const withoutPassengers = all.filter((t) => !t.passengers).length;
  const revenue = Math.round(all.reduce((sum, t) => sum + t.total, 0) * 100) / 100;
  getRunLogger().info("%d trips, %d without passengers, $%s total", all.length, withoutPassengers, revenue.toFixed(2));
  return { trips: all.length, withoutPassengers, revenue };
});

const Parameters = z.object({
  /** Months of 2024 to ingest (the bundled data holds 1–3). */
  months: z.array(z.number().int().min(1).max(12)).min(1).default([1]),
  color: z.enum(["yellow", "green"]).default("yellow"),
  /** Where the CSVs are; relative to the current directory. @default the bundled notebooks/data/taxi */
  dataDir: z.string().min(1).default(BUNDLED),
});

export type IngestParameters = z.infer<typeof Parameters>;

/** Returns the number of trips read. */
export const ingest = flow({ name: "ingest", description: "count NYC taxi trips for some months of 2024", parameters: Parameters }, async ({ months, color, dataDir }: IngestParameters) => {
  const dir = path.resolve(dataDir);
  const reads = readTrips.map([...new Set(months)].sort((a, b) => a - b), color, dir);
  // The values arrive in a new array, so name the reads as upstream explicitly to keep the DAG's edges.
  const { trips } = await countTrips.with({ waitFor: reads })(await reads.result());
  return trips;
});
