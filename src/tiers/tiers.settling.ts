import type { Db, TierPolicy } from "../db/schema.ts";
import { notFound } from "../shared/errors.ts";
import type { LadderTier } from "./ladder.rules.ts";
import { decisionAt, reviewStep } from "./reviews.rules.ts";
import * as q from "./tiers.sql.ts";
import { changeTime, type TierTransition } from "./transitions.rules.ts";
import { decisionWindows, type MetricWindow } from "./windows.rules.ts";

/** Reviews of one member applied in one go at most (years of missed reviews are a handful). */
const MAX_STEPS = 100;

export interface SettledLadder {
  ladder: LadderTier[];
  policy: TierPolicy;
  timezone: string;
  names: Map<string, string>;
  removedAt: ReadonlyMap<string, Date>;
}

/** Members being settled: their state and when their last change took effect, updated in place. */
export type Settling = Map<string, q.RecordedState>;

export async function settledLadder(db: Db, programId: string): Promise<SettledLadder | null> {
  const ladder = await q.loadLadder(db, programId);
  if (!ladder) throw notFound("Program", programId);
  if (!ladder.policy || ladder.tiers.length === 0) return null;
  return {
    ladder: ladder.tiers,
    policy: ladder.policy,
    timezone: ladder.timezone,
    names: ladder.names,
    removedAt: ladder.removedAt,
  };
}

/**
 * Applies every review due by `asOf` to these members, in order, reading the metric over each
 * decision's windows (one statement per round for all members). Returns what it decided;
 * `members` is updated in place. A review is dated when it fell due, or just after the member's
 * last change if that is as late (a change written by an event whose clock ran behind).
 */
export async function settleDueReviews(db: Db, programId: string, l: SettledLadder, members: Settling, asOf: Date) {
  const transitions: TierTransition[] = [];
  for (let round = 0; round < MAX_STEPS; round++) {
    const due = [...members].flatMap(([memberId, m]) => {
      const at = decisionAt(l.ladder, l.policy, m.state, l.timezone, l.removedAt);
      return at && at <= asOf ? [{ memberId, at, windows: decisionWindows(l.policy, m.state, at, l.timezone) }] : [];
    });
    if (due.length === 0) break;
    const asked: { memberId: string; from: Date | null; to: Date }[] = [];
    const ask = (memberId: string, w: MetricWindow | null) => {
      if (!w) return undefined;
      asked.push({ memberId, ...w });
      return asked.length - 1;
    };
    const slots = due.map((d) => ({
      atReview: ask(d.memberId, d.windows.atReview) ?? 0,
      atGraceEnd: ask(d.memberId, d.windows.atGraceEnd),
      sinceReview: ask(d.memberId, d.windows.sinceReview),
    }));
    const values = await q.metricsOver(db, programId, l.policy.metric, asked);
    const value = (i: number | undefined) => (i === undefined ? undefined : (values[i] ?? 0));
    let progressed = false;
    due.forEach((d, i) => {
      const member = members.get(d.memberId);
      const slot = slots[i];
      if (!member || !slot) return;
      const metrics = {
        atReview: value(slot.atReview) ?? 0,
        ...(slot.atGraceEnd !== undefined && { atGraceEnd: value(slot.atGraceEnd) }),
        ...(slot.sinceReview !== undefined && { sinceReview: value(slot.sinceReview) }),
      };
      const decided = reviewStep(d.memberId, l.ladder, l.policy, member.state, d.at, metrics, l.timezone);
      if (!decided) return;
      const step = { ...decided, at: changeTime(decided.at, member.lastChange) };
      transitions.push(step);
      members.set(d.memberId, { state: step.state, lastChange: step.at });
      progressed = true;
    });
    if (!progressed) break;
  }
  return transitions;
}
