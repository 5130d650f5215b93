import type { Logger } from "pino";
import { monotonicFactory } from "ulidx";
import type { CustomerValueFitRow } from "../db/schema.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import type { MemberService } from "../members/members.service.ts";
import type { ProgramService } from "../programs/programs.service.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import type { CreateFitInput, Fit, MemberValueQuery } from "./customer-value.schemas.ts";
import * as q from "./customer-value.sql.ts";
import {
  DEFAULT_HORIZON_MONTHS,
  DEFAULT_MONTHLY_DISCOUNT_RATE,
  figuresOfMany,
  fitModels,
  fitWindow,
  type History,
  MODEL,
  type ModelParameters,
  memberFigures,
  NEW_CUSTOMER,
  parametersOf,
  refuseTooLittleData,
  roundMinor,
  TIME_UNIT,
} from "./customer-value-fit.rules.ts";

/** A fit left running this long lost its process: the next tick takes it over. */
const STALE_AFTER_MS = 60 * 60 * 1000;
/** Members' figures worked out between two turns of the event loop. */
const YIELD_EVERY = 2_000;
/** Who queues the nightly refits. */
const NIGHTLY = "system:nightly";

const ulid = monotonicFactory();
/** Fit ids: `cvf_` and a ULID, time-sortable as every id. */
const newFitId = () => `cvf_${ulid().toLowerCase()}`;

const fitView = (row: CustomerValueFitRow): Fit => ({
  id: row.id,
  status: row.status,
  model: MODEL,
  timeUnit: TIME_UNIT,
  asOf: row.as_of,
  calibrationFrom: row.calibration_from,
  customers: row.customers,
  repeatCustomers: row.repeat_customers,
  error: row.error_reason === null ? null : { reason: row.error_reason, message: row.error_message ?? "" },
  requestedBy: row.requested_by,
  requestedAt: row.requested_at.toISOString(),
  startedAt: row.started_at?.toISOString() ?? null,
  fittedAt: row.fitted_at?.toISOString() ?? null,
});

const historyOf = (row: q.SummaryRow): History => ({
  frequency: row.frequency,
  recency: row.recency,
  T: row.age,
  // The mean of the repeat days' sums, divided as the rules' summarise divides it.
  monetaryValue: row.frequency === 0 ? 0 : Number(row.repeat_spend) / row.frequency,
});

export interface CustomerValueTick {
  queued: number;
  succeeded: number;
  failed: number;
}

/**
 * Customer lifetime value (issue 14): fit requests are queued and run by the jobs (one fit per programme at
 * a time), a successful fit's model and per-member figures replace the previous ones in one transaction, and
 * a member's value is answered from the latest successful model.
 */
/** Told each phase of a fit as it ends (benchmarks): its name, seconds, and the rows it handled. */
export type FitPhases = (phase: "summary" | "fit" | "figures" | "write", seconds: number, rows: number) => void;

export class CustomerValueService {
  /** Programmes too small to refit, by the programme day they were counted on (this process's memory). */
  readonly #tooSmallOn = new Map<string, string>();

  constructor(
    private readonly deps: ServiceDeps & {
      programs: Pick<ProgramService, "get">;
      members: Pick<MemberService, "get">;
      log: Logger;
      fitIds?: () => string;
    },
  ) {}

  /**
   * Queues a fit (202 with the fit). Refused at once (422, with the fit's reason) when the window plainly
   * holds too few customers or repeat customers to fit; answers the fit already queued or running, if any.
   */
  async requestFit(ctx: MutationContext, programId: string, input: CreateFitInput) {
    // Read before the transaction: on the embedded database it holds the one connection.
    const program = await this.deps.programs.get(programId);
    return this.deps.uow.run(ctx, 202, async (trx) => {
      const now = this.deps.clock.now();
      const window = fitWindow(input, program.timezone, now);
      const pending = await q.pendingFit(trx, programId);
      if (pending) return fitView(pending);
      refuseTooLittleData(await q.countCustomers(trx, programId, { timezone: program.timezone, ...window }));
      const row =
        (await q.queueFit(trx, {
          id: (this.deps.fitIds ?? newFitId)(),
          programId,
          asOf: window.asOf,
          calibrationFrom: window.calibrationFrom,
          requestedBy: ctx.actor,
          requestedAt: now,
        })) ?? (await q.pendingFit(trx, programId));
      if (!row) throw new Error("a fit was neither queued nor pending");
      return fitView(row);
    });
  }

  async fit(programId: string, fitId: string): Promise<Fit> {
    const row = await q.findFit(this.deps.db, programId, fitId);
    if (!row) throw notFound("Customer-value fit", fitId);
    return fitView(row);
  }

  /** The latest fitted model; 404 (with the latest fit, if any) when none has succeeded. */
  async model(programId: string) {
    const program = await this.deps.programs.get(programId);
    const [fitted, latest] = await Promise.all([
      q.latestSucceededFit(this.deps.db, programId),
      q.latestFit(this.deps.db, programId),
    ]);
    if (!fitted || !latest) throw noModel(latest);
    return {
      fitId: fitted.id,
      model: MODEL,
      currency: program.currency,
      asOf: fitted.as_of,
      calibrationFrom: fitted.calibration_from,
      timeUnit: TIME_UNIT,
      parameters: parametersFrom(fitted),
      logLikelihood: { bgnbd: fitted.bgnbd_log_likelihood ?? 0, gammaGamma: fitted.gamma_gamma_log_likelihood ?? 0 },
      customers: fitted.customers ?? 0,
      repeatCustomers: fitted.repeat_customers ?? 0,
      fittedAt: (fitted.fitted_at ?? fitted.requested_at).toISOString(),
      latestFit: fitView(latest),
    };
  }

  /**
   * A member's value under the latest model: the member's history read up to the fit's asOf (calibrationFrom
   * does not apply: the model is applied to any member), or a new customer's figures with no purchase by then.
   */
  async memberValue(programId: string, memberId: string, query: MemberValueQuery) {
    await this.deps.members.get(programId, memberId);
    const program = await this.deps.programs.get(programId);
    const fitted = await q.latestSucceededFit(this.deps.db, programId);
    if (!fitted) throw noModel(await q.latestFit(this.deps.db, programId), "invalid_state");
    const window = fitWindow({ asOf: fitted.as_of }, program.timezone, fitted.requested_at);
    const [row] = await q.summaryRows(
      this.deps.db,
      programId,
      { timezone: program.timezone, end: window.end, asOf: fitted.as_of, calibrationFrom: null },
      memberId,
    );
    const history = row ? historyOf(row) : NEW_CUSTOMER;
    const figures = memberFigures(parametersFrom(fitted), history, {
      months: query.horizonMonths,
      monthlyDiscountRate: query.discountRate,
    });
    return {
      memberId,
      fitId: fitted.id,
      asOf: fitted.as_of,
      currency: program.currency,
      basis: row ? ("history" as const) : ("new_customer" as const),
      frequency: row ? history.frequency : null,
      recency: row ? history.recency : null,
      age: row ? history.T : null,
      monetary: row ? history.monetaryValue : null,
      ...figures,
      expectedSpend: roundMinor(figures.expectedSpend),
      clv: roundMinor(figures.clv),
      horizonMonths: query.horizonMonths,
      discountRate: query.discountRate,
    };
  }

  /**
   * The jobs' turn: queue the nightly refit of each programme with purchases and no fit requested since its
   * last midnight (when it has enough customers to fit), then run every queued fit.
   */
  async tick(now: Date, options: { programId?: string; onPhase?: FitPhases } = {}): Promise<CustomerValueTick> {
    const result: CustomerValueTick = { queued: await this.queueNightlyRefits(now, options.programId), succeeded: 0, failed: 0 };
    for (;;) {
      const outcome = await this.runNextFit(now, options.programId, options.onPhase);
      if (outcome === null) break;
      result[outcome] += 1;
    }
    return result;
  }

  async queueNightlyRefits(now: Date, programId?: string): Promise<number> {
    let queued = 0;
    for (const program of await q.programsDueRefit(this.deps.db, now, programId)) {
      const window = fitWindow({}, program.timezone, now);
      // A programme found too small is counted again the next programme day, not on every tick.
      if (this.#tooSmallOn.get(program.id) === window.asOf) continue;
      this.#tooSmallOn.delete(program.id);
      const counts = await q.countCustomers(this.deps.db, program.id, { timezone: program.timezone, ...window });
      // A programme too small to fit is not refitted every night only to fail.
      try {
        refuseTooLittleData(counts);
      } catch {
        this.#tooSmallOn.set(program.id, window.asOf);
        continue;
      }
      const row = await q.queueFit(this.deps.db, {
        id: (this.deps.fitIds ?? newFitId)(),
        programId: program.id,
        asOf: window.asOf,
        calibrationFrom: null,
        requestedBy: NIGHTLY,
        requestedAt: now,
      });
      if (row) queued += 1;
    }
    return queued;
  }

  /** Claims and runs one queued fit: its outcome, or null when none was waiting. */
  async runNextFit(now: Date, programId?: string, onPhase?: FitPhases): Promise<"succeeded" | "failed" | null> {
    const { db, clock, log } = this.deps;
    let mark = performance.now();
    const phase = (name: Parameters<FitPhases>[0], rows: number) => {
      const at = performance.now();
      onPhase?.(name, (at - mark) / 1000, rows);
      mark = at;
    };
    const fit = await q.claimFit(db, now, new Date(now.getTime() - STALE_AFTER_MS), programId);
    if (!fit) return null;
    const startedAt = fit.started_at ?? now;
    try {
      const program = await this.deps.programs.get(fit.program_id);
      const window = fitWindow(
        { asOf: fit.as_of, ...(fit.calibration_from !== null && { calibrationFrom: fit.calibration_from }) },
        program.timezone,
        fit.requested_at,
      );
      const rows = await q.summaryRows(db, fit.program_id, { timezone: program.timezone, ...window });
      phase("summary", rows.length);
      const histories = rows.map(historyOf);
      const fitted = fitModels(histories);
      const params = parametersOf(fitted);
      phase("fit", histories.length);
      const horizon = { months: DEFAULT_HORIZON_MONTHS, monthlyDiscountRate: DEFAULT_MONTHLY_DISCOUNT_RATE };
      const figuresOf = figuresOfMany(params, horizon);
      const values: q.ValueRow[] = [];
      for (const [i, row] of rows.entries()) {
        // A programme of a million members takes a while: let the server answer requests meanwhile.
        if (i > 0 && i % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
        const history = histories[i] as History;
        const f = figuresOf(history);
        values.push({
          member_id: row.member_id,
          frequency: history.frequency,
          recency: history.recency,
          age: history.T,
          monetary: history.monetaryValue,
          expected_30: f.expected30,
          expected_90: f.expected90,
          expected_365: f.expected365,
          probability_alive: f.probabilityAlive,
          expected_spend: f.expectedSpend,
          clv: f.clv,
        });
      }
      phase("figures", values.length);
      const kept = await db.transaction().execute(async (trx) => {
        const ours = await q.succeedFit(trx, fit.id, startedAt, {
          parameters: { ...params },
          bgnbdLogLikelihood: fitted.bgnbd.logLikelihood,
          gammaGammaLogLikelihood: fitted.gammaGamma.logLikelihood,
          customers: fitted.bgnbd.customers,
          repeatCustomers: histories.filter((h) => h.frequency > 0).length,
          fittedAt: clock.now(),
        });
        if (ours) {
          await q.replaceValues(
            trx,
            fit.program_id,
            fit.id,
            { months: horizon.months, discountRate: horizon.monthlyDiscountRate },
            values,
          );
        }
        return ours;
      });
      phase("write", values.length);
      if (kept) log.info({ fitId: fit.id, programId: fit.program_id, customers: rows.length }, "customer-value fit succeeded");
      return "succeeded";
    } catch (error) {
      const refused = error instanceof DomainError && error.code === "unprocessable";
      const reason = refused ? String((error.details as { reason?: unknown } | undefined)?.reason ?? "unprocessable") : "error";
      const message = error instanceof Error ? error.message : String(error);
      if (!refused) log.error({ err: error, fitId: fit.id }, "customer-value fit failed unexpectedly");
      await q.failFit(db, fit.id, startedAt, { reason, message: refused ? message : "The fit failed unexpectedly" }, clock.now());
      return "failed";
    }
  }
}

function parametersFrom(row: CustomerValueFitRow): ModelParameters {
  const p = (row.parameters ?? {}) as Record<string, number>;
  return { r: p.r ?? 0, alpha: p.alpha ?? 0, a: p.a ?? 0, b: p.b ?? 0, p: p.p ?? 0, q: p.q ?? 0, v: p.v ?? 0 };
}

function noModel(latest: CustomerValueFitRow | undefined, code: "not_found" | "invalid_state" = "not_found"): DomainError {
  const status = latest
    ? latest.status === "failed"
      ? ` The latest fit (${latest.id}) failed: ${latest.error_message ?? latest.error_reason}.`
      : ` A fit (${latest.id}) is ${latest.status}.`
    : " Ask for one with POST /v1/insights/customer-value/fit.";
  return new DomainError(code, `No customer-value model has been fitted for this programme yet.${status}`, {
    latestFit: latest ? fitView(latest) : null,
  });
}
