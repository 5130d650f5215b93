import { scheduleSpanAt } from "../earning/campaign-reach.rules.ts";
import type { LiveCampaign } from "../earning/earning.types.ts";
import { type Occurrence, occurrencesInWindow } from "./recurrence.rules.ts";

/**
 * Where a campaign stands at a time, by its status and its schedule in programme time: the one
 * rule behind the `state` the API answers and the console shows (an active campaign past its
 * end is "ended", not "active").
 */
export type CampaignState = "draft" | "scheduled" | "running" | "between" | "paused" | "ended";

type Campaign = Pick<LiveCampaign, "status" | "startsAt" | "endsAt" | "recurrence">;

export function campaignState(c: Campaign, now: Date, timezone: string): CampaignState {
  if (c.status !== "active") return c.status;
  if (c.endsAt !== null && now >= c.endsAt) return "ended";
  if (c.startsAt !== null && now < c.startsAt && (!c.recurrence || upcomingOccurrences(c, now, timezone, 1).length > 0)) {
    return "scheduled";
  }
  if (scheduleSpanAt(c, now, timezone)) return "running";
  // Recurring, outside an occurrence: another is still to come, or the schedule is over.
  return upcomingOccurrences(c, now, timezone, 1).length > 0 ? "between" : "ended";
}

/**
 * A recurring campaign's occurrences from `from` on (the one running at `from` first), cut to
 * its window; none for a campaign that does not recur.
 */
export function upcomingOccurrences(
  c: Pick<LiveCampaign, "startsAt" | "endsAt" | "recurrence">,
  from: Date,
  timezone: string,
  count: number,
): Occurrence[] {
  return c.recurrence ? occurrencesInWindow(c.recurrence, c, from, timezone, count) : [];
}
