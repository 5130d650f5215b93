import { isDeepStrictEqual } from "node:util";
import type { Transaction } from "kysely";
import type { CampaignRow, DB, Db, RuleRow } from "../db/schema.ts";
import { parseBudgetKey } from "../earning/campaign-reach.rules.ts";
import { type RuleDefinition, RuleDefinitionSchema } from "../earning/earning.schemas.ts";
import type { LiveRule } from "../earning/earning.types.ts";
import { resolveBound } from "../earning/periods.rules.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import type { ProgramService } from "../programs/programs.service.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { ActorNames } from "../shared/principal.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import {
  type BudgetRefund,
  type BudgetWant,
  grantFromRemaining,
  homeSlice,
  refundsInLockOrder,
  takeOrder,
} from "./budget.rules.ts";
import { changeBudget } from "./campaigns.budget-change.ts";
import { liveRulesFromVersions, toLiveRule } from "./campaigns.live-rules.ts";
import type { CreateCampaignInput, CreateRuleInput, UpdateCampaignInput, UpdateRuleInput } from "./campaigns.schemas.ts";
import * as q from "./campaigns.sql.ts";
import { campaignView, ruleView, viewedBudgetKey } from "./campaigns.views.ts";
import { type Recurrence, recurrenceProblem } from "./recurrence.rules.ts";
import { inForceFromProblem, type RulesAt, ruleTimeline } from "./rule-timeline.rules.ts";

const TRANSITIONS: Record<CampaignRow["status"], CampaignRow["status"][]> = {
  draft: ["draft", "active", "ended"],
  active: ["active", "paused", "ended"],
  paused: ["paused", "active", "ended"],
  ended: ["ended"],
};

/** Earn rules and campaigns: definitions with versions, budgets, and the live rule set per programme. */
export class CampaignService {
  readonly #cache = new Map<string, { revision: number; rules: LiveRule[] }>();
  readonly #timelines = new Map<string, { revision: number; rulesAt: RulesAt }>();

  constructor(private readonly deps: ServiceDeps & { programs: ProgramService; actorNames: ActorNames }) {}

  /** The programme's live rules, cached per server until a rule or campaign changes (`revision`). */
  async liveRules(db: Db, programId: string, revision: number): Promise<LiveRule[]> {
    const cached = this.#cache.get(programId);
    if (cached && cached.revision === revision) return cached.rules;
    const rules = (await q.liveRules(db, programId)).map(({ rule, campaign }) => toLiveRule(rule, campaign));
    this.#cache.set(programId, { revision, rules });
    return rules;
  }

  /**
   * The rules in force at any time, for events judged as of when they occurred: the live rules
   * from the last saved version on, the versions saved by then before it. Cached per server with
   * the live rules, until a rule or campaign changes (`revision`).
   */
  async ruleTimeline(db: Db, programId: string, revision: number): Promise<RulesAt> {
    const live = await this.liveRules(db, programId, revision);
    const cached = this.#timelines.get(programId);
    if (cached && cached.revision === revision) return cached.rulesAt;
    const rulesAt = ruleTimeline(live, await q.versionHistory(db, programId));
    this.#timelines.set(programId, { revision, rulesAt });
    return rulesAt;
  }

  /**
   * The rules that could award at `at`, as they were then: a guest purchase claimed later, or a
   * dry run as of a past time, is judged by the rule and campaign versions in force when it happened.
   */
  async rulesAt(db: Db, programId: string, at: Date): Promise<LiveRule[]> {
    return liveRulesFromVersions(await q.rulesAsOf(db, programId, at));
  }

  /**
   * Takes what a batch of events wants from each budgeted campaign (one take per campaign, in id
   * order) and answers how much each granted: the member's home slice first, then any slice.
   */
  async takeBudgets(trx: Transaction<DB>, wants: Map<string, BudgetWant>): Promise<Map<string, number>> {
    const granted = new Map<string, number>();
    for (const [key, want] of takeOrder(wants)) {
      const { campaignId, occurrence } = parseBudgetKey(key);
      granted.set(key, await q.takeFromBudget(trx, campaignId, homeSlice(want.memberId), want.points, occurrence));
    }
    return granted;
  }

  /** What takeBudgets() would grant now, taking nothing (a dry run). */
  async previewBudgets(db: Db, wants: Map<string, BudgetWant>): Promise<Map<string, number>> {
    return grantFromRemaining(wants, await q.budgetRemaining(db, [...wants.keys()]));
  }

  /** Gives points back to campaign budgets (returns, refusals, grants not used). */
  async refundBudgets(trx: Transaction<DB>, refunds: BudgetRefund[]): Promise<void> {
    for (const r of refundsInLockOrder(refunds)) {
      const { campaignId, occurrence } = parseBudgetKey(r.budgetKey);
      await q.refundBudget(trx, campaignId, r.slice, r.points, occurrence);
    }
  }

  // -- rules ------------------------------------------------------------------------------------

  createRule(ctx: MutationContext, programId: string, input: CreateRuleInput) {
    return this.deps.uow.run(ctx, 201, async (trx) => {
      const { campaignId, status, inForceFrom, ...definition } = input;
      const now = this.deps.clock.now();
      const inForceFromAt = inForceFrom === undefined ? null : new Date(inForceFrom);
      const problem = inForceFromAt && inForceFromProblem(inForceFromAt, now, campaignId !== undefined);
      if (problem) throw new DomainError("validation_error", problem, { field: "inForceFrom" });
      if (campaignId !== undefined && !(await q.findCampaign(trx, programId, campaignId))) {
        throw new DomainError("validation_error", `Campaign ${campaignId} was not found`, { field: "campaignId" });
      }
      await this.#checkDefinition(trx, programId, definition);
      const row = await q.insertRule(trx, {
        id: this.deps.ids("rule"),
        program_id: programId,
        campaign_id: campaignId ?? null,
        name: definition.name,
        status,
        version: 1,
        definition: JSON.stringify(definition),
        in_force_from: inForceFromAt,
        created_at: now,
        updated_at: now,
      });
      await this.#saveRuleVersion(trx, row, ctx.actor);
      await q.bumpRulesRevision(trx, programId);
      return ruleView(row);
    });
  }

  updateRule(ctx: MutationContext, programId: string, ruleId: string, patch: UpdateRuleInput) {
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const current = await q.findRule(trx, programId, ruleId);
      if (!current) throw notFound("Rule", ruleId);
      ctx.audit = { before: ruleView(current) };
      const { status, ...changes } = patch as UpdateRuleInput & { status?: RuleRow["status"] };
      const parsed = RuleDefinitionSchema.safeParse({ ...(current.definition as RuleDefinition), ...changes });
      if (!parsed.success) {
        throw new DomainError("validation_error", parsed.error.issues[0]?.message ?? "Invalid rule", {
          issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
        });
      }
      await this.#checkDefinition(trx, programId, parsed.data);
      const row = await q.updateRuleVersion(trx, ruleId, current.version, {
        name: parsed.data.name,
        status: status ?? current.status,
        version: current.version + 1,
        definition: JSON.stringify(parsed.data),
        updated_at: this.deps.clock.now(),
      });
      if (!row) throw new DomainError("conflict", `Rule ${ruleId} was changed meanwhile; retry`);
      await this.#saveRuleVersion(trx, row, ctx.actor);
      await q.bumpRulesRevision(trx, programId);
      return ruleView(row);
    });
  }

  async getRule(programId: string, ruleId: string) {
    const row = await q.findRule(this.deps.db, programId, ruleId);
    if (!row) throw notFound("Rule", ruleId);
    return ruleView(row);
  }

  async listRules(programId: string, filter: { campaignId?: string; status?: string; trigger?: string }) {
    return { data: (await q.listRules(this.deps.db, programId, filter)).map(ruleView) };
  }

  async ruleVersions(programId: string, ruleId: string) {
    await this.getRule(programId, ruleId);
    const rows = await q.listRuleVersions(this.deps.db, ruleId);
    const names = await this.deps.actorNames(
      programId,
      rows.map((r) => r.actor),
    );
    return {
      data: rows.map((r) => ({
        version: r.version,
        definition: { name: r.name, status: r.status, ...(r.definition as object) },
        actor: r.actor,
        actorName: names.get(r.actor) ?? null,
        createdAt: r.created_at,
      })),
    };
  }

  async #checkDefinition(trx: Transaction<DB>, programId: string, definition: RuleDefinition) {
    const effect = definition.effect;
    if (effect.type === "multiplier" && effect.appliesTo?.length) {
      const found = await q.findRuleIds(trx, programId, effect.appliesTo);
      const missing = effect.appliesTo.filter((id) => !found.some((f) => f.id === id));
      if (missing.length) {
        throw new DomainError("validation_error", `effect.appliesTo names unknown rules: ${missing.join(", ")}`, {
          field: "effect.appliesTo",
        });
      }
    }
  }

  #saveRuleVersion(trx: Transaction<DB>, row: RuleRow, actor: string) {
    return q.insertRuleVersion(trx, {
      rule_id: row.id,
      version: row.version,
      name: row.name,
      status: row.status,
      definition: JSON.stringify(row.definition),
      actor,
      // Only the first version may be put in force before it was saved; a later one is in force from its save.
      in_force_from: row.version === 1 ? row.in_force_from : null,
      created_at: row.updated_at,
    });
  }

  // -- campaigns --------------------------------------------------------------------------------

  async createCampaign(ctx: MutationContext, programId: string, input: CreateCampaignInput) {
    // Read before the transaction: on PGlite a transaction holds the only connection.
    const program = await this.deps.programs.get(programId);
    return this.deps.uow.run(ctx, 201, async (trx) => {
      const now = this.deps.clock.now();
      const schedule = this.#schedule(input.startsAt ?? null, input.endsAt ?? null, program.timezone);
      const recurrence = this.#recurrence(input.recurrence ?? null, input.budgetPer, program.timezone);
      const row = await q.insertCampaign(trx, {
        id: this.deps.ids("campaign"),
        program_id: programId,
        name: input.name,
        description: input.description ?? null,
        status: input.status,
        starts_at: schedule.startsAt,
        ends_at: schedule.endsAt,
        audience: JSON.stringify(input.audience),
        holdout_percent: input.holdoutPercent,
        budget_points: input.budgetPoints ?? null,
        recurrence: recurrence === null ? null : JSON.stringify(recurrence),
        budget_per: input.budgetPer,
        version: 1,
        created_at: now,
        updated_at: now,
      });
      // A budget per occurrence is made as each occurrence first awards.
      if (row.budget_points !== null && row.budget_per === "campaign") await q.addToBudget(trx, row.id, row.budget_points);
      await this.#saveCampaignVersion(trx, row, ctx.actor);
      await q.bumpRulesRevision(trx, programId);
      return this.#campaignView(trx, row, program.timezone);
    });
  }

  async updateCampaign(ctx: MutationContext, programId: string, campaignId: string, patch: UpdateCampaignInput) {
    const program = await this.deps.programs.get(programId);
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const current = await q.findCampaign(trx, programId, campaignId);
      if (!current) throw notFound("Campaign", campaignId);
      ctx.audit = { before: await this.#campaignView(trx, current, program.timezone) };
      const input = patch as Partial<CreateCampaignInput>;
      const status = input.status ?? current.status;
      if (!TRANSITIONS[current.status].includes(status)) {
        throw new DomainError("invalid_state", `A ${current.status} campaign cannot become ${status}`, {
          from: current.status,
          to: status,
        });
      }
      const schedule = this.#schedule(
        input.startsAt !== undefined ? input.startsAt : (current.starts_at?.toISOString() ?? null),
        input.endsAt !== undefined ? input.endsAt : (current.ends_at?.toISOString() ?? null),
        program.timezone,
      );
      const budget = input.budgetPoints !== undefined ? input.budgetPoints : current.budget_points;
      const budgetPer = input.budgetPer ?? current.budget_per;
      const recurrence = this.#recurrence(
        input.recurrence !== undefined ? input.recurrence : ((current.recurrence ?? null) as Recurrence | null),
        budgetPer,
        program.timezone,
      );
      // Awards already taken from an occurrence's budget must find it again on a return.
      if (
        current.status !== "draft" &&
        current.budget_per === "occurrence" &&
        current.budget_points !== null &&
        !isDeepStrictEqual(recurrence, current.recurrence ?? null)
      ) {
        throw new DomainError(
          "invalid_state",
          "The recurrence of a campaign with a budget per occurrence can be changed on a draft only; create a new campaign",
          { field: "recurrence" },
        );
      }
      await changeBudget(trx, current, budget, budgetPer);
      const row = await q.updateCampaignVersion(trx, campaignId, current.version, {
        name: input.name ?? current.name,
        description: input.description !== undefined ? input.description : current.description,
        status,
        starts_at: schedule.startsAt,
        ends_at: schedule.endsAt,
        audience: JSON.stringify(input.audience ?? current.audience),
        holdout_percent: input.holdoutPercent ?? current.holdout_percent,
        budget_points: budget,
        recurrence: recurrence === null ? null : JSON.stringify(recurrence),
        budget_per: budgetPer,
        version: current.version + 1,
        updated_at: this.deps.clock.now(),
      });
      if (!row) throw new DomainError("conflict", `Campaign ${campaignId} was changed meanwhile; retry`);
      await this.#saveCampaignVersion(trx, row, ctx.actor);
      await q.bumpRulesRevision(trx, programId);
      return this.#campaignView(trx, row, program.timezone);
    });
  }

  async getCampaign(programId: string, campaignId: string) {
    const program = await this.deps.programs.get(programId);
    const row = await q.findCampaign(this.deps.db, programId, campaignId);
    if (!row) throw notFound("Campaign", campaignId);
    return this.#campaignView(this.deps.db, row, program.timezone);
  }

  async listCampaigns(programId: string) {
    const program = await this.deps.programs.get(programId);
    const rows = await q.listCampaigns(this.deps.db, programId);
    const now = this.deps.clock.now();
    const [remaining, rules] = await Promise.all([
      q.budgetRemaining(
        this.deps.db,
        rows.filter((r) => r.budget_points !== null).map((r) => viewedBudgetKey(r, now, program.timezone)),
      ),
      q.rulesOfCampaigns(
        this.deps.db,
        rows.map((r) => r.id),
      ),
    ]);
    return { data: rows.map((row) => campaignView(row, remaining, rules, now, program.timezone)) };
  }

  async campaignVersions(programId: string, campaignId: string) {
    await this.getCampaign(programId, campaignId);
    const rows = await q.listCampaignVersions(this.deps.db, campaignId);
    const names = await this.deps.actorNames(
      programId,
      rows.map((r) => r.actor),
    );
    return {
      data: rows.map((r) => ({
        version: r.version,
        definition: r.definition as Record<string, unknown>,
        actor: r.actor,
        actorName: names.get(r.actor) ?? null,
        createdAt: r.created_at,
      })),
    };
  }

  /** A campaign and its rules as they stand now, drafts included (for a backtest). */
  async campaignWithRules(programId: string, campaignId: string): Promise<{ campaign: CampaignRow; rules: LiveRule[] }> {
    const campaign = await q.findCampaign(this.deps.db, programId, campaignId);
    if (!campaign) throw notFound("Campaign", campaignId);
    const rules = await q.listRules(this.deps.db, programId, { campaignId, status: "active" });
    return { campaign, rules: rules.map((r) => toLiveRule(r, campaign)) };
  }

  #schedule(startsAt: string | null, endsAt: string | null, timezone: string) {
    const start = startsAt === null ? null : resolveBound(startsAt, timezone, "start");
    const end = endsAt === null ? null : resolveBound(endsAt, timezone, "end");
    if (start && end && end <= start) {
      throw new DomainError("validation_error", "endsAt must be after startsAt", { field: "endsAt" });
    }
    return { startsAt: start, endsAt: end };
  }

  /** A recurrence checked in the programme's time zone; a budget per occurrence needs one. */
  #recurrence(recurrence: Recurrence | null, budgetPer: "campaign" | "occurrence", timezone: string): Recurrence | null {
    if (recurrence !== null) {
      const problem = recurrenceProblem(recurrence, timezone);
      if (problem) {
        throw new DomainError("validation_error", problem.message, {
          field: problem.field,
          issues: [{ path: problem.field, message: problem.message, code: "custom" }],
        });
      }
    }
    if (recurrence === null && budgetPer === "occurrence") {
      throw new DomainError("validation_error", "A budget per occurrence needs a recurrence", { field: "budgetPer" });
    }
    return recurrence;
  }

  #saveCampaignVersion(trx: Transaction<DB>, row: CampaignRow, actor: string) {
    const { id: _id, program_id: _p, version: _v, created_at: _c, updated_at: _u, ...definition } = row;
    return q.insertCampaignVersion(trx, {
      campaign_id: row.id,
      version: row.version,
      definition: JSON.stringify(definition),
      actor,
      created_at: row.updated_at,
    });
  }

  async #campaignView(db: Db, row: CampaignRow, timezone: string) {
    const now = this.deps.clock.now();
    const [remaining, rules] = await Promise.all([
      q.budgetRemaining(db, row.budget_points === null ? [] : [viewedBudgetKey(row, now, timezone)]),
      q.rulesOfCampaigns(db, [row.id]),
    ]);
    return campaignView(row, remaining, rules, now, timezone);
  }
}
