import { sql } from "kysely";
import type { Db } from "../db/schema.ts";

/** A PostgreSQL array literal of instants, for width_bucket (one text parameter on both engines). */
const instants = (dates: Date[]) => `{${dates.map((d) => `"${d.toISOString()}"`).join(",")}}`;

/** The programme's time zone (report days are its days), or undefined if there is no such programme. */
export const programTimezone = (db: Db, programId: string) =>
  db.selectFrom("programs").select(["timezone", "currency"]).where("id", "=", programId).executeTakeFirst();

export interface FlowRow {
  /** 1-based index of the period (width_bucket over the period starts). */
  bucket: number;
  issued: number;
  redeemed: number;
  expired: number;
}

/**
 * Points that moved through the system accounts between `start` and `end`, per period. Every
 * ledger transaction balances, so what members gain or lose shows up, with the opposite sign, on
 * a system account: `issued` and `partner` fund earning, `adjustments` fund (and absorb) manual
 * adjustments, `redeemed` takes what redemptions and payments spend, `breakage` what expires.
 * Reversals, returns (clawbacks) and payment refunds post to the same accounts with the opposite
 * sign, so each figure is net of them.
 */
export async function pointFlows(db: Db, programId: string, periodStarts: Date[], start: Date, end: Date) {
  const result = await sql<{ bucket: number; issued: string; redeemed: string; expired: string }>`
    select width_bucket(effective_at, ${instants(periodStarts)}::timestamptz[]) as bucket,
           coalesce(-sum(amount) filter (where account in ('issued', 'partner', 'adjustments')), 0) as issued,
           coalesce(sum(amount) filter (where account = 'redeemed'), 0) as redeemed,
           coalesce(sum(amount) filter (where account = 'breakage'), 0) as expired
      from postings
     where program_id = ${programId}
       and member_id is null
       and account in ('issued', 'partner', 'adjustments', 'redeemed', 'breakage')
       and effective_at >= ${start} and effective_at < ${end}
     group by 1`.execute(db);
  return result.rows.map(
    (r): FlowRow => ({
      bucket: Number(r.bucket),
      issued: Number(r.issued),
      redeemed: Number(r.redeemed),
      expired: Number(r.expired),
    }),
  );
}

/**
 * Members enrolled by `end`, those enrolled in [start, end), and those of them active in
 * [activeFrom, end). Activity counts by when it happened: an event (a purchase, or one that moved
 * points) by its occurredAt, whenever it was posted, so a late-posted event is not activity today;
 * other ledger entries of a member's own (adjustments, redemptions ...) by their effective time.
 * A refused event is no activity (as in the engagement report's active members).
 * Only members enrolled by `end` count, so a range never has more active members than members.
 * An event's transaction is its own member's in its own programme (transaction ids are unique), so
 * "came from an event" is one probe of the events_txn index per entry, not a join over all events.
 */
export async function memberCounts(db: Db, programId: string, start: Date, end: Date, activeFrom: Date) {
  const result = await sql<{ members: string; new_members: string; active: string }>`
    select (select count(*) from members where program_id = ${programId} and created_at < ${end}) as members,
           (select count(*) from members where program_id = ${programId}
               and created_at >= ${start} and created_at < ${end}) as new_members,
           (select count(*) from (
              select member_id from events
               where program_id = ${programId} and member_id is not null and status <> 'rejected'
                 and (type = 'purchase' or txn_id is not null)
                 and occurred_at >= ${activeFrom} and occurred_at < ${end}
              union
              select t.member_id from ledger_transactions t
               where t.program_id = ${programId} and t.type not in ('expiry', 'activation')
                 and t.effective_at >= ${activeFrom} and t.effective_at < ${end}
                 and not exists (select 1 from events e where e.txn_id = t.id)
              union
              select counterparty_member_id from ledger_transactions
               where program_id = ${programId} and counterparty_member_id is not null
                 and effective_at >= ${activeFrom} and effective_at < ${end}
            ) as a join members m on m.id = a.member_id and m.created_at < ${end}) as active`.execute(db);
  const row = result.rows[0];
  return {
    members: Number(row?.members ?? 0),
    newMembers: Number(row?.new_members ?? 0),
    activeMembers: Number(row?.active ?? 0),
  };
}

/**
 * Points members hold at `at`: what their lots still hold (available and pending; held points
 * are counted apart), less lots already past their expiry that the jobs have not yet moved to
 * breakage; and debt owed.
 */
export async function outstanding(db: Db, programId: string, at: Date) {
  const result = await sql<{ points: string; held: string; debt: string }>`
    select (select coalesce(sum(remaining), 0) from lots
             where program_id = ${programId} and remaining > 0
               and (expires_at is null or expires_at > ${at})) as points,
           (select coalesce(sum(points), 0) from holds
             where program_id = ${programId} and status = 'active' and expires_at > ${at}) as held,
           (select coalesce(sum(debt), 0) from members where program_id = ${programId} and debt > 0) as debt`.execute(db);
  const row = result.rows[0];
  return { points: Number(row?.points ?? 0), held: Number(row?.held ?? 0), debt: Number(row?.debt ?? 0) };
}

/** Members per tier on the current ladder (bottom first, empty tiers included), and members without a tier. */
export async function tierCounts(db: Db, programId: string) {
  const tiers = await sql<{ id: string; name: string; members: string }>`
    select t.id, t.name, count(m.id) as members
      from tiers t
      left join members m on m.program_id = t.program_id and m.tier_id = t.id
     where t.program_id = ${programId} and t.removed_at is null
     group by t.id, t.name, t.rank
     order by t.rank`.execute(db);
  const untiered = await sql<{ n: string }>`
    select count(*) as n from members m
     where m.program_id = ${programId}
       and (m.tier_id is null or not exists (
             select 1 from tiers t where t.id = m.tier_id and t.removed_at is null))`.execute(db);
  return {
    tiers: tiers.rows.map((r) => ({ tierId: r.id as string | null, name: r.name, members: Number(r.members) })),
    untiered: Number(untiered.rows[0]?.n ?? 0),
  };
}

/** The most redeemed rewards among redemptions completed in [start, end) and not cancelled since. */
export async function topRewards(db: Db, programId: string, start: Date, end: Date, limit: number) {
  const result = await sql<{ reward_id: string; name: string; redemptions: string; points: string }>`
    select r.reward_id, w.name, count(*) as redemptions, sum(r.points) as points
      from redemptions r
      join rewards w on w.id = r.reward_id
     where r.program_id = ${programId} and r.status = 'completed'
       and r.completed_at >= ${start} and r.completed_at < ${end}
     group by r.reward_id, w.name
     order by count(*) desc, sum(r.points) desc, r.reward_id
     limit ${limit}`.execute(db);
  return result.rows.map((r) => ({
    rewardId: r.reward_id,
    name: r.name,
    redemptions: Number(r.redemptions),
    points: Number(r.points),
  }));
}
