import type { Kysely } from "kysely";
import { DateTime } from "luxon";
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
  /**
   * The tables `verify` compares with a rebuild, when not `tables` (a rollup whose rows do not
   * depend on the zone keeps them out of `tables`), each with a `day` column.
   */
  verifiedTables?: string[];
}

/**
 * A state kept as of an instant rather than figures per programme day (members' balances): the
 * jobs bring it to each tick's watermark after the rollups, and a read corrects it live for what
 * changed since its instant. A time zone change does not touch it.
 */
export interface SnapshotDefinition {
  name: string;
  /** Brings the programme's snapshot to `to` (built from scratch when it has none), in the transaction given. */
  advance(tx: Db, programId: string, to: Date): Promise<void>;
  /** What `verify` checks of it, and the check: its rows that differ from the source tables at `now`. */
  description: string;
  verify(db: Db, programId: string, now: Date): Promise<{ violations: number; examples: unknown[] }>;
}

/** One rollup's check by `stampbook verify`: its rows that a rebuild would change. */
export interface RollupCheckResult {
  name: string;
  description: string;
  violations: number;
  examples: unknown[];
}

/** How many of the last rolled-up days `verify` rebuilds and compares, per rollup and programme. */
export const VERIFY_DAYS = 14;

/** Thrown to roll back verify's transaction, carrying what it found. */
/** Thrown when a tick holds the rollup's lock: verify tries again in a new transaction. */
class Busy extends Error {
  constructor() {
    super("busy");
  }
}

class Compared extends Error {
  constructor(readonly found: { violations: number; examples: unknown[] }) {
    super("compared");
  }
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
      snapshots?: SnapshotDefinition[];
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
      for (const snapshot of this.deps.snapshots ?? []) {
        if (Date.now() > deadline) return { ...result, complete: false };
        const started = performance.now();
        const to = new Date(now.getTime() - ROLLUP_GRACE_MS);
        await this.deps.db.transaction().execute(async (tx) => {
          await q.lockRollup(tx, program.id, snapshot.name);
          await snapshot.advance(tx, program.id, to);
        });
        options.onProgress?.(snapshot.name, to.toISOString(), (performance.now() - started) / 1000);
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
   * `stampbook verify`'s check of every rollup: for each programme, in a transaction rolled back
   * at the end, apply what changed since the watermark as a tick would (so rows a pending change
   * makes stale are not reported), keep the rows of the last `days` rolled-up days, rebuild those
   * days from the source tables and compare: any row that differs (either way) is a violation.
   * Only the last days, because a rebuild costs what catching up costs (the flows, purchases and
   * activity rollups also have whole-history checks in rollups.verify.ts).
   */
  async verify(days = VERIFY_DAYS, db: Db = this.deps.db, programId?: string): Promise<RollupCheckResult[]> {
    const programs = (await q.programZones(db)).filter((p) => !programId || p.id === programId);
    const results: RollupCheckResult[] = [];
    for (const def of this.deps.definitions) {
      const tables = def.verifiedTables ?? def.tables;
      if (tables.length === 0) continue;
      const found = { violations: 0, examples: [] as unknown[] };
      for (const program of programs) {
        // One snapshot of the database for the whole comparison (servers and jobs may be writing),
        // taken with the rollup's lock; a tick holding it is waited for by trying again in a new
        // transaction (never by waiting inside one, which could deadlock with the tick), and a
        // tick that slipped in between the snapshot and the lock (serialization failure) too.
        for (let attempt = 0; ; attempt++) {
          try {
            await q.rolledBack(db, async (tx) => {
              if (!(await q.tryLockRollup(tx, program.id, def.name))) throw new Busy();
              const state = await q.rollupState(tx, program.id, def.name);
              if (!state || state.timezone !== program.timezone) throw new Compared({ violations: 0, examples: [] });
              const to = state.rolled_through;
              const first = await q.firstDay(tx, program.id, program.timezone);
              const earliest = DateTime.fromISO(to, { zone: "UTC" }).minus({ days }).toISODate() ?? to;
              const from = first && first > earliest ? first : earliest;
              if (from >= to) throw new Compared({ violations: 0, examples: [] });
              const changed = (await def.changedDays(tx, program.id, program.timezone, state.watermark, null)).filter(
                (d) => d < to,
              );
              const range = (r: { from: string; to: string }) => ({
                ...r,
                start: dayStart(r.from, program.timezone),
                end: dayStart(r.to, program.timezone),
              });
              for (const run of dayRuns(changed)) await def.rebuild(tx, program.id, program.timezone, range(run));
              for (const [i, table] of tables.entries())
                await q.keepRollupRows(tx, table, `rollup_verify_${i}`, program.id, from);
              await def.rebuild(tx, program.id, program.timezone, range({ from, to }));
              const differences = { violations: 0, examples: [] as unknown[] };
              for (const [i, table] of tables.entries()) {
                const d = await q.rollupDifferences(tx, table, `rollup_verify_${i}`, program.id, from);
                differences.violations += d.violations;
                differences.examples.push(...d.examples.map((row) => ({ programId: program.id, table, ...row })));
              }
              throw new Compared(differences);
            });
          } catch (error) {
            if (error instanceof Compared) {
              found.violations += error.found.violations;
              found.examples.push(...error.found.examples);
              break;
            }
            const retry = error instanceof Busy || (error as { code?: string }).code === "40001";
            if (!retry) throw error;
            // A rollup busy for five seconds is left for the next run; inside a caller's
            // transaction at once (the tick may be waiting for rows that transaction holds).
            if (attempt >= 25 || db.isTransaction) break;
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }
      }
      results.push({
        name: `rollup_${def.name}_matches_rebuild`,
        description: `The ${def.name.replaceAll("_", " ")} rollup's last ${days} rolled-up days, with the changes since its watermark applied, equal those days rebuilt from the ledger and the events`,
        violations: found.violations,
        examples: found.examples.slice(0, 5),
      });
    }
    for (const snapshot of this.deps.snapshots ?? []) {
      const found = { violations: 0, examples: [] as unknown[] };
      for (const program of programs) {
        const d = await snapshot.verify(db, program.id, this.deps.clock.now());
        found.violations += d.violations;
        found.examples.push(...d.examples);
      }
      results.push({
        name: `snapshot_${snapshot.name}_matches_ledger`,
        description: snapshot.description,
        violations: found.violations,
        examples: found.examples.slice(0, 5),
      });
    }
    return results;
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
