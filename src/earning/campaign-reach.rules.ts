import { createHash } from "node:crypto";
import type { LiveCampaign } from "./earning.types.ts";

/** Whom a campaign reaches: whether it runs when an event occurred, and which members it holds out. */

/** Whether a campaign runs for an event that occurred at `at` (its status is as stored now). */
export function campaignRunsAt(campaign: LiveCampaign, at: Date): boolean {
  return (
    campaign.status === "active" &&
    (campaign.startsAt === null || campaign.startsAt <= at) &&
    (campaign.endsAt === null || at < campaign.endsAt)
  );
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
