import { sql } from "kysely";

/**
 * What the deferred revenue report relies on to trace every point redeemed or expired to the sale
 * that issued it, as queries returning the rows that break it (run by `verify` with the ledger's
 * own checks).
 */
export const deferredRevenueChecks = () => [
  {
    name: "breakage_booked_per_lot",
    description:
      "Every posting to breakage names the lot its points expired from (so expiry is traced to the sale that issued them)",
    query: sql`select id, txn_id, program_id, amount from postings where account = 'breakage' and lot_id is null`,
  },
  {
    name: "redemptions_post_to_redeemed_alone",
    description:
      "A transaction that posts to redeemed posts to no other system account, so the points it takes from (or gives back to) lots are all redeemed points",
    query: sql`select txn_id, array_agg(distinct account) as accounts from postings
      where member_id is null
      group by txn_id
      having bool_or(account = 'redeemed') and bool_or(account <> 'redeemed')`,
  },
];
