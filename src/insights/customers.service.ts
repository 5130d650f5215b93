import type { ProgramService } from "../programs/programs.service.ts";
import { DomainError } from "../shared/errors.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { latestFit, latestSucceededFit } from "./customer-value.sql.ts";
import {
  DEFAULT_HORIZON_MONTHS,
  DEFAULT_MONTHLY_DISCOUNT_RATE,
  type ModelParameters,
  roundMinor,
} from "./customer-value-fit.rules.ts";
import {
  AT_RISK_MAX_ALIVE,
  AT_RISK_MIN_DROP,
  atRiskDays,
  comparisonWindow,
  daysBetween,
  fitAndValue,
  partMeasures,
  rankAtRisk,
  type SideCounts,
  sideMeasures,
} from "./customers.rules.ts";
import type { AtRiskQuery, Comparison, ComparisonQuery, ConvertibleQuery } from "./customers.schemas.ts";
import * as q from "./customers.sql.ts";

const NO_COUNTS: SideCounts = {
  customers: 0,
  purchases: 0,
  revenue: 0,
  repeatCustomers: 0,
  previousCustomers: 0,
  retainedCustomers: 0,
};

const countsOf = (row: q.SideRow | undefined): SideCounts =>
  row
    ? {
        customers: row.customers,
        purchases: row.purchases,
        revenue: Number(row.revenue),
        repeatCustomers: row.repeat_customers,
        previousCustomers: row.previous_customers,
        retainedCustomers: row.retained_customers,
      }
    : NO_COUNTS;

/** The stored BG/NBD parameters of a fit row. */
function storedParameters(parameters: unknown): ModelParameters {
  const p = (parameters ?? {}) as Record<string, number>;
  return { r: p.r ?? 0, alpha: p.alpha ?? 0, a: p.a ?? 0, b: p.b ?? 0, p: p.p ?? 0, q: p.q ?? 0, v: p.v ?? 0 };
}

/**
 * Loyal vs non-loyal (issue 14): members and non-member customers (guest purchases by customerRef) side by side,
 * members at risk of lapsing, and non-members worth inviting to join. Reads only; the non-members' model is
 * fitted on each request from their summaries (the members' is the stored one).
 */
export class CustomerInsightsService {
  constructor(private readonly deps: Pick<ServiceDeps, "db" | "clock"> & { programs: Pick<ProgramService, "get"> }) {}

  async comparison(programId: string, query: ComparisonQuery): Promise<Comparison> {
    const { db, clock } = this.deps;
    const program = await this.deps.programs.get(programId);
    const w = comparisonWindow(query, program.timezone, clock.now());
    const bounds = { timezone: program.timezone, previousStart: w.previousStart, start: w.start, end: w.end };
    const [sides, membersClv, joining, refs, fitted] = await Promise.all([
      q.sideCounts(db, programId, bounds),
      q.membersClv(db, programId, bounds),
      q.joiningCounts(db, programId, { start: w.start, observedEnd: w.observedEnd }),
      q.nonMemberSummaries(db, programId, { timezone: program.timezone, end: w.end, asOf: w.to, windowFrom: w.from }),
      latestSucceededFit(db, programId),
    ]);
    const side = (name: q.SideRow["side"]) => sides.find((s) => s.side === name);
    const guests = (name: q.SideRow["side"]) => {
      const row = side(name);
      return { purchases: row?.purchases ?? 0, revenue: Number(row?.revenue ?? 0) };
    };

    const memberClv: Comparison["members"]["predictedClv"] = !fitted
      ? {
          status: "no_model",
          meanClv: null,
          valuedCustomers: 0,
          asOf: null,
          reason: "no_model",
          message: "No customer-value model has been fitted for this programme yet (POST /v1/insights/customer-value/fit)",
        }
      : membersClv.mean_clv === null
        ? {
            status: "refused",
            meanClv: null,
            valuedCustomers: 0,
            asOf: fitted.as_of,
            reason: "no_values",
            message: "No member with a purchase in the window has a stored value",
          }
        : {
            status: "valued",
            meanClv: roundMinor(membersClv.mean_clv),
            valuedCustomers: membersClv.valued,
            asOf: fitted.as_of,
            reason: null,
            message: null,
          };

    const nonMemberFit = fitAndValue(refs.map((r) => ({ ...r, repeatSpend: Number(r.repeat_spend) })));
    let nonMemberClv: Comparison["nonMembers"]["predictedClv"];
    if (nonMemberFit.status === "fitted") {
      const inWindow = nonMemberFit.valued.filter((v) => v.summary.in_window);
      const mean = inWindow.length === 0 ? null : inWindow.reduce((s, v) => s + v.figures.clv, 0) / inWindow.length;
      nonMemberClv = {
        status: mean === null ? "refused" : "valued",
        meanClv: mean === null ? null : roundMinor(mean),
        valuedCustomers: inWindow.length,
        asOf: w.to,
        reason: mean === null ? "no_values" : null,
        message: mean === null ? "No non-member customer bought in the window" : null,
      };
    } else {
      nonMemberClv = {
        status: "refused",
        meanClv: null,
        valuedCustomers: 0,
        asOf: w.to,
        reason: nonMemberFit.reason,
        message: nonMemberFit.message,
      };
    }

    return {
      from: w.from,
      to: w.to,
      previousFrom: w.previousFrom,
      timezone: program.timezone,
      currency: program.currency,
      members: { ...sideMeasures(countsOf(side("members"))), predictedClv: memberClv },
      nonMembers: { ...sideMeasures(countsOf(side("non_members"))), predictedClv: nonMemberClv },
      anonymous: guests("anonymous"),
      joinedSince: guests("joined_since"),
      beforeAfterJoining: {
        members: joining.members,
        before: partMeasures({
          purchases: joining.purchases_before,
          revenue: Number(joining.revenue_before),
          exposureDays: Number(joining.exposure_before),
        }),
        after: partMeasures({
          purchases: joining.purchases_after,
          revenue: Number(joining.revenue_after),
          exposureDays: Number(joining.exposure_after),
        }),
      },
    };
  }

  /** Members valuable then whose P(alive) has fallen since; 409 invalid_state before any member fit. */
  async atRisk(programId: string, query: AtRiskQuery) {
    const { db, clock } = this.deps;
    const program = await this.deps.programs.get(programId);
    const fitted = await latestSucceededFit(db, programId);
    if (!fitted) {
      const latest = await latestFit(db, programId);
      throw new DomainError(
        "invalid_state",
        "No customer-value model has been fitted for this programme yet: ask for one with POST /v1/insights/customer-value/fit",
        { latestFit: latest ? { id: latest.id, status: latest.status } : null },
      );
    }
    const now = clock.now();
    const { today, thenDay } = atRiskDays(program.timezone, now, query.lookbackDays);
    const median = query.minClv === undefined ? await q.medianClv(db, programId) : null;
    const minClv = query.minClv ?? roundMinor(median ?? 0);
    const params = storedParameters(fitted.parameters);
    const falling = await q.fallingMembers(db, programId, params, {
      timezone: program.timezone,
      now,
      today,
      thenDay,
      maxAlive: AT_RISK_MAX_ALIVE,
      minDrop: AT_RISK_MIN_DROP,
    });
    const ranked = rankAtRisk(
      falling.map((r) => ({
        row: r,
        memberId: r.member_id,
        frequencyThen: r.frequency_then,
        recencyThen: Number(r.recency_then),
        ageThen: Number(r.age_then),
        repeatSpendThen: Number(r.repeat_spend_then),
      })),
      params,
      minClv,
      query.limit,
    );
    return {
      fitId: fitted.id,
      fitAsOf: fitted.as_of,
      currency: program.currency,
      today,
      thenDay,
      lookbackDays: query.lookbackDays,
      minClv,
      minClvSource: query.minClv === undefined ? ("median" as const) : ("given" as const),
      maxProbabilityAlive: AT_RISK_MAX_ALIVE,
      minDrop: AT_RISK_MIN_DROP,
      members: ranked.map(({ row: r, clvThen }) => ({
        memberId: r.member_id,
        name: r.name,
        clvThen: roundMinor(clvThen),
        storedClv: r.stored_clv === null ? null : roundMinor(Number(r.stored_clv)),
        firstPurchaseDay: r.first_day,
        lastPurchaseDay: r.last_day,
        daysSinceLastPurchase: r.days_since,
        purchaseDays: r.purchase_days,
        frequencyThen: r.frequency_then,
        frequencyNow: r.frequency_now,
        recencyThen: Number(r.recency_then),
        recencyNow: Number(r.recency_now),
        ageThen: Number(r.age_then),
        ageNow: Number(r.age_now),
        probabilityAliveThen: Number(r.alive_then),
        probabilityAliveNow: Number(r.alive_now),
        drop: Number(r.alive_then) - Number(r.alive_now),
      })),
    };
  }

  /** Non-member customers by customerRef, highest predicted CLV first; 422 with the fit's reason when it is refused. */
  async convertible(programId: string, query: ConvertibleQuery) {
    const { db, clock } = this.deps;
    const program = await this.deps.programs.get(programId);
    const now = clock.now();
    const { today } = atRiskDays(program.timezone, now, 0);
    const refs = await q.nonMemberSummaries(db, programId, {
      timezone: program.timezone,
      end: new Date(now.getTime() + 1),
      asOf: today,
      windowFrom: today,
    });
    const fit = fitAndValue(refs.map((r) => ({ ...r, repeatSpend: Number(r.repeat_spend) })));
    if (fit.status === "refused") {
      throw new DomainError("unprocessable", `The non-members' customer-value fit was refused: ${fit.message}`, {
        reason: fit.reason,
        customers: refs.length,
      });
    }
    const ranked = [...fit.valued]
      .sort(
        (x, y) =>
          y.figures.clv - x.figures.clv ||
          (x.summary.customer_ref < y.summary.customer_ref ? -1 : x.summary.customer_ref > y.summary.customer_ref ? 1 : 0),
      )
      .slice(0, query.limit);
    return {
      asOf: today,
      currency: program.currency,
      model: { parameters: fit.parameters, customers: fit.customers, repeatCustomers: fit.repeatCustomers },
      horizonMonths: DEFAULT_HORIZON_MONTHS,
      discountRate: DEFAULT_MONTHLY_DISCOUNT_RATE,
      customers: ranked.map(({ summary: s, history, figures }) => ({
        customerRef: s.customer_ref,
        purchases: s.purchases,
        spend: Number(s.spend),
        firstPurchaseDay: s.first_day,
        lastPurchaseDay: s.last_day,
        daysSinceLastPurchase: daysBetween(s.last_day, today),
        frequency: s.frequency,
        recency: s.recency,
        age: s.age,
        monetary: history.monetaryValue,
        probabilityAlive: figures.probabilityAlive,
        expected365: figures.expected365,
        expectedSpend: roundMinor(figures.expectedSpend),
        clv: roundMinor(figures.clv),
      })),
    };
  }
}
