// Tests that need PostgreSQL get their own database on the local server (127.0.0.1:5432, trust auth), dropped after.
// A database with the store's schema already in it is a copy of a template migrated once per version of the built
// migrations (cf_tpl_<hash>, kept on the server): migrating each new database cost its test ~1 s.

import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/** The local server's maintenance database; PGHOST/PGPORT/PGUSER from the environment win when set. */
export const PG_ADMIN_URL = process.env.CELLFLOW_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  name: string;
  url: string;
  /** Run SQL against the test database (a fresh connection per call: tests read what processes wrote). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const DIST_PG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "src", "store", "pg");
/** Taken while a template is made, so that concurrent test files make it once. */
const TEMPLATE_LOCK = 73_410_591;

/** Migrate the database at `url` with the built migrations, as the store's first open would, in a child node. */
function migrate(url: string): void {
  const script = `import { PgConnection } from ${JSON.stringify(path.join(DIST_PG, "connection.js"))};
import { migratePg } from ${JSON.stringify(path.join(DIST_PG, "migrations.js"))};
const db = new PgConnection(process.argv[1]);
try { migratePg(db); } finally { db.close(); }`;
  execFileSync(process.execPath, ["--input-type=module", "-e", script, url], { stdio: ["ignore", "ignore", "pipe"] });
}

/** The name of a database holding the store's current schema and nothing else, made (once) when missing. */
async function migratedTemplate(): Promise<string> {
  const migrations = fs.readFileSync(path.join(DIST_PG, "migrations.js"));
  const name = `cf_tpl_${crypto.createHash("sha256").update(migrations).digest("hex").slice(0, 16)}`;
  const exists = (c: pg.Client) => c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).then((r) => r.rowCount === 1);
  return admin(async (c) => {
    if (await exists(c)) return name;
    await c.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK]);
    try {
      if (await exists(c)) return name;
      // Made under another name and renamed when complete: no test ever copies a half-migrated template.
      const building = `${name}_${crypto.randomBytes(4).toString("hex")}`;
      await c.query(`CREATE DATABASE ${building}`);
      try {
        migrate(withDatabase(PG_ADMIN_URL, building));
        await c.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      } catch (error) {
        await c.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
        throw error;
      }
      return name;
    } finally {
      await c.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK]);
    }
  });
}

/**
 * A new database named `cf_<prefix>_<random>`: empty, or with `{ migrated: true }` already holding the store's
 * current schema (what the store's first open would have created; its data tables are empty).
 */
export async function freshDatabase(prefix: string, options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `cf_${prefix.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${crypto.randomBytes(4).toString("hex")}`;
  const template = options.migrated ? ` TEMPLATE ${await migratedTemplate()}` : "";
  await admin((c) => c.query(`CREATE DATABASE ${name}${template}`));
  const url = withDatabase(PG_ADMIN_URL, name);
  return {
    name,
    url,
    async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as T[];
      } finally {
        await client.end();
      }
    },
    drop: () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}
