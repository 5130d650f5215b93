import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Kysely, sql } from "kysely";
import type { DB } from "./schema.ts";

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");
// Any constant works; it only has to be the same for every Stampbook process on a server.
const MIGRATION_LOCK = 7_315_029_114;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ""),
      sql: readFileSync(join(dir, file), "utf8"),
    }));
}

/**
 * Applies pending migrations in order, all inside one transaction holding an advisory lock:
 * when several servers start at once, one migrates and the others wait, then find nothing to do.
 * PostgreSQL DDL is transactional, so a failed migration leaves the schema as it was.
 */
export async function migrate(db: Kysely<DB>, migrations = loadMigrations()): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    await sql`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`.execute(trx);
    const applied = await sql<{ version: number }>`select version from schema_migrations`.execute(trx);
    const done = new Set(applied.rows.map((row) => row.version));
    const ran: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await sql.raw(migration.sql).execute(trx);
      await sql`insert into schema_migrations (version, name) values (${migration.version}, ${migration.name})`.execute(trx);
      ran.push(migration.name);
    }
    return ran;
  });
}
