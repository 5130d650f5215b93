import { type Kysely, sql } from "kysely";
import type { DB } from "../db/schema.ts";
import { deferredRevenueChecks } from "../reports/deferred-revenue.verify.ts";
import { rollupChecks } from "../reports/rollups.verify.ts";
import { rewardChecks } from "../rewards/rewards.verify.ts";
import { tierChecks } from "../tiers/tiers.verify.ts";

export interface CheckResult {
  name: string;
  description: string;
  violations: number;
  examples: unknown[];
}

export interface VerifyReport {
  ok: boolean;
  checks: CheckResult[];
  counts: { transactions: number; postings: number; lots: number; holds: number; members: number };
}

const EXAMPLES = 5;

/** Every ledger invariant, as a query that returns the rows breaking it. */
const checks = (now: Date): { name: string; description: string; query: ReturnType<typeof sql> }[] => [
  {
    name: "transactions_balance",
    description: "The postings of every transaction sum to zero, and every transaction has postings",
    query: sql`select t.id, coalesce(sum(p.amount), 0)::bigint as total, count(p.id)::int as postings
      from ledger_transactions t left join postings p on p.txn_id = t.id
      group by t.id having coalesce(sum(p.amount), 0) <> 0 or count(p.id) = 0`,
  },
  {
    name: "postings_same_programme",
    description: "Postings, lots and members of a transaction all belong to its programme",
    query: sql`select p.id as posting_id, p.txn_id from postings p
      join ledger_transactions t on t.id = p.txn_id
      left join members m on m.id = p.member_id
      left join lots l on l.id = p.lot_id
      where p.program_id <> t.program_id
         or (m.id is not null and m.program_id <> t.program_id)
         or (l.id is not null and (l.program_id <> t.program_id or l.member_id <> p.member_id))`,
  },
  {
    name: "lot_remaining_matches_postings",
    description: "Each lot's remaining points and state equal what the postings on it say",
    query: sql`select l.id, l.remaining, l.state, coalesce(s.pending, 0)::bigint as pending, coalesce(s.available, 0)::bigint as available
      from lots l left join (
        select lot_id,
          sum(amount) filter (where account = 'member_pending') as pending,
          sum(amount) filter (where account = 'member_available') as available
        from postings where lot_id is not null group by lot_id
      ) s on s.lot_id = l.id
      where l.remaining <> coalesce(s.pending, 0) + coalesce(s.available, 0)
         or (l.state = 'pending' and coalesce(s.available, 0) <> 0)
         or (l.state = 'available' and coalesce(s.pending, 0) <> 0)`,
  },
  {
    name: "lot_amount_matches_credit",
    description: "Each lot's amount is what its creating transaction credited to it",
    query: sql`select l.id, l.amount, coalesce(sum(p.amount) filter (where p.amount > 0), 0)::bigint as credited
      from lots l left join postings p on p.lot_id = l.id and p.txn_id = l.txn_id
        and p.account in ('member_pending', 'member_available')
      group by l.id, l.amount having l.amount <> coalesce(sum(p.amount) filter (where p.amount > 0), 0)`,
  },
  {
    name: "no_lot_below_zero",
    description: "No lot has negative points in any account, held included",
    query: sql`select lot_id, account, sum(amount)::bigint as total from postings where lot_id is not null
      group by lot_id, account having sum(amount) < 0`,
  },
  {
    name: "breakage_within_lot",
    description: "What a lot lost to expiry (net of reversals) is between zero and its amount",
    query: sql`select l.id, l.amount, sum(p.amount)::bigint as expired from lots l
      join postings p on p.lot_id = l.id and p.account = 'breakage'
      group by l.id, l.amount having sum(p.amount) < 0 or sum(p.amount) > l.amount`,
  },
  {
    name: "holds_match_postings",
    description: "An active hold holds exactly its points on its lots; a closed hold holds none",
    query: sql`select h.id, h.status, h.points, coalesce(s.held, 0)::bigint as held, a.allocated
      from holds h
      left join (select hold_id, sum(amount) as held from postings where account = 'member_held' group by hold_id) s on s.hold_id = h.id
      left join lateral (select coalesce(sum((x ->> 'points')::bigint), 0)::bigint as allocated from jsonb_array_elements(h.allocations) x) a on true
      where (h.status = 'active' and (coalesce(s.held, 0) <> h.points or a.allocated <> h.points))
         or (h.status <> 'active' and coalesce(s.held, 0) <> 0)`,
  },
  {
    name: "debt_matches_postings",
    description: "Each member's recorded debt equals the debt postings, and debt is never negative",
    query: sql`select m.id, m.debt, (-coalesce(s.total, 0))::bigint as posted
      from members m left join (select member_id, sum(amount) as total from postings where account = 'member_debt' group by member_id) s
        on s.member_id = m.id
      where m.debt <> -coalesce(s.total, 0) or coalesce(s.total, 0) > 0`,
  },
  {
    name: "debt_settled_first",
    description: "No member owes debt while holding spendable points (credits pay debt first)",
    query: sql`select m.id, m.debt, sum(l.remaining)::bigint as spendable from members m
      join lots l on l.member_id = m.id and l.state = 'available' and l.remaining > 0
        and l.available_at <= ${now} and (l.expires_at is null or l.expires_at > ${now})
      where m.debt > 0 group by m.id, m.debt`,
  },
  {
    name: "reversal_mirrors_original",
    description:
      "A reversal changes each member's points by exactly minus what the original did, less what had expired meanwhile (taken back from breakage)",
    query: sql`select r.id, r.reverses_id, x.member_id, sum(x.amount)::bigint as net
      from ledger_transactions r
      join lateral (
        select p.member_id, p.amount from postings p
          where p.txn_id in (r.id, r.reverses_id) and p.member_id is not null
        union all
        select l.member_id, p.amount from postings p join lots l on l.id = p.lot_id
          where p.txn_id = r.id and p.account = 'breakage'
      ) x on true
      where r.reverses_id is not null
      group by r.id, r.reverses_id, x.member_id having sum(x.amount) <> 0`,
  },
  {
    name: "event_points_match_awards",
    description: "An event's points are what its rules' awards say, and its transaction credits at least that much",
    query: sql`select e.program_id, e.id, e.points, a.total, t.points as txn_points from events e
      left join (select program_id, event_id, sum(points)::bigint as total from event_awards where outcome = 'awarded'
        group by program_id, event_id) a on a.program_id = e.program_id and a.event_id = e.id
      left join ledger_transactions t on t.id = e.txn_id
      where e.type <> 'return' and e.status in ('processed', 'claimed')
        and (e.points <> coalesce(a.total, 0) or (e.points > 0 and coalesce(t.points, 0) < e.points))`,
  },
  {
    name: "awards_belong_to_events",
    description: "Every award belongs to a stored event of its programme and member",
    query: sql`select a.program_id, a.event_id, a.rule_id from event_awards a
      left join events e on e.program_id = a.program_id and e.id = a.event_id
      where e.id is null or e.member_id is distinct from a.member_id`,
  },
  {
    name: "returns_within_purchase",
    description: "Returns never take back more points than a purchase gave, nor more money than it cost",
    query: sql`select program_id, id, amount, points, returned_amount, clawed_back from events
      where type = 'purchase' and (returned_amount > coalesce(amount, 0) or clawed_back > points or clawed_back < 0)`,
  },
  {
    name: "returns_match_purchase",
    description: "The points returns took (their events) add up to what the purchase records as taken back",
    query: sql`select o.program_id, o.id, o.clawed_back, coalesce(sum(-r.points), 0)::bigint as returns
      from events o left join events r on r.program_id = o.program_id and r.original_event_id = o.id
        and r.status = 'processed'
      where o.type = 'purchase' group by o.program_id, o.id, o.clawed_back
      having o.clawed_back <> coalesce(sum(-r.points), 0)`,
  },
  {
    name: "campaign_budget_accounted",
    description:
      "A campaign's budget spent (budget - what its slices have left, for each occurrence opened with a budget per occurrence) is exactly its awards less what returns gave back, and never more than the budget",
    query: sql`select c.id, c.budget_points, s.remaining, coalesce(a.awarded, 0) as awarded, coalesce(r.refunded, 0) as refunded
      from campaigns c
      join (select campaign_id, count(*)::bigint as opened, sum(remaining)::bigint as remaining,
          max(remaining)::bigint as most, min(remaining)::bigint as least
        from (select campaign_id, occurrence, sum(remaining)::bigint as remaining from campaign_budget_slices
          group by campaign_id, occurrence) o
        group by campaign_id) s
        on s.campaign_id = c.id
      left join (select campaign_id, sum(points)::bigint as awarded from event_awards where outcome = 'awarded'
        group by campaign_id) a on a.campaign_id = c.id
      left join (select campaign_id, sum(points)::bigint as refunded from campaign_budget_refunds group by campaign_id) r
        on r.campaign_id = c.id
      where c.budget_points is null or s.most > c.budget_points or s.least < 0
        or c.budget_points * s.opened - s.remaining <> coalesce(a.awarded, 0) - coalesce(r.refunded, 0)`,
  },
];

/**
 * Checks every invariant on the whole database; `ok` is false if any row breaks one. `more` adds
 * checks that are not one query (the report rollups' comparison with a rebuild).
 */
export async function verifyLedger(db: Kysely<DB>, now: Date, more?: () => Promise<CheckResult[]>): Promise<VerifyReport> {
  const results: CheckResult[] = [];
  for (const check of [...checks(now), ...rewardChecks(), ...tierChecks(), ...deferredRevenueChecks(), ...rollupChecks()]) {
    const rows = (await check.query.execute(db)).rows;
    results.push({
      name: check.name,
      description: check.description,
      violations: rows.length,
      examples: rows.slice(0, EXAMPLES),
    });
  }
  if (more) results.push(...(await more()));
  const counts = await sql<VerifyReport["counts"]>`select
      (select count(*) from ledger_transactions)::int as transactions,
      (select count(*) from postings)::int as postings,
      (select count(*) from lots)::int as lots,
      (select count(*) from holds)::int as holds,
      (select count(*) from members)::int as members`.execute(db);
  return {
    ok: results.every((c) => c.violations === 0),
    checks: results,
    counts: counts.rows[0] ?? { transactions: 0, postings: 0, lots: 0, holds: 0, members: 0 },
  };
}
