// The PostgreSQL server the benchmarks use (CELLFLOW_BENCH_PG) and a scratch database on it, made and dropped.

import pg from "pg";

/** The server, without a database: `postgres://user@host:port`. */
export const BENCH_PG_SERVER = process.env.CELLFLOW_BENCH_PG ?? "postgres://postgres@127.0.0.1:5432";

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${BENCH_PG_SERVER}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new empty database `<prefix>_<time>`; throws when the server cannot be reached. */
export async function scratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}`;
  await admin(`CREATE DATABASE ${name}`);
  return { url: `${BENCH_PG_SERVER}/${name}`, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
