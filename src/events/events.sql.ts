import { type Kysely, type RawBuilder, type Selectable, sql, type Transaction } from "kysely";
import type {
  DB,
  EventAwardsTable,
  ExpiryPolicy,
  ReferralPolicy,
  ReturnPolicy,
  TierPolicy,
  UnknownMemberPolicy,
} from "../db/schema.ts";
import type { WriteBatch } from "../db/write-batch.ts";
import type { EventItem, PastAward } from "../earning/earning.rules.ts";

type Db = Kysely<DB> | Transaction<DB>;

export interface EventProgram {
  id: string;
  timezone: string;
  currency: string;
  country: string | null;
  pointsExpiry: ExpiryPolicy;
  pendingDays: number;
  unknownMemberPolicy: UnknownMemberPolicy;
  guestClaimDays: number;
  returnPolicy: ReturnPolicy;
  referralPolicy: ReferralPolicy | null;
  rulesRevision: number;
  pointValue: number;
  /** Null: the programme has no tiers. */
  tierPolicy: TierPolicy | null;
}

export async function programForEvents(db: Db, programId: string): Promise<EventProgram | null> {
  const row = await db.selectFrom("programs").selectAll().where("id", "=", programId).executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    timezone: row.timezone,
    currency: row.currency,
    country: row.country,
    pointsExpiry: row.points_expiry,
    pendingDays: row.pending_days,
    unknownMemberPolicy: row.unknown_member_policy,
    guestClaimDays: row.guest_claim_days,
    returnPolicy: row.return_policy,
    referralPolicy: row.referral_policy,
    rulesRevision: row.rules_revision,
    pointValue: row.point_value,
    tierPolicy: row.tier_policy,
  };
}

export interface StoredEvent {
  id: string;
  fingerprint: string;
  status_code: number;
  result: unknown;
}

export async function findStoredEvents(db: Db, programId: string, ids: string[]): Promise<Map<string, StoredEvent>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom("events")
    .select(["id", "fingerprint", "status_code", "result"])
    .where("program_id", "=", programId)
    .where("id", "in", ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

export interface KnownMember {
  id: string;
  externalId: string | null;
  email: string | null;
  phone: string | null;
  attributes: Record<string, unknown>;
  status: "active" | "blocked";
  /** The referrer of a referral still waiting for this member's first qualifying purchase. */
  pendingReferrer: string | null;
}

/** Members by id, external id, email or phone, with any referral still waiting on them. */
export async function findMembers(
  db: Db,
  programId: string,
  refs: { ids: string[]; externalIds: string[]; emails: string[]; phones: string[] },
): Promise<KnownMember[]> {
  const clauses: RawBuilder<unknown>[] = [];
  if (refs.ids.length) clauses.push(sql`m.id in (${sql.join(refs.ids)})`);
  if (refs.externalIds.length) clauses.push(sql`m.external_id in (${sql.join(refs.externalIds)})`);
  if (refs.emails.length) clauses.push(sql`m.email in (${sql.join(refs.emails)})`);
  if (refs.phones.length) clauses.push(sql`m.phone in (${sql.join(refs.phones)})`);
  if (clauses.length === 0) return [];
  const result = await sql<{
    id: string;
    external_id: string | null;
    email: string | null;
    phone: string | null;
    attributes: Record<string, unknown>;
    status: "active" | "blocked";
    referrer_id: string | null;
  }>`select m.id, m.external_id, m.email, m.phone, m.attributes, m.status, r.referrer_id
    from members m left join referrals r on r.referee_id = m.id and r.status = 'pending'
    where m.program_id = ${programId} and (${sql.join(clauses, sql` or `)})`.execute(db);
  return result.rows.map((r) => ({
    id: r.id,
    externalId: r.external_id,
    email: r.email,
    phone: r.phone,
    attributes: r.attributes,
    status: r.status,
    pendingReferrer: r.referrer_id,
  }));
}

export interface OriginalPurchase {
  id: string;
  type: string;
  status: string;
  memberId: string | null;
  occurredAt: Date;
  amount: number;
  items: EventItem[] | null;
  points: number;
  returnedAmount: number;
  clawedBack: number;
  txnId: string | null;
  lotIds: string[];
  /** Items of the returns already processed against this purchase. */
  returnedItems: EventItem[];
  /** Points the purchase's credit drew from each funding account. */
  sources: { account: "issued" | "partner"; partnerId: string | null; points: number }[];
  /** Points each budgeted campaign gave for the purchase. */
  campaigns: { campaignId: string; points: number }[];
}

/** Purchases returns refer to, read inside the transaction after their members are locked. */
export async function findOriginals(db: Db, programId: string, ids: string[]): Promise<Map<string, OriginalPurchase>> {
  if (ids.length === 0) return new Map();
  const result = await sql<{
    id: string;
    type: string;
    status: string;
    member_id: string | null;
    occurred_at: Date | string;
    amount: number | null;
    items: EventItem[] | null;
    points: number;
    returned_amount: number;
    clawed_back: number;
    txn_id: string | null;
    lot_ids: string[] | null;
    sources: { account: "issued" | "partner"; partner_id: string | null; points: number }[] | null;
    campaigns: { campaign_id: string; points: number }[] | null;
    returned_items: EventItem[] | null;
  }>`select e.id, e.type, e.status, e.member_id, e.occurred_at, e.amount, e.items, e.points, e.returned_amount, e.clawed_back, e.txn_id,
      (select array_agg(l.id order by l.id) from lots l where l.txn_id = e.txn_id) as lot_ids,
      (select json_agg(s) from (select p.account, p.partner_id, -sum(p.amount)::bigint as points from postings p
        where p.txn_id = e.txn_id and p.account in ('issued', 'partner') group by p.account, p.partner_id) s) as sources,
      (select json_agg(c) from (select a.campaign_id, sum(a.points)::bigint as points from event_awards a
        where a.program_id = e.program_id and a.event_id = e.id and a.campaign_id is not null and a.outcome = 'awarded'
        group by a.campaign_id) c) as campaigns,
      (select jsonb_agg(i) from events r, jsonb_array_elements(r.items) i
        where r.program_id = e.program_id and r.original_event_id = e.id and r.status = 'processed'
          and r.items is not null) as returned_items
    from events e where e.program_id = ${programId} and e.id in (${sql.join(ids)})`.execute(db);
  return new Map(
    result.rows.map((r) => [
      r.id,
      {
        id: r.id,
        type: r.type,
        status: r.status,
        memberId: r.member_id,
        occurredAt: new Date(r.occurred_at),
        amount: Number(r.amount ?? 0),
        items: r.items,
        points: Number(r.points),
        returnedAmount: Number(r.returned_amount),
        clawedBack: Number(r.clawed_back),
        txnId: r.txn_id,
        lotIds: r.lot_ids ?? [],
        returnedItems: r.returned_items ?? [],
        sources: (r.sources ?? []).map((s) => ({ account: s.account, partnerId: s.partner_id, points: Number(s.points) })),
        campaigns: (r.campaigns ?? []).map((c) => ({ campaignId: c.campaign_id, points: Number(c.points) })),
      },
    ]),
  );
}

export interface RuleState {
  purchases: Map<string, number>;
  stamps: Map<string, Map<string, number>>;
  awards: Map<string, PastAward[]>;
  /** Rewarded referrals per referrer since the start of the month asked for. */
  referralsThisMonth: Map<string, number>;
}

/**
 * What the rules need to know about members' past, in one statement: their purchase counts, stamp
 * card totals, recent awards of rules with per-member limits, and referrals rewarded this month.
 */
export async function loadRuleState(
  db: Db,
  memberIds: string[],
  need: {
    purchases: boolean;
    stampRules: string[];
    limitedRules: string[];
    awardsSince: Date;
    referrers: string[];
    monthStart: Date;
  },
): Promise<RuleState> {
  const state: RuleState = { purchases: new Map(), stamps: new Map(), awards: new Map(), referralsThisMonth: new Map() };
  const members = sql.join(memberIds);
  const parts: RawBuilder<unknown>[] = [];
  if (need.purchases && memberIds.length) {
    parts.push(sql`select 'p' as kind, member_id, null::text as rule_id, null::timestamptz as at, count(*)::bigint as n, 0::bigint as stamps
      from events where member_id in (${members}) and type = 'purchase' and status in ('processed', 'claimed') group by member_id`);
  }
  if (need.stampRules.length && memberIds.length) {
    parts.push(sql`select 's' as kind, member_id, rule_id, null::timestamptz as at, 0::bigint as n, sum(stamps)::bigint as stamps
      from event_awards
      where member_id in (${members}) and rule_id in (${sql.join(need.stampRules)}) and outcome = 'awarded'
      group by member_id, rule_id`);
  }
  if (need.limitedRules.length && memberIds.length) {
    parts.push(sql`select 'a' as kind, member_id, rule_id, occurred_at as at, points as n, stamps::bigint as stamps
      from event_awards
      where member_id in (${members}) and rule_id in (${sql.join(need.limitedRules)}) and outcome = 'awarded'
        and occurred_at >= ${need.awardsSince}`);
  }
  if (need.referrers.length) {
    parts.push(sql`select 'r' as kind, referrer_id as member_id, null::text as rule_id, null::timestamptz as at,
        count(*)::bigint as n, 0::bigint as stamps from referrals
      where referrer_id in (${sql.join(need.referrers)}) and status = 'rewarded' and qualified_at >= ${need.monthStart}
      group by referrer_id`);
  }
  if (parts.length === 0) return state;
  const result = await sql<{
    kind: "p" | "s" | "a" | "r";
    member_id: string;
    rule_id: string | null;
    at: Date | string | null;
    n: number;
    stamps: number;
  }>`${sql.join(parts, sql` union all `)}`.execute(db);
  for (const row of result.rows) {
    if (row.kind === "p") state.purchases.set(row.member_id, Number(row.n));
    else if (row.kind === "r") state.referralsThisMonth.set(row.member_id, Number(row.n));
    else if (row.kind === "s" && row.rule_id) {
      const byRule = state.stamps.get(row.member_id) ?? new Map<string, number>();
      byRule.set(row.rule_id, Number(row.stamps));
      state.stamps.set(row.member_id, byRule);
    } else if (row.kind === "a" && row.rule_id && row.at) {
      const list = state.awards.get(row.member_id) ?? [];
      list.push({ ruleId: row.rule_id, occurredAt: new Date(row.at), points: Number(row.n), stamps: Number(row.stamps) });
      state.awards.set(row.member_id, list);
    }
  }
  return state;
}

export interface EventRowDraft {
  id: string;
  type: string;
  member_id: string | null;
  status: "processed" | "guest" | "claimed" | "rejected";
  occurred_at: Date;
  amount: number | null;
  currency: string | null;
  items: unknown[] | null;
  channel: string | null;
  store_id: string | null;
  partner_id: string | null;
  receipt_id: string | null;
  original_event_id: string | null;
  attributes: Record<string, unknown> | null;
  fingerprint: string;
  points: number;
  txn_id: string | null;
  /** A purchase returned later in its own batch is inserted with what the returns took. */
  returned_amount: number;
  clawed_back: number;
  status_code: number;
  result: unknown;
}

/** An award row as the batch writes it (the programme id is the statement's). */
export type AwardRowDraft = Omit<Selectable<EventAwardsTable>, "program_id">;

const rows = (items: unknown[]) => JSON.stringify(items);

/** The event-side rows an earn batch writes. */
export interface EventWrites {
  events: EventRowDraft[];
  /** Guest purchases a member claimed: their stored row gets the member and the points. */
  claims: { id: string; member_id: string; points: number; txn_id: string | null }[];
  awards: AwardRowDraft[];
  returned: { id: string; returned_amount: number; clawed_back: number }[];
  /** What returns gave back to campaign budgets. */
  budgetRefunds: { event_id: string; campaign_id: string; points: number }[];
  /** Referees whose rewarded referral a full return of the qualifying purchase reverses. */
  referralReversals: string[];
  referrals: {
    referee_id: string;
    status: "rewarded" | "refused" | "reversed";
    refused_reason: string | null;
    event_id: string;
    referrer_points: number;
    referee_points: number;
    txn_id: string | null;
  }[];
}

/**
 * The event-side rows of a batch as parts of its one write statement: new events (their ids are
 * the idempotency keys: on a clash nothing is inserted and the caller rolls back), awards,
 * purchases updated by returns, referrals settled. Added first: the other parts may refer to them.
 */
export function addEventWrites(batch: WriteBatch, programId: string, now: Date, write: EventWrites): void {
  batch.add(
    "new_events",
    sql`
      insert into events (program_id, id, type, member_id, status, occurred_at, amount, currency, items, channel, store_id,
        partner_id, receipt_id, original_event_id, attributes, fingerprint, points, txn_id, returned_amount, clawed_back,
        status_code, result, created_at)
      select ${programId}, x.id, x.type, x.member_id, x.status, x.occurred_at, x.amount, x.currency, x.items, x.channel,
        x.store_id, x.partner_id, x.receipt_id, x.original_event_id, x.attributes, x.fingerprint, x.points, x.txn_id,
        x.returned_amount, x.clawed_back, x.status_code, x.result, ${now}::timestamptz
      from jsonb_to_recordset(${rows(write.events)}::jsonb) as x(id text, type text, member_id text, status text,
        occurred_at timestamptz, amount bigint, currency text, items jsonb, channel text, store_id text, partner_id text,
        receipt_id text, original_event_id text, attributes jsonb, fingerprint text, points bigint, txn_id text,
        returned_amount bigint, clawed_back bigint, status_code integer, result jsonb)
      order by x.id
      on conflict (program_id, id) do nothing
      returning id`,
    { counted: true },
  );
  batch.add(
    "claimed_events",
    sql`
      update events set member_id = x.member_id, status = 'claimed', points = x.points, txn_id = x.txn_id
      from jsonb_to_recordset(${rows(write.claims)}::jsonb) as x(id text, member_id text, points bigint, txn_id text)
      where events.program_id = ${programId} and events.id = x.id and events.status = 'guest'
      returning events.id`,
    { counted: true },
  );
  if (write.awards.length > 0) {
    batch.add(
      "new_awards",
      sql`
      insert into event_awards (program_id, event_id, rule_id, rule_version, campaign_id, campaign_version, member_id,
        outcome, points, stamps, occurred_at, txn_id)
      select ${programId}, x.event_id, x.rule_id, x.rule_version, x.campaign_id, x.campaign_version, x.member_id,
        x.outcome, x.points, x.stamps, x.occurred_at, x.txn_id
      from jsonb_to_recordset(${rows(write.awards)}::jsonb) as x(event_id text, rule_id text, rule_version integer,
        campaign_id text, campaign_version integer, member_id text, outcome text, points bigint, stamps integer,
        occurred_at timestamptz, txn_id text)
      where x.event_id in (select id from new_events union all select id from claimed_events)`,
    );
  }
  if (write.returned.length > 0) {
    batch.add(
      "returned",
      sql`
      update events set returned_amount = x.returned_amount, clawed_back = x.clawed_back
      from jsonb_to_recordset(${rows(write.returned)}::jsonb) as x(id text, returned_amount bigint, clawed_back bigint)
      where events.program_id = ${programId} and events.id in (${sql.join(write.returned.map((r) => r.id))})
        and events.id = x.id`,
    );
  }
  if (write.budgetRefunds.length > 0) {
    batch.add(
      "budget_refunds",
      sql`
      insert into campaign_budget_refunds (program_id, event_id, campaign_id, points)
      select ${programId}, x.event_id, x.campaign_id, x.points
      from jsonb_to_recordset(${rows(write.budgetRefunds)}::jsonb) as x(event_id text, campaign_id text, points bigint)
      where x.event_id in (select id from new_events)`,
    );
  }
  if (write.referrals.length > 0) {
    batch.add(
      "settled_referrals",
      sql`
      update referrals set status = x.status, refused_reason = x.refused_reason, event_id = x.event_id,
        referrer_points = x.referrer_points, referee_points = x.referee_points, txn_id = x.txn_id,
        qualified_at = ${now}::timestamptz
      from jsonb_to_recordset(${rows(write.referrals)}::jsonb) as x(referee_id text, status text, refused_reason text,
        event_id text, referrer_points bigint, referee_points bigint, txn_id text)
      where referrals.referee_id in (${sql.join(write.referrals.map((r) => r.referee_id))})
        and referrals.referee_id = x.referee_id and referrals.status = 'pending'
      returning referrals.referee_id`,
      { counted: true },
    );
  }
  if (write.referralReversals.length > 0) {
    batch.add(
      "reversed_referrals",
      sql`
      update referrals set status = 'reversed'
      where referee_id in (${sql.join(write.referralReversals)}) and status = 'rewarded'
      returning referee_id`,
      { counted: true },
    );
  }
}

/** Referee -> referrer for these members' referrals still waiting on a first qualifying purchase. */
export async function findPendingReferrals(db: Db, refereeIds: string[]): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom("referrals")
    .select(["referee_id", "referrer_id"])
    .where("referee_id", "in", refereeIds)
    .where("status", "=", "pending")
    .execute();
  return new Map(rows.map((r) => [r.referee_id, r.referrer_id]));
}

export interface RewardedReferral {
  refereeId: string;
  referrerId: string;
  referrerPoints: number;
  refereePoints: number;
  /** The referrer's reward transaction's lots, which a reversal takes back from first. */
  referrerLotIds: string[];
  /** Rewarded by a purchase earlier in the same batch (its row is not written yet). */
  inBatch?: boolean;
}

/** Rewarded referrals by the purchase that qualified them (returns of it may reverse them). */
export async function findRewardedReferrals(
  db: Db,
  programId: string,
  eventIds: string[],
): Promise<Map<string, RewardedReferral>> {
  if (eventIds.length === 0) return new Map();
  const result = await sql<{
    event_id: string;
    referee_id: string;
    referrer_id: string;
    referrer_points: number;
    referee_points: number;
    lot_ids: string[] | null;
  }>`select r.event_id, r.referee_id, r.referrer_id, r.referrer_points, r.referee_points,
      (select array_agg(l.id order by l.id) from lots l where l.txn_id = r.txn_id) as lot_ids
    from referrals r where r.program_id = ${programId} and r.status = 'rewarded' and r.event_id in (${sql.join(eventIds)})`.execute(
    db,
  );
  return new Map(
    result.rows.map((r) => [
      r.event_id,
      {
        refereeId: r.referee_id,
        referrerId: r.referrer_id,
        referrerPoints: Number(r.referrer_points),
        refereePoints: Number(r.referee_points),
        referrerLotIds: r.lot_ids ?? [],
      },
    ]),
  );
}

/** The programmes with a live birthday rule (one, if `programId`). */
export async function programsWithBirthdayRules(db: Db, programId?: string): Promise<string[]> {
  let query = db
    .selectFrom("rules")
    .select("program_id")
    .distinct()
    .where("status", "=", "active")
    .where(sql<string>`definition->>'trigger'`, "=", "birthday");
  if (programId) query = query.where("program_id", "=", programId);
  return (await query.execute()).map((r) => r.program_id);
}

/** Whether a job marker (a done programme's birthday day) is there. */
export async function hasJobMarker(db: Db, name: string): Promise<boolean> {
  return (await db.selectFrom("job_leases").select("name").where("name", "=", name).executeTakeFirst()) !== undefined;
}

export async function addJobMarker(db: Db, name: string, until: Date): Promise<void> {
  await db
    .insertInto("job_leases")
    .values({ name, owner: "done", leased_until: until })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Active members born on `day` of `month` (with `alsoDay` too: 29 February on the 28th in other years). */
export async function membersBornOn(db: Db, programId: string, month: number, day: number, alsoDay: number | null) {
  return db
    .selectFrom("members")
    .select("id")
    .where("program_id", "=", programId)
    .where("status", "=", "active")
    .where(sql<number>`extract(month from birth_date)`, "=", month)
    .where((eb) =>
      alsoDay !== null
        ? eb.or([
            eb(sql<number>`extract(day from birth_date)`, "=", day),
            eb(sql<number>`extract(day from birth_date)`, "=", alsoDay),
          ])
        : eb(sql<number>`extract(day from birth_date)`, "=", day),
    )
    .execute();
}

/** The purchase with this receipt id, locked (a guest one first, by status order). */
export const lockPurchaseByReceipt = (trx: Transaction<DB>, programId: string, receiptId: string) =>
  trx
    .selectFrom("events")
    .selectAll()
    .where("program_id", "=", programId)
    .where("receipt_id", "=", receiptId)
    .where("type", "=", "purchase")
    .orderBy("status")
    .forUpdate()
    .executeTakeFirst();

export const findEvent = (db: Db, programId: string, eventId: string) =>
  db.selectFrom("events").selectAll().where("program_id", "=", programId).where("id", "=", eventId).executeTakeFirst();

/** A member's events, newest first, from after the (occurredAt, id) of `after`; one more than `limit`. */
export function listMemberEvents(
  db: Db,
  programId: string,
  memberId: string,
  query: { type?: string | undefined; limit: number; after: { at: Date; id: string } | null },
) {
  let select = db
    .selectFrom("events")
    .selectAll()
    .where("program_id", "=", programId)
    .where("member_id", "=", memberId)
    .orderBy("occurred_at", "desc")
    .orderBy("id", "desc")
    .limit(query.limit + 1);
  if (query.type) select = select.where("type", "=", query.type);
  const after = query.after;
  if (after) {
    select = select.where((eb) =>
      eb.or([eb("occurred_at", "<", after.at), eb.and([eb("occurred_at", "=", after.at), eb("id", "<", after.id)])]),
    );
  }
  return select.execute();
}
