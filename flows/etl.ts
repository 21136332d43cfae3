// The classic Prefect ETL tutorial in TypeScript: consumer complaints → rows → a SQLite table and a CSV file.
//
//   cellflow run flows/etl.ts                                   the bundled file, offline
//   cellflow run flows/etl.ts -p size=50 -p db=out/c.db -p csv=out/c.csv
//   cellflow run flows/etl.ts -p source=https://www.consumerfinance.gov/data-research/consumer-complaints/search/api/v1/

import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { z } from "zod";
import { flow, getRunContext, getRunLogger, task } from "cellflow";

/** One hit of the consumer-complaints search API (only the fields this flow reads). */
export interface Hit {
  _source: {
    date_received: string;
    state: string | null;
    product: string;
    company: string;
    complaint_what_happened: string;
  };
}

export interface Complaint {
  date_received: string;
  state: string | null;
  product: string;
  company: string;
  complaint_what_happened: string;
}

const COLUMNS = ["date_received", "state", "product", "company", "complaint_what_happened"] as const;

function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** The API's envelope, checked so a wrong file or endpoint fails with a message that says what it got. */
function hitsOf(body: unknown, source: string): Hit[] {
  const hits = (body as { hits?: { hits?: unknown } } | null)?.hits?.hits;
  if (!Array.isArray(hits)) throw new Error(`${source} is not in the consumer-complaints API shape {hits:{hits:[...]}}`);
  return hits as Hit[];
}

/** Extract: read up to `size` complaints from a JSON file or an http(s) endpoint; retried, since endpoints flake. */
export const getComplaints = task(
  { name: "get-complaints", retries: 3, retryDelay: [0.2, 0.5, 1], tags: ["extract"] },
  async (source: string, size: number): Promise<Hit[]> => {
    const log = getRunLogger();
    let body: unknown;
    if (isUrl(source)) {
      const url = new URL(source);
      url.searchParams.set("size", String(size));
      const response = await fetch(url, { signal: getRunContext().signal, headers: { accept: "application/json" } });
      if (!response.ok) throw new Error(`GET ${url.href} answered ${response.status} ${response.statusText}`);
      body = await response.json();
    } else {
      const file = path.resolve(source);
      body = JSON.parse(await fs.promises.readFile(file, "utf8"));
    }
    // A server may ignore ?size=, and a file holds everything: take the first `size` either way.
    const hits = hitsOf(body, source).slice(0, size);
    log.info("fetched %d complaints from %s", hits.length, source);
    return hits;
  },
);

/** Transform: keep the five columns the table stores. */
export const parseComplaints = task("parse-complaints", (hits: Hit[]): Complaint[] =>
  hits.map(({ _source: s }) => ({
    date_received: s.date_received,
    state: s.state ?? null,
    product: s.product,
    company: s.company,
    complaint_what_happened: s.complaint_what_happened ?? "",
  })),
);

/** One CSV field, quoted as RFC 4180 says when it holds a comma, a quote or a line break. */
export function csvField(value: string | null): string {
  const text = value ?? "";
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: Complaint[]): string {
  const lines = [COLUMNS.join(","), ...rows.map((row) => COLUMNS.map((c) => csvField(row[c])).join(","))];
  return lines.join("\r\n") + "\r\n";
}

/** A path as the user would type it: relative when under the current directory, else absolute. */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/** Load: replace the `complaints` table's rows and write the CSV; both whole or not at all, so a rerun is safe. logPrints puts its console.log in the run's logs. */
export const storeComplaints = task(
  { name: "store-complaints", logPrints: true, tags: ["load"] },
  (rows: Complaint[], dbPath: string, csvPath: string): { rows: number; db: string; csv: string } => {
    const db = path.resolve(dbPath);
    const csv = path.resolve(csvPath);
    fs.mkdirSync(path.dirname(db), { recursive: true });
    fs.mkdirSync(path.dirname(csv), { recursive: true });

    const conn = new Database(db);
    try {
      conn.exec(`CREATE TABLE IF NOT EXISTS complaints (
        date_received TEXT NOT NULL,
        state TEXT,
        product TEXT NOT NULL,
        company TEXT NOT NULL,
        complaint_what_happened TEXT NOT NULL
      )`);
      const insert = conn.prepare(`INSERT INTO complaints (${COLUMNS.join(", ")}) VALUES (@${COLUMNS.join(", @")})`);
      conn.transaction((all: Complaint[]) => {
        conn.prepare("DELETE FROM complaints").run();
        for (const row of all) insert.run(row);
      })(rows);
    } finally {
      conn.close();
    }

    const tmp = `${csv}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, toCsv(rows));
    fs.renameSync(tmp, csv);

    console.log(`stored ${rows.length} complaints in ${shown(db)} (table complaints) and ${shown(csv)}`);
    return { rows: rows.length, db, csv };
  },
);

const Parameters = z.object({
  /** A JSON file in the API shape, or the API's URL (`?size=` is added). */
  source: z.string().min(1).default("notebooks/data/complaints.json"),
  /** How many complaints to fetch. */
  size: z.number().int().min(1).max(10_000).default(10),
  /** The SQLite file (created when missing); relative to the current directory. */
  db: z.string().min(1).default("complaints.db"),
  /** The CSV file (replaced); relative to the current directory. */
  csv: z.string().min(1).default("complaints.csv"),
});

export type EtlParameters = z.infer<typeof Parameters>;

export const etl = flow({ name: "etl", description: "consumer complaints → SQLite table and CSV", parameters: Parameters }, async ({ source, size, db, csv }: EtlParameters) => {
  const hits = await getComplaints(source, size);
  const rows = await parseComplaints(hits);
  return await storeComplaints(rows, db, csv);
});
