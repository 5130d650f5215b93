import { type Kysely, sql, type Transaction } from "kysely";
import type { CustomerValueFitRow, CustomerValuesTable, DB, Db } from "../db/schema.ts";

/**
 * A purchase the models count: not refused and not returned in full, as the participation and cohort reports
 * count purchases (reports/rollups.sql.ts). For every purchase with an amount this is the reports' "paid"
 * purchase (amount > returned_amount, reports/campaign-results.sql.ts); a $0 purchase a rule accepted (a visit)
 * is a transaction too, as the literature counts them (the CDNOW sample has eight), with no spend.
 */
export const COUNTED = sql`type = 'purchase' and status <> 'rejected' and (returned_amount = 0 or returned_amount < coalesce(amount, 0))`;

/**
 * The summary step in SQL (customer-value.rules.ts `summarise`, on the programme's purchase events): each
 * counted purchase for its amount less what was returned, in minor units; purchases on one programme day are
 * one transaction with their amounts summed.
 */
export interface SummaryWindow {
  timezone: string;
  /** Purchases that occurred before this instant count. */
  end: Date;
  /** The calibration period's last day: T runs from the first purchase day to it. */
  asOf: string;
  /** Members whose first counted purchase day is before this day are left out; null: none. */
  calibrationFrom: string | null;
}

export interface SummaryRow {
  member_id: string;
  /** x: purchase days after the first. */
  frequency: number;
  /** t_x: days from the first purchase day to the last. */
  recency: number;
  /** T: days from the first purchase day to asOf. */
  age: number;
  /** The repeat days' spend summed (minor units); the mean is repeat_spend / frequency. */
  repeat_spend: number;
}

/** One row per member, ordered by member id in code-unit order (as the rules' summarise orders customers). */
export async function summaryRows(db: Db, programId: string, w: SummaryWindow, memberId?: string): Promise<SummaryRow[]> {
  const member = memberId === undefined ? sql`` : sql`and member_id = ${memberId}`;
  const from = w.calibrationFrom === null ? sql`` : sql`having min(day) >= ${w.calibrationFrom}::date`;
  const result = await sql<SummaryRow>`
    with days as (
      select member_id, (occurred_at at time zone ${w.timezone})::date as day, sum(coalesce(amount, 0) - returned_amount) as spend
        from events
       where program_id = ${programId} and ${COUNTED}
         and member_id is not null and occurred_at < ${w.end} ${member}
       group by 1, 2
    ), marked as (
      select member_id, day, spend, min(day) over (partition by member_id) as first_day from days
    )
    select member_id, (count(*) - 1)::int as frequency, (max(day) - min(day))::int as recency,
           (${w.asOf}::date - min(day))::int as age,
           coalesce(sum(spend) filter (where day > first_day), 0)::bigint as repeat_spend
      from marked
     group by member_id
     ${from}
     order by member_id collate "C"`.execute(db);
  return result.rows;
}

/** How many customers (and repeat customers) the window holds: what a fit request checks before queuing. */
export async function countCustomers(db: Db, programId: string, w: SummaryWindow) {
  const from = w.calibrationFrom === null ? sql`` : sql`having min(day) >= ${w.calibrationFrom}::date`;
  const result = await sql<{ customers: number; repeat_customers: number }>`
    select count(*)::int as customers, (count(*) filter (where n > 1))::int as repeat_customers
      from (select member_id, count(*) as n
              from (select distinct member_id, (occurred_at at time zone ${w.timezone})::date as day
                      from events
                     where program_id = ${programId} and ${COUNTED} and member_id is not null and occurred_at < ${w.end}) d
             group by member_id ${from}) c`.execute(db);
  const row = result.rows[0];
  return { customers: row?.customers ?? 0, repeatCustomers: row?.repeat_customers ?? 0 };
}

// ---------------------------------------------------------------------------------------------------------
// Fits

export interface NewFit {
  id: string;
  programId: string;
  asOf: string;
  calibrationFrom: string | null;
  requestedBy: string;
  requestedAt: Date;
}

/** Queues a fit unless one is queued or running for the programme: the new row, or undefined. */
export const queueFit = (db: Db, fit: NewFit) =>
  db
    .insertInto("customer_value_fits")
    .values({
      id: fit.id,
      program_id: fit.programId,
      status: "queued",
      as_of: fit.asOf,
      calibration_from: fit.calibrationFrom,
      requested_by: fit.requestedBy,
      requested_at: fit.requestedAt,
    })
    .onConflict((oc) => oc.column("program_id").where(sql<boolean>`status in ('queued', 'running')`).doNothing())
    .returningAll()
    .executeTakeFirst();

export const pendingFit = (db: Db, programId: string) =>
  db
    .selectFrom("customer_value_fits")
    .selectAll()
    .where("program_id", "=", programId)
    .where("status", "in", ["queued", "running"])
    .executeTakeFirst();

export const findFit = (db: Db, programId: string, id: string) =>
  db.selectFrom("customer_value_fits").selectAll().where("program_id", "=", programId).where("id", "=", id).executeTakeFirst();

/** The programme's most recently requested fit, whatever its status. */
export const latestFit = (db: Db, programId: string) =>
  db
    .selectFrom("customer_value_fits")
    .selectAll()
    .where("program_id", "=", programId)
    .orderBy("requested_at", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();

/** The fit whose per-member values are stored: the last to succeed. */
export const latestSucceededFit = (db: Db, programId: string) =>
  db
    .selectFrom("customer_value_fits")
    .selectAll()
    .where("program_id", "=", programId)
    .where("status", "=", "succeeded")
    .orderBy("fitted_at", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();

/**
 * Claims the oldest queued fit (or one left running longer than `staleBefore` allows: its process died) and
 * marks it running; skips rows another process holds. Undefined when there is none.
 */
export async function claimFit(db: Kysely<DB>, now: Date, staleBefore: Date, programId?: string) {
  const scope = programId === undefined ? sql`` : sql`and program_id = ${programId}`;
  const result = await sql<CustomerValueFitRow>`
    update customer_value_fits set status = 'running', started_at = ${now}
     where id = (select id from customer_value_fits
                  where (status = 'queued' or (status = 'running' and started_at < ${staleBefore})) ${scope}
                  order by requested_at, id
                  limit 1
                  for update skip locked)
    returning *`.execute(db);
  return result.rows[0];
}

export const failFit = (db: Db, id: string, startedAt: Date, error: { reason: string; message: string }, now: Date) =>
  db
    .updateTable("customer_value_fits")
    .set({ status: "failed", error_reason: error.reason, error_message: error.message, fitted_at: now })
    .where("id", "=", id)
    .where("status", "=", "running")
    .where("started_at", "=", startedAt)
    .execute();

export interface FitOutcome {
  parameters: Record<string, number>;
  bgnbdLogLikelihood: number;
  gammaGammaLogLikelihood: number;
  customers: number;
  repeatCustomers: number;
  fittedAt: Date;
}

/**
 * Marks the fit succeeded, in the caller's transaction; false when it is no longer this run's (another process
 * took it over as stale), in which case the caller rolls back.
 */
export async function succeedFit(trx: Transaction<DB>, id: string, startedAt: Date, outcome: FitOutcome): Promise<boolean> {
  const row = await trx
    .updateTable("customer_value_fits")
    .set({
      status: "succeeded",
      parameters: JSON.stringify(outcome.parameters),
      bgnbd_log_likelihood: outcome.bgnbdLogLikelihood,
      gamma_gamma_log_likelihood: outcome.gammaGammaLogLikelihood,
      customers: outcome.customers,
      repeat_customers: outcome.repeatCustomers,
      fitted_at: outcome.fittedAt,
    })
    .where("id", "=", id)
    .where("status", "=", "running")
    .where("started_at", "=", startedAt)
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/** A member's figures as a fit writes them: the table's row less what the fit itself sets. */
export type ValueRow = Omit<CustomerValuesTable, "program_id" | "fit_id" | "horizon_months" | "discount_rate">;

const VALUE_CHUNK = 5_000;

/** Replaces the programme's per-member values with the fit's, in the caller's transaction. */
export async function replaceValues(
  trx: Transaction<DB>,
  programId: string,
  fitId: string,
  horizon: { months: number; discountRate: number },
  rows: readonly ValueRow[],
): Promise<void> {
  await trx.deleteFrom("customer_values").where("program_id", "=", programId).execute();
  for (let i = 0; i < rows.length; i += VALUE_CHUNK) {
    const chunk = JSON.stringify(rows.slice(i, i + VALUE_CHUNK));
    await sql`insert into customer_values (program_id, member_id, fit_id, frequency, recency, age, monetary, expected_30,
        expected_90, expected_365, probability_alive, expected_spend, clv, horizon_months, discount_rate)
      select ${programId}, x.member_id, ${fitId}, x.frequency, x.recency, x.age, x.monetary, x.expected_30, x.expected_90,
             x.expected_365, x.probability_alive, x.expected_spend, x.clv, ${horizon.months}::int, ${horizon.discountRate}::float8
        from jsonb_to_recordset(${chunk}::jsonb) as x(member_id text, frequency int, recency float8, age float8, monetary float8,
             expected_30 float8, expected_90 float8, expected_365 float8, probability_alive float8, expected_spend float8,
             clv float8)`.execute(trx);
  }
}

/**
 * Programmes due a nightly refit at `now`: with at least one member's purchase, and no fit requested since the
 * programme's last midnight (its own time zone). Their time zones come with them.
 */
export async function programsDueRefit(db: Db, now: Date, programId?: string) {
  const scope = programId === undefined ? sql`` : sql`and p.id = ${programId}`;
  const result = await sql<{ id: string; timezone: string }>`
    select p.id, p.timezone from programs p
     where exists (select 1 from events e
                    where e.program_id = p.id and e.type = 'purchase' and e.member_id is not null and e.occurred_at < ${now})
       and not exists (select 1 from customer_value_fits f
                        where f.program_id = p.id
                          and f.requested_at >= (date_trunc('day', ${now}::timestamptz at time zone p.timezone) at time zone p.timezone))
       ${scope}
     order by p.id`.execute(db);
  return result.rows;
}
