import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db/schema.ts";
import type { EventItem, PastAward } from "../earning/earning.types.ts";

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
