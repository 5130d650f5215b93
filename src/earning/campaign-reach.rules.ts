import { createHash } from "node:crypto";
import { type Occurrence, occurrenceAt } from "../campaigns/recurrence.rules.ts";
import type { LiveCampaign } from "./earning.types.ts";

/** Whom a campaign reaches: whether it runs when an event occurred, and which members it holds out. */

type Schedule = Pick<LiveCampaign, "startsAt" | "endsAt" | "recurrence">;

/** Whether `at` is inside a campaign's overall window (startsAt inclusive, endsAt exclusive). */
export const inWindow = (c: Schedule, at: Date) =>
  (c.startsAt === null || c.startsAt <= at) && (c.endsAt === null || at < c.endsAt);

/**
 * The span of a campaign's schedule that holds `at`, whatever its status: for a recurring
 * campaign the occurrence (in the programme's time zone) cut to the overall window, else the
 * window itself (open ends as null); null when `at` is outside. A pure function of (campaign, at,
 * time zone): the engine passes the event's occurredAt.
 */
export function scheduleSpanAt(c: Schedule, at: Date, timezone: string): { start: Date | null; end: Date | null } | null {
  if (!inWindow(c, at)) return null;
  if (!c.recurrence) return { start: c.startsAt, end: c.endsAt };
  const o = occurrenceAt(c.recurrence, at, timezone);
  if (!o) return null;
  return {
    start: c.startsAt && c.startsAt > o.start ? c.startsAt : o.start,
    end: c.endsAt && c.endsAt < o.end ? c.endsAt : o.end,
  };
}

/** Whether a campaign runs for an event that occurred at `at`: active, in its window, and in an occurrence if it recurs. */
export function campaignRunsAt(campaign: LiveCampaign, at: Date, timezone: string): boolean {
  return campaign.status === "active" && scheduleSpanAt(campaign, at, timezone) !== null;
}

/** The occurrence of a recurring campaign holding `at`, uncut (its identity: a budget per occurrence is keyed by its start). */
export const occurrenceOf = (c: Schedule, at: Date, timezone: string): Occurrence | null =>
  c.recurrence && inWindow(c, at) ? occurrenceAt(c.recurrence, at, timezone) : null;

/**
 * The budget an award at `at` takes from: the campaign's (its id), or with a budget per
 * occurrence that occurrence's (`id@start`), which starts full and is never carried over.
 */
export function budgetKeyAt(c: LiveCampaign, at: Date, timezone: string): string {
  if (c.budgetPer !== "occurrence") return c.id;
  const o = occurrenceOf(c, at, timezone);
  return o ? occurrenceBudgetKey(c.id, o.start) : c.id;
}

export const occurrenceBudgetKey = (campaignId: string, start: Date) => `${campaignId}@${start.toISOString()}`;

/** A budget key as its campaign and occurrence ('' for the whole campaign's budget). */
export function parseBudgetKey(key: string): { campaignId: string; occurrence: string } {
  const at = key.indexOf("@");
  return at < 0 ? { campaignId: key, occurrence: "" } : { campaignId: key.slice(0, at), occurrence: key.slice(at + 1) };
}

/**
 * A member's place in a campaign's holdout: a number in [0, 100) fixed by the campaign and member
 * ids, so the same members are held out on every event, every server, every replay.
 */
export function holdoutBucket(campaignId: string, memberId: string): number {
  const digest = createHash("sha256").update(`${campaignId}:${memberId}`).digest();
  return (digest.readUInt32BE(0) % 10_000) / 100;
}

export const isHeldOut = (campaign: LiveCampaign, memberId: string) =>
  campaign.holdoutPercent > 0 && holdoutBucket(campaign.id, memberId) < campaign.holdoutPercent;
