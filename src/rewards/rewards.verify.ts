import { sql } from "kysely";

/**
 * Invariants of redemptions, vouchers and payments against the ledger, as queries returning the
 * rows that break them (run by `verify` with the ledger's own checks).
 */
export const rewardChecks = () => [
  {
    name: "redemption_matches_ledger",
    description:
      "A completed or cancelled redemption's capture spent exactly its points into redeemed; a cancelled one's was reversed; a reservation's hold holds its points",
    query: sql`select r.id, r.status, r.points, c.points as captured, rev.id as reversal, h.points as held, h.status as hold_status
      from redemptions r
      left join ledger_transactions c on c.id = r.capture_txn_id
      left join ledger_transactions rev on rev.reverses_id = r.capture_txn_id
      left join holds h on h.id = r.hold_id
      where (r.status in ('completed', 'cancelled') and r.capture_txn_id is not null
              and (c.id is null or c.type <> 'capture' or c.points <> r.points or c.member_id <> r.member_id))
         or (r.status = 'completed' and (r.capture_txn_id is null or rev.id is not null))
         or (r.status = 'cancelled' and r.capture_txn_id is not null and (rev.id is null or rev.id <> r.cancel_txn_id))
         or (r.status = 'reserved' and (h.id is null or h.points <> r.points))
         or (r.status = 'expired' and (r.capture_txn_id is not null or h.status = 'captured'))`,
  },
  {
    name: "reward_stock_accounted",
    description: "A reward's stock taken (total - remaining) is exactly the units of its completed and reserved redemptions",
    query: sql`select w.id, w.stock_total, w.stock_remaining, coalesce(u.units, 0)::bigint as units
      from rewards w left join (
        select reward_id, sum(quantity) as units from redemptions where status in ('completed', 'reserved') group by reward_id
      ) u on u.reward_id = w.id
      where w.stock_total is not null and w.stock_total - w.stock_remaining <> coalesce(u.units, 0)`,
  },
  {
    name: "vouchers_match_redemptions",
    description:
      "A completed redemption of a reward with codes has one voucher per unit; a cancelled one's are all cancelled; vouchers belong to their redemption's member and programme",
    query: sql`select r.id, r.status, r.quantity, count(v.code)::int as vouchers,
        count(v.code) filter (where v.status <> 'cancelled')::int as live
      from redemptions r join rewards w on w.id = r.reward_id
      left join vouchers v on v.redemption_id = r.id
      where w.code_format ->> 'type' <> 'none' or v.code is not null
      group by r.id, r.status, r.quantity, r.member_id, r.program_id
      having (r.status = 'completed' and count(v.code) filter (where v.status <> 'cancelled') <> r.quantity)
          or (r.status in ('reserved', 'expired') and count(v.code) <> 0)
          or (r.status = 'cancelled' and count(v.code) filter (where v.status <> 'cancelled') <> 0)
          or count(v.code) filter (where v.member_id <> r.member_id or v.program_id <> r.program_id) <> 0`,
  },
  {
    name: "payment_refunds_add_up",
    description:
      "A payment spent its points in one capture; its refunds add up to its refunded amount and points, and their ledger refunds to those points",
    query: sql`select p.id, p.points, p.refunded_amount, p.refunded_points, c.points as captured,
        coalesce(f.amount, 0) as refunds_amount, coalesce(f.points, 0) as refunds_points, coalesce(f.ledger, 0) as ledger_points
      from payments p join ledger_transactions c on c.id = p.capture_txn_id
      left join (
        select pr.payment_id, sum(pr.amount)::bigint as amount, sum(pr.points)::bigint as points,
          sum(t.points) filter (where t.type = 'refund')::bigint as ledger
        from payment_refunds pr left join ledger_transactions t on t.id = pr.txn_id group by pr.payment_id
      ) f on f.payment_id = p.id
      where c.type <> 'capture' or c.points <> p.points or c.member_id <> p.member_id
         or p.refunded_amount <> coalesce(f.amount, 0) or p.refunded_points <> coalesce(f.points, 0)
         or coalesce(f.ledger, 0) <> p.refunded_points or p.refunded_points > p.points`,
  },
  {
    name: "refunds_within_capture",
    description: "Refund transactions give back to each lot no more than the payment's capture took from it",
    query: sql`select p.id, x.lot_id, x.taken, x.given from payments p
      join lateral (
        select q.lot_id,
          -sum(q.amount) filter (where q.txn_id = p.capture_txn_id) as taken,
          sum(q.amount) filter (where q.txn_id <> p.capture_txn_id) as given
        from postings q
        where q.member_id = p.member_id and q.lot_id is not null
          and q.txn_id in (select p.capture_txn_id union all select txn_id from payment_refunds where payment_id = p.id)
        group by q.lot_id
      ) x on true
      where coalesce(x.given, 0) > coalesce(x.taken, 0)`,
  },
];
