import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db/schema.ts";

/**
 * Members' available points as of an instant, live and as the jobs keep them
 * (report_member_balances, migration 0026), and which members' balances can differ between two
 * instants.
 *
 * A member's available points at T are the remaining of their available lots not expired at T
 * (activated by T), plus what holds timed out by T still keep from such lots (the jobs release
 * those; a member's own books settle them on reading). Held points are already out of `remaining`.
 * Lots and holds change only together with a ledger entry naming the member (or its counterparty,
 * a transfer's receiver), written in the same statement with `created_at` = when it was recorded;
 * between two instants with nothing recorded, a member's balance changes only when one of their
 * lots activates or expires, or a hold of theirs times out, in between.
 */

/** A member filter: every member of the programme (undefined), or those of a relation of `member_id`s. */
type Members = RawBuilder<{ member_id: string }> | undefined;

const memberIn = (column: RawBuilder<unknown>, members: Members) => (members ? sql`and ${column} in (${members})` : sql``);

/**
 * `(member_id, available)` at `at` of every member with any available points (or of `members`
 * only): the live query the reward report always used, with the member filter.
 */
export const balancesAt = (programId: string, at: Date, members?: Members) => sql<{ member_id: string; available: string }>`
  select member_id, sum(points) as available
    from (select member_id, remaining as points
            from lots
           where program_id = ${programId} and state = 'available' and remaining > 0
             and available_at <= ${at} and (expires_at is null or expires_at > ${at})
             ${memberIn(sql.ref("member_id"), members)}
          union all
          select l.member_id, (a.allocation->>'points')::bigint
            from holds h
            cross join jsonb_array_elements(h.allocations) as a(allocation)
            join lots l on l.id = a.allocation->>'lotId'
           where h.program_id = ${programId} and h.status = 'active' and h.expires_at <= ${at}
             and l.program_id = ${programId} and l.state = 'available'
             and l.available_at <= ${at} and (l.expires_at is null or l.expires_at > ${at})
             ${memberIn(sql.ref("l.member_id"), members)}) as parts
   group by member_id`;

/**
 * Members whose available points can differ between the stored state as of `recordedSince` and
 * the stored state now, at any two instants in [lo, hi]: those named by a ledger entry recorded
 * since `recordedSince` (and before `recordedUntil`, if given), and those with a lot activating or
 * expiring, or an active hold timing out, in [lo, hi].
 */
export const changedMembers = (
  programId: string,
  recordedSince: Date,
  recordedUntil: Date | null,
  lo: Date,
  hi: Date,
): RawBuilder<{ member_id: string }> => {
  const recorded = recordedUntil
    ? sql`created_at >= ${recordedSince} and created_at < ${recordedUntil}`
    : sql`created_at >= ${recordedSince}`;
  return sql<{ member_id: string }>`
    select member_id from ledger_transactions where program_id = ${programId} and ${recorded}
    union
    select counterparty_member_id from ledger_transactions
     where program_id = ${programId} and counterparty_member_id is not null and ${recorded}
    union
    select member_id from lots where program_id = ${programId} and available_at >= ${lo} and available_at <= ${hi}
    union
    select member_id from lots where program_id = ${programId} and expires_at >= ${lo} and expires_at <= ${hi}
    union
    select member_id from holds
     where program_id = ${programId} and status = 'active' and expires_at >= ${lo} and expires_at <= ${hi}`;
};

/** The instant a programme's snapshot is as of; undefined: never built. */
export async function snapshotAsOf(db: Db, programId: string): Promise<Date | undefined> {
  const result = await sql<{ as_of: Date }>`
    select as_of from report_member_balances_as_of where program_id = ${programId}`.execute(db);
  const row = result.rows[0];
  return row ? new Date(row.as_of) : undefined;
}

async function saveAsOf(tx: Db, programId: string, asOf: Date): Promise<void> {
  await sql`
    insert into report_member_balances_as_of (program_id, as_of) values (${programId}, ${asOf})
    on conflict (program_id) do update set as_of = excluded.as_of`.execute(tx);
}

/** Writes every member's balance at `asOf` (the first build). */
export async function buildSnapshot(tx: Db, programId: string, asOf: Date): Promise<void> {
  await sql`delete from report_member_balances where program_id = ${programId}`.execute(tx);
  await sql`insert into report_member_balances (program_id, member_id, available)
    select ${programId}, b.member_id, b.available from (${balancesAt(programId, asOf)}) b`.execute(tx);
  await saveAsOf(tx, programId, asOf);
}

/**
 * Brings the snapshot from `from` forward to `to`: rewrites the members recorded in [from, to) or
 * with a lot or hold due in between (one statement: their rows upserted, or removed when they have
 * no points left). A member recorded since `to` may keep a row that is not its balance at `to`:
 * every read recomputes those (recorded since the snapshot's instant) live.
 */
export async function advanceSnapshot(tx: Db, programId: string, from: Date, to: Date): Promise<void> {
  const changed = sql<{ member_id: string }>`select member_id from changed`;
  await sql`
    with changed as materialized (
      select member_id from (${changedMembers(programId, from, to, from, to)}) c where member_id is not null
    ), fresh as materialized (${balancesAt(programId, to, changed)}),
    gone as (
      delete from report_member_balances
       where program_id = ${programId} and member_id in (select member_id from changed)
         and member_id not in (select member_id from fresh)
    )
    insert into report_member_balances (program_id, member_id, available)
    select ${programId}, member_id, available from fresh
    on conflict (program_id, member_id) do update set available = excluded.available`.execute(tx);
  await saveAsOf(tx, programId, to);
}

/**
 * The common table expressions `changed` and `balances`: `(member_id, available)` at `now` of
 * every member with at least `atLeast` available points (and possibly others), exactly, from the
 * snapshot as of `asOf` or any later instant: its rows for the members whose balance cannot have
 * changed since `asOf`, and the others' balances recomputed live. A tick between the caller's look
 * at the snapshot and this statement only brings it forward (still exact from `asOf` while its new
 * instant is not after `now`): `snapshotHolds` tells, read in the same statement.
 */
export const balancesNow = (programId: string, asOf: Date, now: Date, atLeast: RawBuilder<unknown>) => {
  const changed = sql<{ member_id: string }>`select member_id from changed`;
  const [lo, hi] = asOf < now ? [asOf, now] : [now, asOf];
  return sql`
    changed as materialized (
      select member_id from (${changedMembers(programId, asOf, null, lo, hi)}) c where member_id is not null
    ), balances as (
      select s.member_id, s.available
        from report_member_balances s
       where s.program_id = ${programId} and s.available >= ${atLeast}
         and not exists (select 1 from changed c where c.member_id = s.member_id)
      union all
      select b.member_id, b.available from (${balancesAt(programId, now, changed)}) b
    )`;
};

/**
 * Whether the snapshot read in this statement is as of `asOf`, or of a later instant up to `now`
 * (what `balancesNow` recomputed from `asOf` covers), as the caller found it.
 */
export const snapshotHolds = (programId: string, asOf: Date, now: Date) => sql<boolean>`exists (
  select 1 from report_member_balances_as_of
   where program_id = ${programId} and (as_of = ${asOf} or (as_of > ${asOf} and as_of <= ${now})))`;

/**
 * Snapshot rows that are not the member's available points now, for the members whose balance
 * cannot have changed since the snapshot's instant (the others a read recomputes live), either
 * way: a row with other points, a row for a member with none, or a member with points and no row
 * (verify). Nothing when the snapshot was never built or is as of a later instant than `now`.
 */
export async function snapshotDifferences(db: Db, programId: string, now: Date) {
  const asOf = await snapshotAsOf(db, programId);
  if (!asOf || asOf > now) return { violations: 0, examples: [] as unknown[] };
  const changed = sql<{ member_id: string }>`select member_id from changed`;
  const result = await sql<{ member_id: string; stored: string | number | null; live: string | number | null; n: string }>`
    with changed as materialized (
      select member_id from (${changedMembers(programId, asOf, null, asOf, now)}) c where member_id is not null
    ), stored as (
      select member_id, available from report_member_balances
       where program_id = ${programId} and member_id not in (${changed})
    ), live as (
      select b.member_id, b.available from (${balancesAt(programId, now)}) b where b.member_id not in (${changed})
    )
    select coalesce(s.member_id, l.member_id) as member_id, s.available as stored, l.available as live, count(*) over () as n
      from stored s full join live l on l.member_id = s.member_id
     where s.available is distinct from l.available
     order by 1 limit 5`.execute(db);
  return {
    violations: Number(result.rows[0]?.n ?? 0),
    examples: result.rows.map((r) => ({
      programId,
      memberId: r.member_id,
      stored: r.stored === null ? null : Number(r.stored),
      live: r.live === null ? null : Number(r.live),
    })),
  };
}
