import { type RawBuilder, sql, type Transaction } from "kysely";
import type { DB, Db, TierMetric, TierPolicy, TierRow } from "../db/schema.ts";
import { jsonRows } from "../db/write-batch.ts";
import type { LadderTier, TierState } from "./ladder.rules.ts";

const toDate = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));
/** Rows as one JSON array parameter, for jsonb_to_recordset. */

export const toLadderTier = (
  row: Pick<
    TierRow,
    "id" | "name" | "rank" | "threshold" | "retain_threshold" | "earn_multiplier" | "points_expiry" | "benefits"
  >,
): LadderTier => ({
  id: row.id,
  name: row.name,
  rank: row.rank ?? -1,
  threshold: Number(row.threshold),
  retainThreshold: row.retain_threshold === null ? null : Number(row.retain_threshold),
  earnMultiplier: Number(row.earn_multiplier),
  pointsExpiry: row.points_expiry,
  benefits: row.benefits,
});

export interface Ladder {
  policy: TierPolicy | null;
  timezone: string;
  /** The tiers on the ladder, bottom first. */
  tiers: LadderTier[];
  /** Every tier the programme ever had (removed ones too), by id: history names them. */
  names: Map<string, string>;
  /** When each removed tier left the ladder. */
  removedAt: Map<string, Date>;
  rows: TierRow[];
}

const removedOf = (all: Pick<TierRow, "id" | "removed_at">[]) =>
  new Map(all.flatMap((t) => (t.removed_at === null ? [] : [[t.id, new Date(t.removed_at)] as const])));

/** The programme's tier policy and ladder; null if the programme does not exist. */
export async function loadLadder(db: Db, programId: string): Promise<Ladder | null> {
  const program = await db
    .selectFrom("programs")
    .select(["tier_policy", "timezone"])
    .where("id", "=", programId)
    .executeTakeFirst();
  if (!program) return null;
  const all = await db.selectFrom("tiers").selectAll().where("program_id", "=", programId).orderBy("rank").execute();
  const active = all.filter((t) => t.removed_at === null);
  return {
    policy: program.tier_policy,
    timezone: program.timezone,
    tiers: active.map(toLadderTier),
    names: new Map(all.map((t) => [t.id, t.name])),
    removedAt: removedOf(all),
    rows: active,
  };
}

/**
 * The qualifying metric of one member over (from, to], as a subquery on a row `q` with columns
 * member_id, from_at, to_at. Events count by when they occurred; a return counts when it occurred,
 * against a purchase in the same window (a return of a purchase the window no longer holds takes
 * nothing off it). Return events carry minus the points they took back and the amount returned,
 * so they are added, never read from the purchase's running totals (which would count them twice
 * and would not be exact as of a past time).
 */
function metricOf(programId: string, metric: TierMetric): RawBuilder<unknown> {
  const inWindow = (alias: string) =>
    sql`${sql.ref(`${alias}.occurred_at`)} > q.from_at and ${sql.ref(`${alias}.occurred_at`)} <= q.to_at`;
  if (metric === "purchases") {
    return sql`select (
        (select count(*) from events e
          where e.member_id = q.member_id and e.program_id = ${programId} and e.type = 'purchase'
            and e.status in ('processed', 'claimed') and ${inWindow("e")})
        - (select count(*) from (select o.id from events r
            join events o on o.program_id = r.program_id and o.id = r.original_event_id
            where r.member_id = q.member_id and r.program_id = ${programId} and r.type = 'return' and r.status = 'processed'
              and ${inWindow("r")} and ${inWindow("o")}
            group by o.id, o.amount having sum(r.amount) >= coalesce(o.amount, 0)) full_returns)
      )::bigint as value`;
  }
  const value = metric === "spend" ? sql`case when e.type = 'return' then -e.amount else e.amount end` : sql`e.points`;
  const types = metric === "spend" ? sql`and e.type in ('purchase', 'return')` : sql``;
  return sql`select coalesce(sum(${value}), 0)::bigint as value from events e
    left join events o on e.type = 'return' and o.program_id = e.program_id and o.id = e.original_event_id
    where e.member_id = q.member_id and e.program_id = ${programId} ${types} and ${inWindow("e")}
      and ((e.type <> 'return' and e.status in ('processed', 'claimed'))
        or (e.type = 'return' and e.status = 'processed' and ${inWindow("o")}))`;
}

const requests = (items: { memberId: string; from: Date | null; to: Date }[]) =>
  sql`select x.i, x.member_id, coalesce(x.from_at, '-infinity'::timestamptz) as from_at, x.to_at
    from jsonb_to_recordset(${jsonRows(items.map((r, i) => ({ i, member_id: r.memberId, from_at: r.from, to_at: r.to })))}::jsonb)
      as x(i integer, member_id text, from_at timestamptz, to_at timestamptz)`;

/** The metric of each (member, window) asked for, in one statement; answers in the order asked. */
export async function metricsOver(
  db: Db,
  programId: string,
  metric: TierMetric,
  items: { memberId: string; from: Date | null; to: Date }[],
): Promise<number[]> {
  if (items.length === 0) return [];
  const result = await sql<{ i: number; value: number }>`with q as (${requests(items)})
    select q.i, m.value from q cross join lateral (${metricOf(programId, metric)}) m`.execute(db);
  const values = items.map(() => 0);
  for (const row of result.rows) values[row.i] = Number(row.value);
  return values;
}

type StateRow = {
  tier_id: string | null;
  tier_since: Date | string | null;
  tier_review_at: Date | string | null;
  tier_grace_until: Date | string | null;
  tier_locked: boolean | null;
  last_change_at: Date | string | null;
};

/** A member's tier of record, and when their last recorded change took effect. */
export interface RecordedState {
  state: TierState;
  lastChange: Date | null;
}

const toState = (row: StateRow): TierState => ({
  tierId: row.tier_id,
  since: toDate(row.tier_since),
  reviewAt: toDate(row.tier_review_at),
  graceUntil: toDate(row.tier_grace_until),
  locked: row.tier_locked ?? false,
});

const toRecorded = (row: StateRow): RecordedState => ({ state: toState(row), lastChange: toDate(row.last_change_at) });

/**
 * The latest change of each member up to `asOf`, as tier state columns (a lateral on `m`). The
 * order is total: by effective time, then by id (ids are time-sortable, so on a tie the later
 * written).
 */
const stateAsOf = (asOf: Date) => sql`select c.to_tier_id as tier_id, c.tier_since, c.review_at as tier_review_at,
    c.grace_until as tier_grace_until, c.locked as tier_locked, c.effective_at as last_change_at
  from tier_changes c where c.member_id = m.id and c.effective_at <= ${asOf}
  order by c.effective_at desc, c.id desc limit 1`;

/** When a member's last change took effect (a scalar subquery on `m`, on the tier_changes_member index). */
const lastChangeOf = sql`(select max(c.effective_at) from tier_changes c where c.member_id = m.id)`;

export interface BatchTierState {
  ladder: Ladder;
  members: Map<string, RecordedState & { metric: number }>;
}

/**
 * What a batch of events needs of its members' tiers, in one statement: the ladder and policy,
 * each member's tier state (the members row, which the caller has locked; or, for a dry run as of
 * a past time, the tier history up to then) and metric over the window.
 */
export async function loadBatchState(
  db: Db,
  programId: string,
  memberIds: string[],
  window: { from: Date | null; to: Date },
  metric: TierMetric,
  stateAt: Date | null,
): Promise<BatchTierState> {
  const state = stateAt
    ? sql`s.tier_id, s.tier_since, s.tier_review_at, s.tier_grace_until, s.tier_locked, s.last_change_at`
    : sql`m.tier_id, m.tier_since, m.tier_review_at, m.tier_grace_until, m.tier_locked, ${lastChangeOf} as last_change_at`;
  const history = stateAt ? sql`left join lateral (${stateAsOf(stateAt)}) s on true` : sql``;
  const result = await sql<
    StateRow & { kind: "m" | "t" | "p"; member_id: string | null; metric: number | null; data: unknown }
  >`with q as (${requests(memberIds.map((memberId) => ({ memberId, ...window })))})
    select 'm' as kind, m.id as member_id, ${state}, x.value as metric, null::json as data
      from q join members m on m.id = q.member_id and m.program_id = ${programId}
      ${history}
      cross join lateral (${metricOf(programId, metric)}) x
    union all
    select 't', null, null, null, null, null, null, null, null, row_to_json(t)
      from tiers t where t.program_id = ${programId}
    union all
    select 'p', null, null, null, null, null, null, null, null,
        json_build_object('policy', p.tier_policy, 'timezone', p.timezone)
      from programs p where p.id = ${programId}`.execute(db);
  const members = new Map<string, RecordedState & { metric: number }>();
  const all: TierRow[] = [];
  let policy: TierPolicy | null = null;
  let timezone = "UTC";
  for (const row of result.rows) {
    if (row.kind === "m" && row.member_id) members.set(row.member_id, { ...toRecorded(row), metric: Number(row.metric ?? 0) });
    else if (row.kind === "t") all.push(row.data as TierRow);
    else if (row.kind === "p") ({ policy, timezone } = row.data as { policy: TierPolicy | null; timezone: string });
  }
  const active = all.filter((t) => t.removed_at === null).sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0));
  return {
    ladder: {
      policy,
      timezone,
      tiers: active.map(toLadderTier),
      names: new Map(all.map((t) => [t.id, t.name])),
      removedAt: removedOf(all),
      rows: active,
    },
    members,
  };
}

/** Tier states of members as of a time, from their history (members with none have no tier). */
export async function statesAsOf(
  db: Db,
  programId: string,
  memberIds: string[],
  asOf: Date,
): Promise<Map<string, RecordedState>> {
  if (memberIds.length === 0) return new Map();
  const result = await sql<StateRow & { id: string }>`select m.id, s.tier_id, s.tier_since, s.tier_review_at,
      s.tier_grace_until, s.tier_locked, s.last_change_at
    from members m left join lateral (${stateAsOf(asOf)}) s on true
    where m.program_id = ${programId} and m.id in (${sql.join(memberIds)})`.execute(db);
  return new Map(result.rows.map((r) => [r.id, toRecorded(r)]));
}

/** Locks members (in id order) and reads their tier of record and when it last changed. */
export async function lockTierStates(
  trx: Transaction<DB>,
  programId: string,
  memberIds: string[],
): Promise<Map<string, RecordedState>> {
  const ids = [...new Set(memberIds)].sort();
  if (ids.length === 0) return new Map();
  const result = await sql<StateRow & { id: string }>`select m.id, m.tier_id, m.tier_since, m.tier_review_at,
      m.tier_grace_until, m.tier_locked, ${lastChangeOf} as last_change_at
    from members m where m.program_id = ${programId} and m.id in (${sql.join(ids)})
    order by m.id for update`.execute(trx);
  return new Map(result.rows.map((r) => [r.id, toRecorded(r)]));
}

/**
 * Locks (in id order) the unlocked members of a programme holding a tier, with their state, for a
 * ladder change to record what it does to them; `afterId` pages.
 */
export async function lockHolders(
  trx: Transaction<DB>,
  programId: string,
  tierId: string,
  afterId: string,
  limit: number,
): Promise<Map<string, RecordedState>> {
  const result = await sql<StateRow & { id: string }>`select m.id, m.tier_id, m.tier_since, m.tier_review_at,
      m.tier_grace_until, m.tier_locked, ${lastChangeOf} as last_change_at
    from members m where m.program_id = ${programId} and m.tier_id = ${tierId} and not m.tier_locked and m.id > ${afterId}
    order by m.id limit ${limit} for update`.execute(trx);
  return new Map(result.rows.map((r) => [r.id, toRecorded(r)]));
}

/** The member's id if the programme has this member (a tier's reads name members by id only). */
export const findMemberId = (db: Db, programId: string, memberId: string) =>
  db.selectFrom("members").select("id").where("program_id", "=", programId).where("id", "=", memberId).executeTakeFirst();

/** A member's changes up to `asOf`, oldest first. */
export async function changesUpTo(db: Db, programId: string, memberId: string, asOf: Date) {
  return db
    .selectFrom("tier_changes")
    .selectAll()
    .where("member_id", "=", memberId)
    .where("program_id", "=", programId)
    .where("effective_at", "<=", asOf)
    .orderBy("effective_at")
    .orderBy("id")
    .execute();
}

/** Members' changes up to `until` (tier and time only), oldest first: a backtest replays with them. */
export async function timelines(db: Db, programId: string, memberIds: string[], until: Date) {
  if (memberIds.length === 0) return new Map<string, { at: Date; tierId: string | null }[]>();
  const found = await db
    .selectFrom("tier_changes")
    .select(["member_id", "to_tier_id", "effective_at"])
    .where("member_id", "in", memberIds)
    .where("program_id", "=", programId)
    .where("effective_at", "<", until)
    .orderBy("member_id")
    .orderBy("effective_at")
    .orderBy("id")
    .execute();
  const byMember = new Map<string, { at: Date; tierId: string | null }[]>();
  for (const row of found) {
    const list = byMember.get(row.member_id) ?? [];
    list.push({ at: row.effective_at, tierId: row.to_tier_id });
    byMember.set(row.member_id, list);
  }
  return byMember;
}

/** Members whose review (or end of grace) is due by `asOf`, not locked (the members_tier_review index). */
export async function dueForReview(db: Db, asOf: Date, limit: number, programId?: string) {
  let query = db
    .selectFrom("members")
    .select(["program_id", "id"])
    .where("tier_review_at", "<=", asOf)
    .where("tier_locked", "=", false)
    .where(sql<boolean>`coalesce(tier_grace_until, tier_review_at) <= ${asOf}`)
    .orderBy("tier_review_at")
    .limit(limit);
  if (programId) query = query.where("program_id", "=", programId);
  return query.execute();
}

/**
 * Unlocked members still on a tier removed by `asOf` (a ladder change that raced the event giving
 * it): the safety net reviews them (decisionAt). Few tiers are ever removed; the members_tier index
 * finds their holders.
 */
export async function onRemovedTiers(db: Db, asOf: Date, limit: number, programId?: string) {
  let query = db
    .selectFrom("tiers as t")
    .innerJoin("members as m", (join) => join.onRef("m.program_id", "=", "t.program_id").onRef("m.tier_id", "=", "t.id"))
    .select(["m.program_id", "m.id"])
    .where("t.removed_at", "<=", asOf)
    .where("m.tier_locked", "=", false)
    .orderBy("m.id")
    .limit(limit);
  if (programId) query = query.where("t.program_id", "=", programId);
  return query.execute();
}

/** How many members hold each of these tiers. */
export async function holders(db: Db, programId: string, tierIds: string[]): Promise<Map<string, number>> {
  if (tierIds.length === 0) return new Map();
  const found = await db
    .selectFrom("members")
    .select(["tier_id", (eb) => eb.fn.countAll<number>().as("n")])
    .where("program_id", "=", programId)
    .where("tier_id", "in", tierIds)
    .groupBy("tier_id")
    .execute();
  return new Map(found.flatMap((r) => (r.tier_id ? [[r.tier_id, Number(r.n)] as const] : [])));
}

/**
 * Members' recorded tier changes (up to `upTo`, if given), oldest first: the tier each held from
 * each change on, for events that occurred before their last change (posted late).
 */
export async function tierHistory(
  db: Db,
  programId: string,
  memberIds: string[],
  upTo: Date | null,
): Promise<Map<string, { from: Date; tierId: string | null }[]>> {
  const history = new Map<string, { from: Date; tierId: string | null }[]>();
  if (memberIds.length === 0) return history;
  const result = await sql<{ member_id: string; to_tier_id: string | null; effective_at: Date | string }>`
    select c.member_id, c.to_tier_id, c.effective_at from tier_changes c join members m on m.id = c.member_id
    where m.program_id = ${programId} and c.member_id in (${sql.join(memberIds)})
      ${upTo ? sql`and c.effective_at <= ${upTo}` : sql``}
    order by c.member_id, c.effective_at, c.id`.execute(db);
  for (const row of result.rows) {
    const list = history.get(row.member_id) ?? [];
    list.push({ from: new Date(row.effective_at), tierId: row.to_tier_id });
    history.set(row.member_id, list);
  }
  return history;
}
