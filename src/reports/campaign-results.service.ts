import type { Kysely } from "kysely";
import { DateTime } from "luxon";
import type { DB } from "../db/schema.ts";
import type { Clock } from "../shared/clock.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import { bootstrapMeanDifference, type Sample } from "./campaign-lift.rules.ts";
import type { CampaignResult, CampaignResultDetail, CampaignResults, CampaignResultsQuery } from "./campaign-results.schemas.ts";
import * as q from "./campaign-results.sql.ts";
import { type CampaignFacts, campaignResult, moneyInterval } from "./campaign-results.views.ts";
import { MAX_RANGE_DAYS, reportRange } from "./reports.rules.ts";
import { dayOf, dayRuns, dayStart, ROLLUP_GRACE_MS, type RollupView, splitRange } from "./rollups.rules.ts";
import type { RollupDefinition, RollupService } from "./rollups.service.ts";
import { changedPurchaseDays, programZones } from "./rollups.sql.ts";

/**
 * Each member's counted purchases and net spend per programme day (report_member_spend_days): a
 * campaign's window sums its audience members' spend from it. Its days change exactly as the
 * daily purchases' do.
 */
export const MEMBER_SPEND: RollupDefinition = {
  name: "member_spend",
  changedDays: changedPurchaseDays,
  rebuild: q.rebuildMemberSpend,
  tables: ["report_member_spend_days"],
};

/**
 * Each (campaign, member) pair's holdout bucket (report_campaign_buckets), written for the members
 * and campaigns created on a day when the day is rolled up; pairs without one are drawn live. No
 * zone in it: a time zone change keeps the rows (the rebuild adds only pairs missing).
 */
export const CAMPAIGN_BUCKETS: RollupDefinition = {
  name: "campaign_buckets",
  changedDays: q.changedBucketDays,
  rebuild: q.rebuildCampaignBuckets,
  tables: [],
};

type CampaignRow = Awaited<ReturnType<typeof q.campaignsOf>>[number];

/** A campaign without audience conditions: its audience (every member enrolled before its end) is the same whenever asked, so its results can be kept. */
const keepable = (c: CampaignRow) => !(Array.isArray(c.audience) && c.audience.length > 0);

/** The bootstrap interval of one campaign's groups (their spends), or null. */
const bootstrapOf = (spends: { treated: Sample; holdout: Sample }) => bootstrapMeanDifference(spends.treated, spends.holdout);

/**
 * A campaign's window in programme days: `from` and `to` as asked, each defaulting to the
 * campaign's own (its start, or the day it was made; its end's last day, or today, whichever is
 * first), and the equally long window just before it.
 */
export function campaignWindow(c: CampaignRow, query: CampaignResultsQuery, timezone: string, now: Date) {
  const dayOf = (at: Date) => DateTime.fromJSDate(at, { zone: timezone }).startOf("day");
  const parse = (s: string, field: string) => {
    const d = DateTime.fromISO(s, { zone: timezone });
    if (!d.isValid) throw new DomainError("validation_error", `${field} is not a date (YYYY-MM-DD)`, { field });
    return d.startOf("day");
  };
  const today = dayOf(now);
  const ownFrom = dayOf(new Date(c.starts_at ?? c.created_at));
  const lastDay = c.ends_at ? dayOf(new Date(new Date(c.ends_at).getTime() - 1)) : today;
  const ownTo = DateTime.min(lastDay, today);
  const from = query.from ? parse(query.from, "from") : ownFrom;
  let to = query.to ? parse(query.to, "to") : ownTo;
  // A campaign that has not started yet: its window is its first day (nothing has happened in it).
  if (!query.to && to < from) to = from;
  if (from > to) throw new DomainError("validation_error", "from must not be after to", { field: "from" });
  const days = Math.round(to.diff(from, "days").days) + 1;
  if ((query.from || query.to) && days > MAX_RANGE_DAYS) {
    throw new DomainError("validation_error", `A report covers at most ${MAX_RANGE_DAYS} days`, { field: "from" });
  }
  const beforeFrom = from.minus({ days });
  const iso = (d: DateTime) => d.toISODate() ?? "";
  return {
    window: {
      campaignId: c.id,
      beforeStart: beforeFrom.toJSDate(),
      start: from.toJSDate(),
      end: to.plus({ days: 1 }).toJSDate(),
    },
    facts: {
      campaignId: c.id,
      name: c.name,
      status: c.status,
      holdoutPercent: c.holdout_percent,
      from: iso(from),
      to: iso(to),
      beforeFrom: iso(beforeFrom),
      beforeTo: iso(from.minus({ days: 1 })),
    } satisfies CampaignFacts,
  };
}

/**
 * Campaign effectiveness: each campaign's audience split into treated and held-out members by its
 * deterministic holdout draw, compared on conversion and spend per member over a window, in
 * aggregate SQL (one round trip for the groups, one for the points), with no row per audience
 * member: sums need only the buyers, member counts only the members' enrolment, the held-out group
 * only the members the stored draws hold out (groupFigures). Only the bootstrap of one campaign
 * reads its buyers' spends, with each group's other members as a count of zeros, from the same
 * round trip. Members' spend comes from the member_spend rollup and live (spendReads), holdout
 * draws from the stored buckets where the campaign_buckets rollup has them all, else live
 * (bucketCoverage): exactly what the events and the draw say, whatever the rollups' state.
 */
export class CampaignResultsService {
  constructor(private readonly deps: { db: Kysely<DB>; clock: Clock; rollups: RollupService }) {}

  async list(programId: string, query: CampaignResultsQuery): Promise<CampaignResults> {
    const program = await this.program(programId);
    const campaigns = await q.campaignsOf(this.deps.db, programId);
    const results = await this.results(programId, program, campaigns, query);
    return {
      from: query.from ?? null,
      to: query.to ?? null,
      timezone: program.timezone,
      currency: program.currency,
      pointValue: program.point_value,
      campaigns: results.map((r) => r.result),
    };
  }

  async one(programId: string, campaignId: string, query: CampaignResultsQuery): Promise<CampaignResultDetail> {
    const { db } = this.deps;
    const program = await this.program(programId);
    const [campaign] = await q.campaignsOf(db, programId, campaignId);
    if (!campaign) throw notFound("Campaign", campaignId);
    const [first] = await this.results(programId, program, [campaign], query, campaign.holdout_percent > 0);
    if (!first) throw notFound("Campaign", campaignId);
    let { result } = first;
    let bootstrap: CampaignResultDetail["bootstrap"] = null;
    if (campaign.holdout_percent > 0) {
      const drawn = first.kept ? first.kept.bootstrap : bootstrapOf(first.spends);
      if (drawn) {
        bootstrap = {
          resamples: drawn.resamples,
          seed: drawn.seed,
          differenceCi: drawn.difference,
          liftCi: drawn.lift,
          incrementalRevenueCi: moneyInterval(drawn.difference, result.treated.members),
        };
        result = first.recompute(drawn.difference);
      }
    }
    return {
      timezone: program.timezone,
      currency: program.currency,
      pointValue: program.point_value,
      campaign: result,
      bootstrap,
    };
  }

  /**
   * Keeps the results of every campaign whose own window has closed (jobs): for each programme (or
   * the one given), a campaign without audience conditions whose last day ended before `now` less
   * the rollups' grace has its figures, points and bootstrap interval computed once and kept
   * (report_campaign_results). A kept result whose windows nothing changed in since its valid_at is
   * confirmed up to now (less the grace); one that changed, or whose campaign or window changed, is
   * computed again, at most once per grace (a row computed less than the grace ago cannot vouch for
   * what was recorded just before it, so it waits: reports compute live meanwhile). Within a time
   * budget (a campaign at 1M members takes seconds): what is left waits for the next tick.
   */
  async keep(now: Date = this.deps.clock.now(), options: { programId?: string; budgetMs?: number } = {}) {
    const { db } = this.deps;
    const deadline = Date.now() + (options.budgetMs ?? 20_000);
    const done = { computed: 0, confirmed: 0, waiting: 0, complete: true };
    const validAt = new Date(now.getTime() - ROLLUP_GRACE_MS);
    for (const p of await programZones(db)) {
      if (options.programId && p.id !== options.programId) continue;
      const program = await this.program(p.id);
      const campaigns = await q.campaignsOf(db, p.id);
      const closed = campaigns.filter((c) => keepable(c) && campaignWindow(c, {}, program.timezone, now).window.end <= validAt);
      const { usable: kept, stored } = await this.usableKept(p.id, program.timezone, closed, now);
      const recent = new Set(stored.filter((k) => (k.computedAt?.getTime() ?? 0) > validAt.getTime()).map((k) => k.campaignId));
      await q.dropKept(
        db,
        p.id,
        campaigns.filter((c) => !closed.includes(c)).map((c) => c.id),
      );
      for (const c of closed) {
        if (kept.has(c.id)) {
          await q.confirmKept(db, p.id, c.id, validAt);
          done.confirmed++;
          continue;
        }
        // Computed less than the grace ago: what changed since may be in it or not, so it waits
        // (reports compute live meanwhile) rather than being computed again every tick.
        if (recent.has(c.id)) {
          done.waiting++;
          continue;
        }
        if (Date.now() > deadline) return { ...done, complete: false };
        // Computed live (nothing kept is usable), from a snapshot no older than validAt.
        const [first] = await this.results(p.id, program, [c], {}, c.holdout_percent > 0, false);
        if (!first) continue;
        const drawn = c.holdout_percent > 0 ? bootstrapOf(first.spends) : null;
        const { window } = campaignWindow(c, {}, program.timezone, now);
        await q.keepResult(
          db,
          p.id,
          {
            campaignId: c.id,
            campaignVersion: c.version,
            beforeStart: window.beforeStart,
            start: window.start,
            end: window.end,
            validAt,
            groups: first.groups.map((g) => ({ ...g, spends: null })),
            points: first.points,
            bootstrap: drawn,
          },
          now,
        );
        done.computed++;
      }
    }
    return done;
  }

  /**
   * The kept results of these campaigns that stand for their own window now (`usable`): kept for
   * the campaign's version and the same window instants, with a valid_at not after now, and nothing
   * of [beforeStart, end) recorded or changed since their valid_at (changedWindows, from the
   * earliest valid_at of them: a change between two valid_ats only makes one computed live); and
   * every row kept for them (`stored`).
   */
  private async usableKept(programId: string, timezone: string, campaigns: CampaignRow[], now: Date) {
    const usable = new Map<string, q.KeptResult>();
    const eligible = campaigns.filter(keepable);
    const kept = await q.keptResults(
      this.deps.db,
      programId,
      eligible.map((c) => c.id),
    );
    const same = kept.filter((k) => {
      const c = eligible.find((x) => x.id === k.campaignId);
      // A valid_at after now (another server's clock ahead of this one's) vouches for nothing yet.
      if (!c || c.version !== k.campaignVersion || k.validAt > now) return false;
      const { window } = campaignWindow(c, {}, timezone, now);
      return (
        window.beforeStart.getTime() === k.beforeStart.getTime() &&
        window.start.getTime() === k.start.getTime() &&
        window.end.getTime() === k.end.getTime()
      );
    });
    if (same.length === 0) return { usable, stored: kept };
    const since = new Date(Math.min(...same.map((k) => k.validAt.getTime())));
    const changed = new Set(
      await q.changedWindows(
        this.deps.db,
        programId,
        timezone,
        since,
        same.map((k) => ({ from: dayOf(k.beforeStart, timezone), to: dayOf(new Date(k.end.getTime() - 1), timezone) })),
      ),
    );
    same.forEach((k, i) => {
      if (!changed.has(i)) usable.set(k.campaignId, k);
    });
    return { usable, stored: kept };
  }

  private async program(programId: string) {
    const program = await q.programFacts(this.deps.db, programId);
    if (!program) throw notFound("Program", programId);
    return program;
  }

  private async results(
    programId: string,
    program: { timezone: string; point_value: number },
    campaigns: CampaignRow[],
    query: CampaignResultsQuery,
    withSpends = false,
    readKept = true,
  ) {
    const now = this.deps.clock.now();
    // A range named in full is checked even with no campaign to read it for (an empty programme
    // refuses an inverted or absurd range as a full one does).
    if (query.from && query.to) reportRange({ from: query.from, to: query.to, interval: "month" }, program.timezone, now);
    const windows = campaigns.map((c) => campaignWindow(c, query, program.timezone, now));
    // Each campaign over its own window: its kept results where they stand; the others live.
    const kept =
      readKept && !query.from && !query.to
        ? (await this.usableKept(programId, program.timezone, campaigns, now)).usable
        : new Map<string, q.KeptResult>();
    const live = campaigns.flatMap((c, i) =>
      kept.has(c.id) ? [] : [{ c, window: (windows[i] as (typeof windows)[number]).window }],
    );
    const { groups, points } = await this.liveFigures(
      programId,
      program.timezone,
      live.map((x) => x.c),
      live.map((x) => x.window),
      withSpends,
    );
    return campaigns.map((c, i) => {
      const { facts } = windows[i] as (typeof windows)[number];
      const k = kept.get(c.id) ?? null;
      const own = k ? k.groups : groups.filter((g) => g.campaignId === c.id);
      const group = (heldOut: boolean) => own.find((g) => g.heldOut === heldOut);
      const treated = group(false);
      const p = k ? k.points : points.find((x) => x.campaignId === c.id);
      const recompute = (bootstrap: [number, number] | null): CampaignResult =>
        campaignResult({
          campaign: facts,
          treated,
          holdout: group(true),
          steady: {
            members: treated?.steadyMembers ?? 0,
            spendBefore: treated?.steadySpendBefore ?? 0,
            spendDuring: treated?.steadySpendDuring ?? 0,
          },
          points: p ?? { pointsAwarded: 0, pointsReturned: 0, membersAwarded: 0, membersHeldOutTriggered: 0 },
          pointValue: program.point_value,
          bootstrap,
        });
      // Each group's spends in the window (buyers' spends, the other members as zeros), when asked for: what a bootstrap resamples.
      const none = { values: [], zeros: 0 };
      const spends = { treated: treated?.spends ?? none, holdout: group(true)?.spends ?? none };
      return { result: recompute(null), recompute, spends, kept: k, groups: own, points: p ?? null };
    });
  }

  /** The group figures and points of campaigns over their windows, computed live (rollups and events). */
  private async liveFigures(
    programId: string,
    timezone: string,
    campaigns: CampaignRow[],
    windows: q.CampaignWindow[],
    withSpends: boolean,
  ) {
    if (campaigns.length === 0) return { groups: [], points: [] };
    const { list, reads } = await this.spendReads(programId, timezone, windows);
    const coverage = await this.bucketCoverage(programId, timezone);
    const drawn = (c: CampaignRow) => {
      const at = new Date(c.created_at).toISOString();
      return coverage.uncovered.some((u) => u.start <= at && at < u.end);
    };
    const groupList = list.map((w, i) => {
      const c = campaigns[i] as CampaignRow;
      return { ...w, drawn: drawn(c), conditional: !keepable(c) };
    });
    const [groups, points] = await Promise.all([
      this.deps.db.transaction().execute(async (tx) => {
        await q.withoutJit(tx);
        return q.groupFigures(tx, programId, groupList, reads, coverage, withSpends);
      }),
      q.campaignPoints(this.deps.db, programId, list),
    ]);
    return { groups, points };
  }

  /**
   * Where the stored holdout draws are complete (BucketCoverage): outside the days the
   * CAMPAIGN_BUCKETS rollup has not rolled up (from its rolled_through on; every day when it has
   * nothing valid) and the rolled-up days changed since its watermark, as instant ranges.
   */
  private async bucketCoverage(programId: string, timezone: string): Promise<q.BucketCoverage> {
    const view = await this.deps.rollups.view(programId, CAMPAIGN_BUCKETS, timezone);
    if (view.rolledThrough === null) return { uncovered: [{ start: "-infinity", end: "infinity" }] };
    const uncovered = dayRuns(view.changed).map((r) => ({
      start: dayStart(r.from, timezone).toISOString(),
      end: dayStart(r.to, timezone).toISOString(),
    }));
    uncovered.push({ start: dayStart(view.rolledThrough, timezone).toISOString(), end: "infinity" });
    return { uncovered };
  }

  /**
   * One spend read per distinct window (the list with a range given has one for every campaign):
   * the window's days [beforeFrom, to] split between the members' daily spend rollup and the live
   * events. The windows are whole programme days, so a day's rows are all of it or none.
   */
  private async spendReads(programId: string, timezone: string, windows: q.CampaignWindow[]) {
    const reads: q.SpendRead[] = [];
    const keys = new Map<string, q.SpendRead>();
    const list: q.ReadWindow[] = [];
    // Where the rollup stands, asked once (its changed days are a scan of what was recorded since its watermark).
    let view: RollupView | undefined;
    for (const w of windows) {
      const id = `${w.beforeStart.toISOString()} ${w.start.toISOString()} ${w.end.toISOString()}`;
      let read = keys.get(id);
      if (!read) {
        view ??= await this.deps.rollups.view(programId, MEMBER_SPEND, timezone);
        const split = splitRange(view, dayOf(w.beforeStart, timezone), dayOf(w.end, timezone), timezone);
        read = { key: reads.length, startDay: dayOf(w.start, timezone), start: w.start, split };
        keys.set(id, read);
        reads.push(read);
      }
      list.push({ ...w, read: read.key });
    }
    return { list, reads };
  }
}
