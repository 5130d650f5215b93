import { type Kysely, sql } from "kysely";
import type { DB } from "../db/schema.ts";

/**
 * Takes or extends the named lease for `owner` until `until`: it succeeds when the lease is free,
 * ran out before `now`, or is already the owner's. True if the owner holds it now.
 */
export async function claimLease(db: Kysely<DB>, name: string, owner: string, until: Date, now: Date): Promise<boolean> {
  const result = await sql<{ owner: string }>`
    insert into job_leases (name, owner, leased_until) values (${name}, ${owner}, ${until})
    on conflict (name) do update set owner = excluded.owner, leased_until = excluded.leased_until
      where job_leases.leased_until < ${now} or job_leases.owner = excluded.owner
    returning owner`.execute(db);
  return result.rows.length > 0;
}

/**
 * Gathers the planner's statistics on every table. PGlite runs no autovacuum daemon, so on the
 * embedded database nothing else ever does: without them the planner takes the ledger's tables for
 * near-empty and the reports nest loops over them (deferred revenue took 25-30 s on the demo's year).
 */
export async function analyzeTables(db: Kysely<DB>): Promise<void> {
  await sql`analyze`.execute(db);
}
