/** Members' books under lock: locking members, loading their open lots and holds, what fell due. */
import { sql, type Transaction } from "kysely";
import type { DB, Db, ExpiryPolicy, HoldAllocation, HoldRow, LotRow } from "../db/schema.ts";
import type { BookHold, BookLot, MemberBook } from "./books.rules.ts";
import type { ClawbackPolicy } from "./ledger.schemas.ts";

export const SYSTEM_ACTOR = "system:jobs";

export interface LedgerProgram {
  timezone: string;
  pointsExpiry: ExpiryPolicy;
  pendingDays: number;
  clawbackPolicy: ClawbackPolicy;
}

export interface LockedMember {
  debt: number;
  status: "active" | "blocked";
}

/**
 * Locks members in id order (a fixed order, so two transfers in opposite directions cannot
 * deadlock) and reads the programme's ledger settings in the same round trip. Nothing else may be
 * read here: under READ COMMITTED a statement that waited for a lock still sees other tables as
 * they were when it started, so everything guarded by the lock is read by the next statement.
 */
export async function lockMembers(
  trx: Transaction<DB>,
  programId: string,
  memberIds: string[],
): Promise<{ members: Map<string, LockedMember>; program: LedgerProgram | null }> {
  const ids = [...new Set(memberIds)].sort();
  const result = await sql<{
    id: string;
    debt: number;
    status: "active" | "blocked";
    timezone: string;
    points_expiry: ExpiryPolicy;
    pending_days: number;
    clawback_policy: ClawbackPolicy;
  }>`select m.id, m.debt, m.status, p.timezone, p.points_expiry, p.pending_days, p.clawback_policy
    from members m join programs p on p.id = m.program_id
    where m.program_id = ${programId} and m.id in (${sql.join(ids)})
    order by m.id
    for update of m`.execute(trx);
  const members = new Map<string, LockedMember>();
  for (const row of result.rows) {
    members.set(row.id, { debt: row.debt, status: row.status });
  }
  const first = result.rows[0];
  const program = first
    ? {
        timezone: first.timezone,
        pointsExpiry: first.points_expiry,
        pendingDays: first.pending_days,
        clawbackPolicy: first.clawback_policy,
      }
    : null;
  return { members, program };
}

export const toBookLot = (
  row: Pick<LotRow, "id" | "member_id" | "amount" | "remaining" | "state" | "available_at" | "expires_at">,
): BookLot => ({
  id: row.id,
  memberId: row.member_id,
  amount: row.amount,
  remaining: row.remaining,
  state: row.state,
  availableAt: row.available_at,
  expiresAt: row.expires_at,
});

export const toBookHold = (row: Pick<HoldRow, "id" | "member_id" | "points" | "expires_at" | "allocations">): BookHold => ({
  id: row.id,
  memberId: row.member_id,
  points: row.points,
  expiresAt: row.expires_at,
  allocations: row.allocations,
});

export interface LoadedBook {
  book: MemberBook;
  /** The lots as loaded, to write back only what changed. */
  original: Map<string, { remaining: number; state: BookLot["state"] }>;
  originalDebt: number;
}

/**
 * Loads the open state of locked members in one statement: their active holds, the lots that
 * hold points, the lots those holds took points from (a hold can leave a lot at remaining 0, and
 * releasing it gives the points back), and any lots named.
 */
export async function loadBooks(
  trx: Transaction<DB>,
  members: Map<string, LockedMember>,
  extraLotIds: string[] = [],
): Promise<Map<string, LoadedBook>> {
  if (members.size === 0) return new Map();
  const memberIds = sql.join([...members.keys()]);
  const named = extraLotIds.length > 0 ? sql`union all select unnest(array[${sql.join(extraLotIds)}]::text[])` : sql``;
  const result = await sql<{
    lot:
      | (Pick<LotRow, "id" | "member_id" | "amount" | "remaining" | "state"> & {
          available_at: string;
          expires_at: string | null;
        })
      | null;
    holds: { id: string; member_id: string; points: number; expires_at: string; allocations: HoldAllocation[] }[] | null;
  }>`with active_holds as (
      select id, member_id, points, expires_at, allocations from holds
      where member_id in (${memberIds}) and status = 'active'),
    wanted as (
      -- lots with points left (the partial index lots_member_open) ...
      select l.* from lots l where l.member_id in (${memberIds}) and l.remaining > 0
      union all
      -- ... and, by primary key, lots holds took from and lots named
      select l.* from lots l where l.id in (
        select a ->> 'lotId' from active_holds h, jsonb_array_elements(h.allocations) a ${named}))
    select json_build_object('id', l.id, 'member_id', l.member_id, 'amount', l.amount, 'remaining', l.remaining,
        'state', l.state, 'available_at', l.available_at, 'expires_at', l.expires_at) as lot, null::json as holds
      from wanted l
    union all
    select null, (select coalesce(json_agg(h order by h.id), '[]'::json) from active_holds h)`.execute(trx);
  const loaded = new Map<string, LoadedBook>();
  for (const [memberId, { debt }] of members) {
    loaded.set(memberId, { book: { memberId, lots: [], holds: [], debt }, original: new Map(), originalDebt: debt });
  }
  for (const { lot, holds } of result.rows) {
    if (lot) {
      const entry = loaded.get(lot.member_id);
      // a lot can come twice (open and held); members' other lots are not asked for
      if (!entry || entry.original.has(lot.id)) continue;
      entry.book.lots.push(
        toBookLot({
          ...lot,
          available_at: new Date(lot.available_at),
          expires_at: lot.expires_at === null ? null : new Date(lot.expires_at),
        }),
      );
      entry.original.set(lot.id, { remaining: lot.remaining, state: lot.state });
    }
    for (const h of holds ?? []) {
      loaded.get(h.member_id)?.book.holds.push(toBookHold({ ...h, expires_at: new Date(h.expires_at) }));
    }
  }
  return loaded;
}

/** Members that have something due up to `asOf`: lots to activate or expire, holds to time out. */
export async function membersWithDueWork(
  db: Db,
  asOf: Date,
  limit: number,
  programId?: string,
): Promise<{ programId: string; memberId: string }[]> {
  const scoped = programId ? sql`and program_id = ${programId}` : sql``;
  const result = await sql<{ program_id: string; member_id: string }>`
    select distinct program_id, member_id from (
      (select program_id, member_id from lots
        where state = 'pending' and remaining > 0 and available_at <= ${asOf} ${scoped} limit ${limit})
      union all
      (select program_id, member_id from lots
        where remaining > 0 and expires_at is not null and expires_at <= ${asOf} ${scoped} limit ${limit})
      union all
      (select program_id, member_id from holds
        where status = 'active' and expires_at <= ${asOf} ${scoped} limit ${limit})
    ) due limit ${limit}`.execute(db);
  return result.rows.map((r) => ({ programId: r.program_id, memberId: r.member_id }));
}

/** Points of each lot that expired into breakage and were not taken back since. */
export async function expiredByLot(trx: Db, lotIds: string[]): Promise<Map<string, number>> {
  if (lotIds.length === 0) return new Map();
  const rows = await trx
    .selectFrom("postings")
    .select(["lot_id", sql<number>`sum(amount)::bigint`.as("expired")])
    .where("account", "=", "breakage")
    .where("lot_id", "in", lotIds)
    .groupBy("lot_id")
    .execute();
  return new Map(rows.flatMap((r) => (r.lot_id ? [[r.lot_id, r.expired] as const] : [])));
}
