import type { Kysely } from "kysely";
import type { DB, Db } from "../db/schema.ts";
import type { Clock } from "../shared/clock.ts";
import { dayBuckets, type ReportRange } from "./reports.rules.ts";
import {
  CATCH_UP_DAYS,
  chunks,
  dayOf,
  dayRuns,
  dayStart,
  NOTHING_ROLLED,
  ROLLUP_GRACE_MS,
  type RollupView,
  splitRange,
} from "./rollups.rules.ts";
import * as q from "./rollups.sql.ts";

/**
 * One rollup: figures per programme day that a report reads instead of scanning history. The
 * jobs keep it (`RollupService.tick`); reports ask `view` where it stands and read the rest live.
 */
export interface RollupDefinition {
  name: string;
  /** Days whose rows change with what was recorded in [since, until) (until null: up to now), YYYY-MM-DD, sorted. */
  changedDays(db: Db, programId: string, timezone: string, since: Date, until: Date | null): Promise<string[]>;
  /** Rewrites the rows of the days [from, to) from the source tables, in the transaction given. */
  rebuild(tx: Db, programId: string, timezone: string, days: q.DayRange): Promise<void>;
  /** The tables holding its rows (a programme's rows are removed when its time zone changes). */
  tables: string[];
}

/** The rollups this file keeps; other report families register theirs beside them (app.ts). */
export const FLOWS: RollupDefinition = {
  name: "daily_flows",
  changedDays: q.changedFlowDays,
  rebuild: q.rebuildFlows,
  tables: ["report_daily_flows"],
};
export const PURCHASES: RollupDefinition = {
  name: "daily_purchases",
  changedDays: q.changedPurchaseDays,
  rebuild: q.rebuildPurchases,
  tables: ["report_daily_purchases"],
};
export const ACTIVITY: RollupDefinition = {
  name: "member_activity",
  changedDays: q.changedActivityDays,
  rebuild: q.rebuildActivity,
  tables: ["report_member_days", "report_active_pairs"],
};

/** Told of each piece a tick rolls up: the rollup, the day it has rolled up to, and the seconds the piece took (benchmarks log it). */
export type RollupProgress = (rollup: string, through: string, seconds: number) => void;

export interface RollupTickResult {
  /** Days rebuilt, over every programme and rollup. */
  days: number;
  /** False when the time budget ran out first (the next tick goes on where this one stopped). */
  complete: boolean;
}

/**
 * Keeps the report rollups: each tick, for every programme and rollup, rebuilds the rolled-up days
 * changed since the watermark, then rolls up the whole days that ended before `now - grace`, a week
 * per transaction, within a time budget (a year of history on a new or upgraded server is caught up
 * over several ticks, each keeping what it did).
 */
export class RollupService {
  constructor(
    private readonly deps: {
      db: Kysely<DB>;
      clock: Clock;
      definitions: RollupDefinition[];
    },
  ) {}

  get definitions(): RollupDefinition[] {
    return this.deps.definitions;
  }

  /**
   * One tick of the jobs: every programme (or the one given: tests, whose programmes share a
   * database but each have a clock of their own), within the time budget.
   */
  async tick(
    now: Date,
    options: { budgetMs?: number; programId?: string; onProgress?: RollupProgress } = {},
  ): Promise<RollupTickResult> {
    const deadline = Date.now() + (options.budgetMs ?? 20_000);
    const result: RollupTickResult = { days: 0, complete: true };
    const programs = await q.programZones(this.deps.db);
    for (const program of programs.filter((p) => !options.programId || p.id === options.programId)) {
      for (const def of this.deps.definitions) {
        if (Date.now() > deadline) return { ...result, complete: false };
        const done = await this.#advance(def, program.id, program.timezone, now, deadline, options.onProgress);
        result.days += done.days;
        if (!done.complete) return { ...result, complete: false };
      }
    }
    return result;
  }

  /** Rolls up everything there is to roll up (tests, the demo, benchmarks): ticks until one completes. */
  async catchUp(now: Date = this.deps.clock.now(), programId?: string, onProgress?: RollupProgress): Promise<number> {
    let days = 0;
    for (;;) {
      const r = await this.tick(now, { budgetMs: 60_000, programId, onProgress });
      days += r.days;
      if (r.complete) return days;
    }
  }

  async #advance(
    def: RollupDefinition,
    programId: string,
    timezone: string,
    now: Date,
    deadline: number,
    onProgress?: RollupProgress,
  ) {
    const { db } = this.deps;
    const until = new Date(now.getTime() - ROLLUP_GRACE_MS);
    const lastDay = dayOf(until, timezone);
    let state = await q.rollupState(db, programId, def.name);
    let days = 0;
    if (!state || state.timezone !== timezone) {
      // New, or built in another zone: its days are other days. Start again from the first day.
      const first = (await q.firstDay(db, programId, timezone)) ?? lastDay;
      await db.transaction().execute(async (tx) => {
        await q.lockRollup(tx, programId, def.name);
        for (const table of def.tables) await q.clearRollupTable(tx, table, programId);
        await q.saveRollupState(tx, programId, def.name, { timezone, rolledThrough: first, watermark: until }, now);
      });
      state = { timezone, rolled_through: first, watermark: until };
    } else if (state.watermark < until) {
      const rolledThrough = state.rolled_through;
      const changed = (await def.changedDays(db, programId, timezone, state.watermark, until)).filter((d) => d < rolledThrough);
      for (const run of dayRuns(changed)) {
        for (const piece of chunks(run.from, run.to, CATCH_UP_DAYS)) {
          await this.#rebuild(def, programId, timezone, piece);
          days += Math.round((dayStart(piece.to, "UTC").getTime() - dayStart(piece.from, "UTC").getTime()) / 86_400_000);
        }
      }
      await db.transaction().execute(async (tx) => {
        await q.lockRollup(tx, programId, def.name);
        await q.saveRollupState(tx, programId, def.name, { timezone, rolledThrough, watermark: until }, now);
      });
    }
    let through = state.rolled_through;
    for (const piece of chunks(through, lastDay, CATCH_UP_DAYS)) {
      if (Date.now() > deadline) return { days, complete: false };
      const started = performance.now();
      await this.#rebuild(def, programId, timezone, piece, { timezone, rolledThrough: piece.to, watermark: until }, now);
      through = piece.to;
      onProgress?.(def.name, through, (performance.now() - started) / 1000);
      days += Math.round((dayStart(piece.to, "UTC").getTime() - dayStart(piece.from, "UTC").getTime()) / 86_400_000);
    }
    return { days, complete: true };
  }

  async #rebuild(
    def: RollupDefinition,
    programId: string,
    timezone: string,
    piece: { from: string; to: string },
    state?: { timezone: string; rolledThrough: string; watermark: Date },
    now?: Date,
  ) {
    await this.deps.db.transaction().execute(async (tx) => {
      await q.lockRollup(tx, programId, def.name);
      await def.rebuild(tx, programId, timezone, {
        ...piece,
        start: dayStart(piece.from, timezone),
        end: dayStart(piece.to, timezone),
      });
      if (state && now) {
        // Only forward: another server's tick may have gone further while this one waited for the lock.
        const current = await q.rollupState(tx, programId, def.name);
        if (!current || current.rolled_through < state.rolledThrough || current.timezone !== state.timezone)
          await q.saveRollupState(tx, programId, def.name, state, now);
      }
    });
  }

  /**
   * Where a rollup stands for a report in the programme's zone now: its rolled-up days, and those of
   * them changed since its watermark (which the report reads live). Nothing when it was built in
   * another zone.
   */
  async view(programId: string, def: RollupDefinition, timezone: string): Promise<RollupView> {
    const { db } = this.deps;
    const state = await q.rollupState(db, programId, def.name);
    if (!state || state.timezone !== timezone) return NOTHING_ROLLED;
    const changed = (await def.changedDays(db, programId, timezone, state.watermark, null)).filter(
      (d) => d < state.rolled_through,
    );
    return { rolledThrough: state.rolled_through, changed };
  }

  /**
   * Flows through the system accounts per period of a range (bucket i is period i), from the
   * rollup and live, exactly.
   */
  async flows(programId: string, timezone: string, range: ReportRange) {
    const b = dayBuckets(range);
    return q.flowsByPeriod(
      this.deps.db,
      programId,
      timezone,
      b,
      await this.split(programId, FLOWS, timezone, range.from, b.endDay),
    );
  }

  /** Counted purchases by members and by guests per period of a range, from the rollup and live. */
  async purchases(programId: string, timezone: string, range: ReportRange) {
    const b = dayBuckets(range);
    return q.purchasesByPeriod(
      this.deps.db,
      programId,
      timezone,
      b,
      await this.split(programId, PURCHASES, timezone, range.from, b.endDay),
    );
  }

  /**
   * Members active per period of a range, and in the whole range (`total`), from the rollup and
   * live, exactly (see activeByPeriod). `periods` lists only periods with someone active.
   */
  async active(programId: string, timezone: string, range: Pick<ReportRange, "from" | "to" | "periods" | "end">) {
    const b = dayBuckets(range);
    const rows = await q.activeByPeriod(
      this.deps.db,
      programId,
      timezone,
      b,
      await this.split(programId, ACTIVITY, timezone, range.from, b.endDay),
    );
    return {
      periods: rows.filter((r) => r.bucket > 0),
      total: rows.find((r) => r.bucket === 0)?.n ?? 0,
    };
  }

  /** The split of a report's days [from, to) with a rollup: what it reads rolled up, and the instant ranges it reads live. */
  async split(programId: string, def: RollupDefinition, timezone: string, from: string, to: string): Promise<q.RollupSplit> {
    return splitRange(await this.view(programId, def, timezone), from, to, timezone);
  }
}
