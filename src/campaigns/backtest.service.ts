import type { Kysely } from "kysely";
import type { DB, EventRow } from "../db/schema.ts";
import { budgetKeyAt } from "../earning/campaign-reach.rules.ts";
import type { EarnEvent, EventItem, LiveRule, MemberFacts, MemberHistory } from "../earning/earning.types.ts";
import { evaluate } from "../earning/evaluate.rules.ts";
import { toMajorUnits } from "../earning/money.rules.ts";
import { share } from "../events/events.rules.ts";
import { segmentsOf } from "../members/members.rules.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { TiersService } from "../tiers/tiers.service.ts";
import { backtestProgram, eventsPage, memberAttributes, purchasesBefore } from "./backtest.sql.ts";
import { toLiveCampaign } from "./campaigns.live-rules.ts";
import type { PreviewInput } from "./campaigns.schemas.ts";
import type { CampaignService } from "./campaigns.service.ts";
import { budgetRemaining } from "./campaigns.sql.ts";

const PAGE = 5000;

const toEarnEvent = (row: EventRow): EarnEvent => ({
  id: row.id,
  type: row.type,
  occurredAt: row.occurred_at,
  amount: row.amount,
  currency: row.currency ?? "",
  items: row.items as EventItem[] | null,
  channel: row.channel,
  storeId: row.store_id,
  partnerId: row.partner_id,
  attributes: row.attributes ?? {},
});

/**
 * Replays stored events through a campaign, draft or live, in memory: the same rules engine the
 * live path uses, on top of the programme's standing rules (so multipliers have something to
 * multiply), with the campaign's audience, holdout and budget, and nothing written.
 */
export class BacktestService {
  constructor(
    private readonly deps: { db: Kysely<DB>; campaigns: CampaignService; tiers: Pick<TiersService, "timelines" | "ladder"> },
  ) {}

  async run(programId: string, campaignId: string, from: Date, to: Date) {
    const db = this.deps.db;
    const program = await backtestProgram(db, programId);
    if (!program) throw notFound("Program", programId);
    const { campaign, rules: own } = await this.deps.campaigns.campaignWithRules(programId, campaignId);
    // The schedule is the window asked for: a draft for next December can replay last December. A
    // recurrence still holds: "every Tuesday" replays the window's Tuesdays alone.
    const simulated = { ...toLiveCampaign(campaign), status: "active" as const, startsAt: null, endsAt: null };
    const campaignRules: LiveRule[] = own.map((r) => ({ ...r, campaign: simulated }));
    const standing = (await this.deps.campaigns.liveRules(db, programId, program.rulesRevision)).filter(
      (r) => r.campaign === null,
    );
    const rules = [...standing, ...campaignRules];

    const budgets = new Map<string, number>();
    let budgetExhaustedAt: Date | null = null;
    let replayed = 0;
    let rewarded = 0;
    let points = 0;
    let netOfReturns = 0;
    const reached = new Set<string>();
    const heldOut = new Set<string>();
    const byRule = new Map<string, { ruleName: string; points: number; events: number; members: Set<string> }>();
    const histories = new Map<string, MemberHistory>();
    const facts = new Map<string, MemberFacts>();

    let after: { at: Date; id: string } | null = null;
    for (;;) {
      const page = await eventsPage(db, programId, { from, to }, after, PAGE);
      if (page.length === 0) break;
      const last = page.at(-1);
      if (last) after = { at: last.occurred_at, id: last.id };
      await this.#loadMembers(programId, page, from, facts, histories);
      // Members' tiers as recorded when each event occurred (multipliers and tier conditions).
      const tierAt = await this.deps.tiers.timelines(db, programId, [...new Set(page.flatMap((r) => r.member_id ?? []))], to);

      for (const row of page) {
        if (!row.member_id || row.type === "return") continue;
        replayed += 1;
        const member = {
          ...(facts.get(row.member_id) ?? { id: row.member_id, attributes: {}, tier: null, segments: [] }),
          tier: tierAt?.(row.member_id, row.occurred_at) ?? null,
        };
        const history = histories.get(row.member_id) ?? { purchases: 0, stamps: new Map(), awards: [] };
        // A budget per occurrence starts whole in each occurrence the replay reaches.
        const budgetKey = budgetKeyAt(simulated, row.occurred_at, program.timezone);
        if (campaign.budget_points !== null && !budgets.has(budgetKey)) budgets.set(budgetKey, campaign.budget_points);
        histories.set(row.member_id, history);
        const evaluation = evaluate(toEarnEvent(row), member, history, rules, program, budgets);
        if (evaluation.skipped.some((s) => s.reason === "holdout" && s.campaignId === campaignId)) heldOut.add(row.member_id);
        const cut =
          evaluation.skipped.some((s) => s.reason === "budget_exhausted" && s.campaignId === campaignId) ||
          evaluation.contributions.some((c) => c.campaignId === campaignId && c.explanation.includes("by the campaign's budget"));
        if (cut && !budgetExhaustedAt) budgetExhaustedAt = row.occurred_at;
        const mine = evaluation.contributions.filter((c) => c.campaignId === campaignId && c.points > 0);
        if (mine.length === 0) continue;
        rewarded += 1;
        reached.add(row.member_id);
        // What later returns of this purchase would have taken back (as the live path does).
        const given = mine.reduce((sum, c) => sum + c.points, 0);
        netOfReturns += given - (row.amount ? Math.min(given, share(given, row.returned_amount, row.amount)) : 0);
        for (const c of mine) {
          points += c.points;
          const stat = byRule.get(c.ruleId) ?? { ruleName: c.ruleName, points: 0, events: 0, members: new Set<string>() };
          stat.points += c.points;
          stat.events += 1;
          stat.members.add(row.member_id);
          byRule.set(c.ruleId, stat);
        }
      }
      if (page.length < PAGE) break;
    }

    return {
      campaignId,
      campaignVersion: campaign.version,
      from,
      to,
      eventsReplayed: replayed,
      eventsRewarded: rewarded,
      points,
      pointsNetOfReturns: netOfReturns,
      membersReached: reached.size,
      membersHeldOut: heldOut.size,
      cost: { amount: toMajorUnits(Math.round(points * program.pointValue), program.currency), currency: program.currency },
      budgetExhaustedAt,
      topRules: [...byRule]
        .map(([ruleId, s]) => ({ ruleId, ruleName: s.ruleName, points: s.points, events: s.events, members: s.members.size }))
        .sort((a, b) => b.points - a.points),
    };
  }

  /**
   * One example event through the campaign (draft or live, its schedule and holdout set aside)
   * on top of the standing rules, for an example member with a tier, segments and a purchase
   * count: what the console's "try an example event" shows. Without a campaign, the standing
   * rules alone. Writes nothing.
   */
  async preview(programId: string, campaignId: string | null, input: PreviewInput) {
    const db = this.deps.db;
    const program = await backtestProgram(db, programId);
    if (!program) throw notFound("Program", programId);
    const { campaign, rules: own } = campaignId
      ? await this.deps.campaigns.campaignWithRules(programId, campaignId)
      : { campaign: null, rules: [] };
    const standing = (await this.deps.campaigns.liveRules(db, programId, program.rulesRevision)).filter(
      (r) => r.campaign === null,
    );
    const simulated = campaign && {
      ...toLiveCampaign(campaign),
      status: "active" as const,
      startsAt: null,
      endsAt: null,
      recurrence: null,
      holdoutPercent: 0,
    };
    const rules = [...standing, ...own.map((r) => ({ ...r, campaign: simulated }))];
    let tier: MemberFacts["tier"] = null;
    if (input.member.tierId) {
      const found = (await this.deps.tiers.ladder(programId)).tiers.find((t) => t.id === input.member.tierId);
      if (!found) {
        throw new DomainError("validation_error", `Tier ${input.member.tierId} is not one of this programme's tiers`, {
          issues: [{ path: "member.tierId", message: "not one of this programme's tiers", code: "custom" }],
        });
      }
      tier = { id: found.id, name: found.name, earnMultiplier: found.earnMultiplier, pointsExpiry: found.pointsExpiry };
    }
    const { segments, purchases } = input.member;
    const member: MemberFacts = { id: "preview", attributes: { segments }, tier, segments };
    const e = input.event;
    const items = e.items ?? null;
    const event: EarnEvent = {
      id: "preview",
      type: e.type,
      occurredAt: e.occurredAt ? new Date(e.occurredAt) : new Date(),
      amount: e.amount ?? (items ? items.reduce((sum, i) => sum + i.quantity * i.unitPrice, 0) : null),
      currency: program.currency,
      items,
      channel: e.channel ?? null,
      storeId: e.storeId ?? null,
      partnerId: null,
      attributes: {},
    };
    const budgets = new Map<string, number>();
    if (campaign && campaign.budget_points !== null) {
      const remaining = await budgetRemaining(db, [campaign.id]);
      budgets.set(campaign.id, remaining.get(campaign.id) ?? campaign.budget_points);
    }
    const evaluation = evaluate(event, member, { purchases, stamps: new Map(), awards: [] }, rules, program, budgets);
    const contributions = evaluation.contributions.map((c) => ({
      ruleId: c.ruleId,
      ruleName: c.ruleName,
      campaignId: c.campaignId,
      points: c.points,
      stamps: c.stamps,
      explanation: c.explanation,
    }));
    return {
      campaignId,
      campaignVersion: campaign?.version ?? null,
      points: contributions.reduce((sum, c) => sum + c.points, 0),
      campaignPoints: contributions
        .filter((c) => campaignId !== null && c.campaignId === campaignId)
        .reduce((sum, c) => sum + c.points, 0),
      holdoutPercent: campaign?.holdout_percent ?? 0,
      contributions,
      skipped: evaluation.skipped.map((s) => ({
        ruleId: s.ruleId,
        ruleName: s.ruleName,
        campaignId: s.campaignId,
        reason: s.reason,
        explanation: s.explanation,
      })),
    };
  }

  /** Facts and purchase counts (before the window) of members seen for the first time. */
  async #loadMembers(
    programId: string,
    page: EventRow[],
    from: Date,
    facts: Map<string, MemberFacts>,
    histories: Map<string, MemberHistory>,
  ) {
    const fresh = [...new Set(page.flatMap((r) => (r.member_id && !facts.has(r.member_id) ? [r.member_id] : [])))];
    if (fresh.length === 0) return;
    const members = await memberAttributes(this.deps.db, programId, fresh);
    for (const m of members) {
      facts.set(m.id, { id: m.id, attributes: m.attributes, tier: null, segments: segmentsOf(m.attributes) });
    }
    const counts = await purchasesBefore(this.deps.db, fresh, from);
    for (const c of counts) {
      if (c.member_id) histories.set(c.member_id, { purchases: Number(c.n), stamps: new Map(), awards: [] });
    }
  }
}
