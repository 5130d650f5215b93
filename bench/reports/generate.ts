import type pg from "pg";

/**
 * A large programme written straight into PostgreSQL with set-based SQL (`insert ... select ...
 * from generate_series`), not through the engine: 10M purchases through the API would take hours
 * on two cores. The rows are shaped as the engine writes them (src/ledger: one `earn` transaction
 * per purchase crediting one lot from `issued`; `activation`, `clawback`, `hold`/`capture` and
 * `expiry` transactions with their postings; events with their awards), and made consistent with
 * each other so `stampbook verify` style checks hold: every transaction balances, every lot's
 * `remaining` is what its postings say, an event's points are its awards.
 *
 * The story, over the year that ends now (programme in UTC, points pending 14 days, expiring 9
 * months after they are credited):
 * - members enrol evenly over two years (half before the year, half during it), by 50 staff at
 *   20 stores; 60/30/10% on three tiers;
 * - purchases are spread evenly over the year, each by a member already enrolled then; 5% are guest
 *   purchases (no member, no points), 1% refused; a purchase earns 1 point per 100 minor units;
 * - four 30-day campaigns double the points, except for their 10% holdout (an award row with
 *   outcome `holdout` and no points);
 * - 3% of purchases are returned (half in full, half by half) 20 days later: a `return` event and a
 *   `clawback` transaction taking the points back to `issued`;
 * - 10% of purchases of 20 points or more pay, 30 days later, for a reward (20, 50 or 100 points)
 *   from their own lot: a hold, its capture into `redeemed`, a completed redemption and a voucher,
 *   60% of them used the next day;
 * - lots credited more than 9 months ago have expired: an `expiry` transaction moves what they
 *   still hold to `breakage`; lots credited in the last 14 days are still pending;
 * - one programme goal of each kind, set half-way through the year.
 */

export interface GenerateSize {
  members: number;
  events: number;
}

export interface Programme {
  programId: string;
  /** When the data ends (the run's "now"), and starts (a year before). */
  now: Date;
  yearStart: Date;
}

export interface StepTiming {
  step: string;
  seconds: number;
  rows: number | null;
}

const DAY = 86_400;
const STAFF = 50;
const STORES = 20;

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ts = (d: Date) => `${lit(d.toISOString())}::timestamptz`;

/** Member id of index `expr` (1-based). */
const mid = (expr: string) => `'mem_bench_' || lpad((${expr})::text, 8, '0')`;
const staffOf = (expr: string) => `'staff:stf_bench_' || lpad(((${expr}) % ${STAFF} + 1)::text, 2, '0')`;
const storeOf = (expr: string) => `'store_' || lpad(((${expr}) % ${STORES} + 1)::text, 2, '0')`;

/**
 * One programme goal of each kind (data capture: members with an email or phone), set half-way
 * through the year with its target date a quarter after now, so the goals report measures each.
 */
export const goalsSql = (prg: string, yearStart: string, now: string) => `
      insert into program_goals (id, program_id, kind, capture_field, target, baseline, start_date, target_date, created_at, updated_at)
      select 'gol_bench_' || k, ${prg}, g.kind, g.capture_field, g.target, null,
             (${yearStart} + interval '180 days')::date, (${now} + interval '90 days')::date, ${yearStart}, ${yearStart}
        from (values (1, 'retention', null, 0.6), (2, 'purchase_frequency', null, 1.2), (3, 'average_order_value', null, 3000),
                     (4, 'member_revenue_share', null, 0.97), (5, 'data_capture', 'contact', 0.9))
             as g(k, kind, capture_field, target);`;

/** Every statement in order; the names are what the timings report. */
export function generationSteps(size: GenerateSize, p: Programme): { step: string; sql: string }[] {
  const { members: N, events: E } = size;
  const prg = lit(p.programId);
  const Y = ts(p.yearStart);
  const NOW = ts(p.now);
  const memberEpoch = `(${Y} - interval '365 days')`;
  const yearSeconds = 365 * DAY;
  return [
    {
      step: "reference rows (staff, tiers, rewards, rules, campaigns)",
      sql: `
      insert into staff (id, program_id, email, name, role, password_hash, created_at, updated_at)
      select 'stf_bench_' || lpad(k::text, 2, '0'), ${prg}, 'cashier' || k || '@bench.example', 'Cashier ' || k, 'cashier',
             'x', ${memberEpoch}, ${memberEpoch}
        from generate_series(1, ${STAFF}) k;
      insert into tiers (id, program_id, name, rank, threshold, created_at, updated_at)
      values ('tie_bench_1', ${prg}, 'Bronze', 0, 0, ${memberEpoch}, ${memberEpoch}),
             ('tie_bench_2', ${prg}, 'Silver', 1, 1000, ${memberEpoch}, ${memberEpoch}),
             ('tie_bench_3', ${prg}, 'Gold', 2, 5000, ${memberEpoch}, ${memberEpoch});
      insert into rewards (id, program_id, name, type, value, status, cost_points, code_format, created_at, updated_at)
      select 'rwd_bench_' || k, ${prg}, (array['Coffee', 'Lunch', 'Dinner'])[k], 'discount_amount',
             jsonb_build_object('amount', (array[200, 500, 1000])[k]), 'active', (array[20, 50, 100])[k],
             '{"type": "generated", "length": 12}', ${memberEpoch}, ${memberEpoch}
        from generate_series(1, 3) k;
      insert into campaigns (id, program_id, name, status, starts_at, ends_at, holdout_percent, version, created_at, updated_at)
      select 'cmp_bench_' || k, ${prg}, 'Double points ' || k, case when k < 4 then 'ended' else 'active' end,
             ${Y} + (90 * k - 60) * interval '1 day', ${Y} + (90 * k - 30) * interval '1 day', 10, 1,
             ${Y}, ${Y}
        from generate_series(1, 4) k;
      insert into campaign_versions (campaign_id, version, definition, actor, created_at)
      select id, 1, '{}', 'bench', created_at from campaigns where program_id = ${prg};
      insert into rules (id, program_id, campaign_id, name, status, version, definition, created_at, updated_at)
      values ('rul_bench_base', ${prg}, null, '1 point per 100', 'active', 1,
              '{"when": {"type": "purchase"}, "award": {"type": "per_amount", "points": 1, "per": 100}}', ${memberEpoch}, ${memberEpoch});
      insert into rules (id, program_id, campaign_id, name, status, version, definition, created_at, updated_at)
      select 'rul_bench_c' || k, ${prg}, 'cmp_bench_' || k, 'Double points ' || k, 'active', 1,
             '{"when": {"type": "purchase"}, "award": {"type": "per_amount", "points": 1, "per": 100}}', ${Y}, ${Y}
        from generate_series(1, 4) k;
      insert into rule_versions (rule_id, version, name, status, definition, actor, created_at)
      select id, 1, name, status, definition, 'bench', created_at from rules where program_id = ${prg};
      ${goalsSql(prg, Y, NOW)}`,
    },
    {
      step: "members",
      sql: `
      insert into members (id, program_id, status, debt, created_at, updated_at, referral_code, card_number,
                           tier_id, tier_since, enrolled_by, enrolled_store_id)
      select ${mid("i")}, ${prg}, 'active', 0, t, t, 'B' || i, lpad(i::text, 12, '0'),
             case when i % 10 < 6 then 'tie_bench_1' when i % 10 < 9 then 'tie_bench_2' else 'tie_bench_3' end, t,
             ${staffOf("i")}, ${storeOf("i * 7")}
        from generate_series(1, ${N}) i,
             lateral (select ${memberEpoch} + (i - 0.5) * interval '${(2 * yearSeconds) / N} seconds' as t) x;
      -- Each member's tier comes from an enrolment tier change, announced in the outbox.
      insert into tier_changes (id, program_id, member_id, to_tier_id, reason, tier_since, actor, effective_at, created_at)
      select 'tch_' || substr(id, 5), program_id, id, tier_id, 'enrolment', tier_since, enrolled_by, created_at, created_at
        from members where program_id = ${prg};
      insert into outbox (id, program_id, type, subject_id, payload, created_at, published_at)
      select 'obx_' || substr(id, 5), program_id, 'member.tier_changed', member_id,
             jsonb_build_object('changeId', id, 'memberId', member_id, 'toTierId', to_tier_id), created_at, created_at
        from tier_changes where program_id = ${prg}`,
    },
    {
      // One row per purchase with every draw made once; the real tables are all derived from it.
      step: "staging (one row per purchase, every draw)",
      sql: `
      select setseed(0.13);
      create unlogged table bench_purchases as
      with draws as (
        select j, ${Y} + (j - 1 + random()) * interval '${yearSeconds / E} seconds' as t,
               random() as r_member, random() as r_kind, random() as r_amount, random() as r_after
          from generate_series(1, ${E}) j
      ), shaped as (
        select j, t, r_after,
               case when r_kind < 0.05 then 'guest' when r_kind < 0.06 then 'rejected' else 'earn' end as kind,
               1 + floor(r_member * least(${N}, greatest(1, floor(${N} * extract(epoch from t - ${memberEpoch}) / ${2 * yearSeconds}))))::int as m,
               500 + floor(r_amount * r_amount * 19500)::bigint as amount,
               floor((extract(epoch from t - ${Y}) / ${DAY} + 60) / 90)::int as ck,
               (extract(epoch from t - ${Y}) / ${DAY} + 60) as cd
          from draws
      ), awarded as (
        select j, t, r_after, kind, case when kind = 'guest' then null else m end as m, amount,
               case when kind = 'earn' then amount / 100 else 0 end as base,
               case when kind = 'earn' and ck between 1 and 4 and cd - 90 * ck < 30 then ck end as camp,
               m % 10 = 0 as holdout
          from shaped
      ), pts as (
        select *, base + case when camp is not null and not holdout then base else 0 end as points
          from awarded
      ), after as (
        select j, t, kind, m, amount, base, camp, holdout, points, r_after,
               t + interval '14 days' as available_at,
               t + interval '9 months' as expires_at,
               kind = 'earn' and r_after < 0.03 and t + interval '20 days' <= ${NOW} as returned,
               case when kind = 'earn' and r_after >= 0.03 and r_after < 0.13 and points >= 20 and t + interval '30 days' <= ${NOW}
                    then case when points >= 100 then 3 when points >= 50 then 2 else 1 end end as reward
          from pts
      ), amounts as (
        select *, case when returned then case when r_after < 0.015 then points else points / 2 end else 0 end as ret,
                  case when returned then case when r_after < 0.015 then amount else amount / 2 end else 0 end as ret_amount,
                  coalesce((array[20, 50, 100])[reward], 0) as cost
          from after
      )
      select j, t, kind, m, amount, base, camp, holdout, points, available_at, expires_at, ret, ret_amount, reward, cost,
             points - ret - cost as remaining, kind = 'earn' and expires_at <= ${NOW} as expired, r_after
        from amounts;
      analyze bench_purchases`,
    },
    {
      step: "events (purchases and returns)",
      // Written in the order they were recorded, as the server appends them: the rollups find
      // changes through BRIN indexes on created_at, which need that physical order.
      sql: `
      insert into events (program_id, id, type, member_id, status, occurred_at, amount, currency, channel, store_id, receipt_id,
                          fingerprint, points, txn_id, returned_amount, clawed_back, status_code, result, created_at, actor)
      select ${prg}, 'evt_' || lpad(j::text, 9, '0'), 'purchase', ${mid("m")},
             case kind when 'guest' then 'guest' when 'rejected' then 'rejected' else 'processed' end,
             t, amount, 'USD', 'pos', ${storeOf("j")}, 'rcpt_' || j, 'bench', points,
             case when kind = 'earn' then 'txn_e' || lpad(j::text, 9, '0') end, ret_amount, ret,
             case when kind = 'rejected' then 422 else 201 end, '{}', t, ${staffOf("j")}
        from bench_purchases order by t;
      insert into events (program_id, id, type, member_id, status, occurred_at, amount, currency, channel, store_id,
                          original_event_id, fingerprint, points, txn_id, status_code, result, created_at, actor)
      select ${prg}, 'ret_' || lpad(j::text, 9, '0'), 'return', ${mid("m")}, 'processed', t + interval '20 days',
             ret_amount, 'USD', 'pos', ${storeOf("j")}, 'evt_' || lpad(j::text, 9, '0'), 'bench', -ret,
             'txn_c' || lpad(j::text, 9, '0'), 201, '{}', t + interval '20 days', ${staffOf("j")}
        from bench_purchases where ret > 0 order by t`,
    },
    {
      step: "event_awards",
      sql: `
      insert into event_awards (program_id, event_id, rule_id, rule_version, member_id, outcome, points, occurred_at, txn_id)
      select ${prg}, 'evt_' || lpad(j::text, 9, '0'), 'rul_bench_base', 1, ${mid("m")}, 'awarded', base, t, 'txn_e' || lpad(j::text, 9, '0')
        from bench_purchases where kind = 'earn' and base > 0;
      insert into event_awards (program_id, event_id, rule_id, rule_version, campaign_id, campaign_version, member_id,
                                outcome, points, occurred_at, txn_id)
      select ${prg}, 'evt_' || lpad(j::text, 9, '0'), 'rul_bench_c' || camp, 1, 'cmp_bench_' || camp, 1, ${mid("m")},
             case when holdout then 'holdout' else 'awarded' end, case when holdout then 0 else base end, t,
             case when holdout then null else 'txn_e' || lpad(j::text, 9, '0') end
        from bench_purchases where camp is not null and base > 0`,
    },
    {
      step: "ledger_transactions",
      sql: `
      insert into ledger_transactions (id, program_id, type, member_id, hold_id, points, reason, actor, effective_at, created_at)
      select 'txn_' || x.kind || lpad(j::text, 9, '0'), ${prg}, x.type, ${mid("m")}, x.hold_id, x.points, x.reason, x.actor, x.at, x.at
        from bench_purchases b
        cross join lateral (values
          ('e', 'earn', null, b.points, null, ${staffOf("j")}, b.t, true),
          ('a', 'activation', null, b.points, null, 'system', b.available_at, b.available_at <= ${NOW}),
          ('c', 'clawback', null, b.ret, 'Purchase returned', ${staffOf("j")}, b.t + interval '20 days', b.ret > 0),
          ('h', 'hold', 'hld_' || lpad(j::text, 9, '0'), b.cost, 'Reward', ${staffOf("j")}, b.t + interval '30 days', b.cost > 0),
          ('k', 'capture', 'hld_' || lpad(j::text, 9, '0'), b.cost, 'Reward', ${staffOf("j")}, b.t + interval '30 days 1 minute', b.cost > 0),
          ('x', 'expiry', null, b.remaining, 'Points expired', 'system', b.expires_at, b.expired and b.remaining > 0)
        ) as x(kind, type, hold_id, points, reason, actor, at, present)
       where b.kind = 'earn' and b.points > 0 and x.present
       order by x.at`,
    },
    {
      step: "lots",
      sql: `
      insert into lots (id, program_id, member_id, txn_id, amount, remaining, state, available_at, expires_at, created_at)
      select 'lot_' || lpad(j::text, 9, '0'), ${prg}, ${mid("m")}, 'txn_e' || lpad(j::text, 9, '0'), points, case when expired then 0 else remaining end,
             case when available_at <= ${NOW} then 'available' else 'pending' end, available_at, expires_at, t
        from bench_purchases where kind = 'earn' and points > 0`,
    },
    {
      step: "postings",
      sql: `
      insert into postings (txn_id, program_id, account, member_id, lot_id, hold_id, amount, effective_at)
      select 'txn_' || x.kind || lpad(j::text, 9, '0'), ${prg}, x.account, case when x.account like 'member_%' then ${mid("m")} end,
             case when x.on_lot then 'lot_' || lpad(j::text, 9, '0') end, x.hold_id, x.amount, x.at
        from bench_purchases b
        cross join lateral (values
          ('e', 'issued', false, null, -b.points, b.t, true),
          ('e', 'member_pending', true, null, b.points, b.t, true),
          ('a', 'member_pending', true, null, -b.points, b.available_at, b.available_at <= ${NOW}),
          ('a', 'member_available', true, null, b.points, b.available_at, b.available_at <= ${NOW}),
          ('c', 'member_available', true, null, -b.ret, b.t + interval '20 days', b.ret > 0),
          ('c', 'issued', false, null, b.ret, b.t + interval '20 days', b.ret > 0),
          ('h', 'member_available', true, null, -b.cost, b.t + interval '30 days', b.cost > 0),
          ('h', 'member_held', true, 'hld_' || lpad(j::text, 9, '0'), b.cost, b.t + interval '30 days', b.cost > 0),
          ('k', 'member_held', true, 'hld_' || lpad(j::text, 9, '0'), -b.cost, b.t + interval '30 days 1 minute', b.cost > 0),
          ('k', 'redeemed', false, null, b.cost, b.t + interval '30 days 1 minute', b.cost > 0),
          ('x', 'member_available', true, null, -b.remaining, b.expires_at, b.expired and b.remaining > 0),
          ('x', 'breakage', true, null, b.remaining, b.expires_at, b.expired and b.remaining > 0)
        ) as x(kind, account, on_lot, hold_id, amount, at, present)
       where b.kind = 'earn' and b.points > 0 and x.present
       order by x.at`,
    },
    {
      step: "holds, redemptions, vouchers",
      sql: `
      insert into holds (id, program_id, member_id, points, captured_points, status, reason, allocations, expires_at,
                         txn_id, closed_txn_id, created_at, closed_at)
      select 'hld_' || lpad(j::text, 9, '0'), ${prg}, ${mid("m")}, cost, cost, 'captured', 'Reward',
             jsonb_build_array(jsonb_build_object('lotId', 'lot_' || lpad(j::text, 9, '0'), 'points', cost)),
             t + interval '30 days 15 minutes', 'txn_h' || lpad(j::text, 9, '0'), 'txn_k' || lpad(j::text, 9, '0'), t + interval '30 days', t + interval '30 days 1 minute'
        from bench_purchases where cost > 0;
      insert into redemptions (id, program_id, member_id, reward_id, reward_version, quantity, points, status, hold_id,
                               capture_txn_id, channel, actor, created_at, completed_at, store_id)
      select 'red_' || lpad(j::text, 9, '0'), ${prg}, ${mid("m")}, 'rwd_bench_' || reward, 1, 1, cost, 'completed', 'hld_' || lpad(j::text, 9, '0'),
             'txn_k' || lpad(j::text, 9, '0'), 'pos', ${staffOf("j")}, t + interval '30 days', t + interval '30 days 1 minute', ${storeOf("j")}
        from bench_purchases where cost > 0;
      insert into vouchers (program_id, code, code_key, redemption_id, member_id, reward_id, status, expires_at,
                            used_at, used_store_id, used_by, created_at)
      select ${prg}, 'BV' || lpad(j::text, 9, '0'), 'BV' || lpad(j::text, 9, '0'), 'red_' || lpad(j::text, 9, '0'), ${mid("m")}, 'rwd_bench_' || reward, u.status,
             t + interval '120 days', u.used_at, case when u.used then ${storeOf("j + 3")} end,
             case when u.used then ${staffOf("j + 1")} end, t + interval '30 days 1 minute'
        from bench_purchases,
             lateral (select r_after < 0.09 and t + interval '31 days' <= ${NOW} as used) v,
             lateral (select v.used, case when v.used then 'used' else 'issued' end as status,
                             case when v.used then t + interval '31 days' end as used_at) u
       where cost > 0`,
    },
  ];
}

/**
 * Balance checks on what was written, as `stampbook verify` does them (its full run reads every
 * table several times over; these are the ledger's core invariants, in one pass each).
 */
export const CONSISTENCY_CHECKS: { name: string; sql: string }[] = [
  {
    name: "transactions balance (postings sum to zero per transaction)",
    sql: `select count(*)::bigint as violations from (
            select txn_id from postings group by txn_id having sum(amount) <> 0) x`,
  },
  {
    name: "every transaction has postings",
    sql: `select count(*)::bigint as violations from ledger_transactions t
           where not exists (select 1 from postings p where p.txn_id = t.id)`,
  },
  {
    name: "lot remaining and state match their postings",
    sql: `select count(*)::bigint as violations from lots l left join (
            select lot_id, sum(amount) filter (where account = 'member_pending') as pending,
                   sum(amount) filter (where account = 'member_available') as available
              from postings where lot_id is not null group by lot_id) s on s.lot_id = l.id
           where l.remaining <> coalesce(s.pending, 0) + coalesce(s.available, 0)
              or (l.state = 'pending' and coalesce(s.available, 0) <> 0)
              or (l.state = 'available' and coalesce(s.pending, 0) <> 0)`,
  },
  {
    name: "event points equal their awards",
    sql: `select count(*)::bigint as violations from events e
           left join (select program_id, event_id, sum(points) as total from event_awards where outcome = 'awarded'
                       group by program_id, event_id) a on a.program_id = e.program_id and a.event_id = e.id
           where e.type = 'purchase' and e.status in ('processed', 'claimed') and e.points <> coalesce(a.total, 0)`,
  },
];

export async function generate(
  client: pg.Client,
  size: GenerateSize,
  programme: Programme,
  log: (message: string) => void,
  /** Indexes dropped and not rebuilt (the ones whose effect the run measures). */
  leaveOut: string[] = [],
): Promise<StepTiming[]> {
  const timings: StepTiming[] = [];
  // Bulk load: no foreign-key triggers (the rows are made consistent by construction and checked
  // after), secondary indexes dropped and built once at the end, big sorts in memory.
  await client.query("set session_replication_role = replica");
  await client.query("set maintenance_work_mem = '1GB'");
  await client.query("set work_mem = '256MB'");
  await client.query("set synchronous_commit = off");
  const indexes = await client.query<{ name: string; def: string }>(`
    select i.indexname as name, i.indexdef as def from pg_indexes i
     where i.schemaname = 'public'
       and i.tablename in ('members', 'events', 'event_awards', 'ledger_transactions', 'lots', 'postings', 'holds',
                           'redemptions', 'vouchers')
       and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`);
  for (const index of indexes.rows) await client.query(`drop index ${index.name}`);
  const rebuilt = indexes.rows.filter((i) => !leaveOut.includes(i.name));
  for (const { step, sql } of generationSteps(size, programme)) {
    const started = performance.now();
    const result = await client.query(sql);
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    const seconds = (performance.now() - started) / 1000;
    timings.push({ step, seconds, rows: last?.rowCount ?? null });
    log(`  ${step}: ${seconds.toFixed(1)} s`);
  }
  const started = performance.now();
  for (const index of rebuilt) await client.query(index.def);
  timings.push({
    step: `secondary indexes (${rebuilt.length}, built after the load)`,
    seconds: (performance.now() - started) / 1000,
    rows: null,
  });
  log(`  indexes: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const analyzed = performance.now();
  await client.query("drop table bench_purchases");
  await client.query("vacuum analyze");
  timings.push({ step: "vacuum analyze", seconds: (performance.now() - analyzed) / 1000, rows: null });
  log(`  vacuum analyze: ${((performance.now() - analyzed) / 1000).toFixed(1)} s`);
  await client.query("reset session_replication_role");
  return timings;
}

export async function checkConsistency(client: pg.Client): Promise<{ name: string; violations: number; seconds: number }[]> {
  const results = [];
  for (const check of CONSISTENCY_CHECKS) {
    const started = performance.now();
    const rows = await client.query<{ violations: string }>(check.sql);
    results.push({
      name: check.name,
      violations: Number(rows.rows[0]?.violations ?? -1),
      seconds: (performance.now() - started) / 1000,
    });
  }
  return results;
}
