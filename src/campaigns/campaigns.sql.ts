import { type Insertable, sql, type Transaction, type Updateable } from "kysely";
import type {
  CampaignRow,
  CampaignsTable,
  CampaignVersionsTable,
  DB,
  Db,
  RuleRow,
  RulesTable,
  RuleVersionsTable,
} from "../db/schema.ts";
import { parseBudgetKey } from "../earning/campaign-reach.rules.ts";
import { BUDGET_SLICES, splitBudget } from "./budget.rules.ts";

export const findRule = (db: Db, programId: string, id: string) =>
  db.selectFrom("rules").selectAll().where("program_id", "=", programId).where("id", "=", id).executeTakeFirst();

export const findCampaign = (db: Db, programId: string, id: string) =>
  db.selectFrom("campaigns").selectAll().where("program_id", "=", programId).where("id", "=", id).executeTakeFirst();

export function listRules(db: Db, programId: string, filter: { campaignId?: string; status?: string; trigger?: string }) {
  let query = db.selectFrom("rules").selectAll().where("program_id", "=", programId);
  if (filter.campaignId !== undefined) query = query.where("campaign_id", "=", filter.campaignId);
  if (filter.status !== undefined) query = query.where("status", "=", filter.status as RuleRow["status"]);
  if (filter.trigger !== undefined) query = query.where(sql<string>`definition->>'trigger'`, "=", filter.trigger);
  return query.orderBy("id").execute();
}

/** The ids, among `ids`, of the programme's rules. */
export const findRuleIds = (trx: Transaction<DB>, programId: string, ids: string[]) =>
  trx.selectFrom("rules").select("id").where("program_id", "=", programId).where("id", "in", ids).execute();

export const insertRule = (trx: Transaction<DB>, rule: Insertable<RulesTable>) =>
  trx.insertInto("rules").values(rule).returningAll().executeTakeFirstOrThrow();

/** Writes a rule's next version if it is still at `version` (optimistic); undefined if it changed meanwhile. */
export const updateRuleVersion = (trx: Transaction<DB>, ruleId: string, version: number, changes: Updateable<RulesTable>) =>
  trx.updateTable("rules").set(changes).where("id", "=", ruleId).where("version", "=", version).returningAll().executeTakeFirst();

export const insertRuleVersion = (trx: Transaction<DB>, version: Insertable<RuleVersionsTable>) =>
  trx.insertInto("rule_versions").values(version).execute();

/** A rule's saved versions, newest first. */
export const listRuleVersions = (db: Db, ruleId: string) =>
  db.selectFrom("rule_versions").selectAll().where("rule_id", "=", ruleId).orderBy("version", "desc").execute();

export const insertCampaign = (trx: Transaction<DB>, campaign: Insertable<CampaignsTable>) =>
  trx.insertInto("campaigns").values(campaign).returningAll().executeTakeFirstOrThrow();

/** Writes a campaign's next version if it is still at `version` (optimistic); undefined if it changed meanwhile. */
export const updateCampaignVersion = (
  trx: Transaction<DB>,
  campaignId: string,
  version: number,
  changes: Updateable<CampaignsTable>,
) =>
  trx
    .updateTable("campaigns")
    .set(changes)
    .where("id", "=", campaignId)
    .where("version", "=", version)
    .returningAll()
    .executeTakeFirst();

export const insertCampaignVersion = (trx: Transaction<DB>, version: Insertable<CampaignVersionsTable>) =>
  trx.insertInto("campaign_versions").values(version).execute();

/** A campaign's saved versions, newest first. */
export const listCampaignVersions = (db: Db, campaignId: string) =>
  db.selectFrom("campaign_versions").selectAll().where("campaign_id", "=", campaignId).orderBy("version", "desc").execute();

export const listCampaigns = (db: Db, programId: string) =>
  db.selectFrom("campaigns").selectAll().where("program_id", "=", programId).orderBy("id").execute();

export const rulesOfCampaigns = (db: Db, campaignIds: string[]) =>
  campaignIds.length === 0
    ? Promise.resolve([])
    : db.selectFrom("rules").select(["id", "campaign_id"]).where("campaign_id", "in", campaignIds).orderBy("id").execute();

/** The rules that can award: active, standing or in an active campaign; with their campaigns. */
export async function liveRules(db: Db, programId: string): Promise<{ rule: RuleRow; campaign: CampaignRow | null }[]> {
  const rules = await db
    .selectFrom("rules")
    .selectAll()
    .where("program_id", "=", programId)
    .where("status", "=", "active")
    .orderBy("id")
    .execute();
  const campaignIds = [...new Set(rules.flatMap((r) => (r.campaign_id ? [r.campaign_id] : [])))];
  const campaigns = campaignIds.length
    ? await db.selectFrom("campaigns").selectAll().where("id", "in", campaignIds).where("status", "=", "active").execute()
    : [];
  const byId = new Map(campaigns.map((c) => [c.id, c]));
  return rules.flatMap((rule): { rule: RuleRow; campaign: CampaignRow | null }[] => {
    if (rule.campaign_id === null) return [{ rule, campaign: null }];
    const campaign = byId.get(rule.campaign_id);
    return campaign ? [{ rule, campaign }] : [];
  });
}

/** Marks the programme's rules changed, so every server reloads them on its next event. */
export const bumpRulesRevision = (trx: Transaction<DB>, programId: string) =>
  trx
    .updateTable("programs")
    .set((eb) => ({ rules_revision: eb("rules_revision", "+", 1) }))
    .where("id", "=", programId)
    .execute();

/**
 * What is left of each budget, by budget key (budgetKeyAt: a campaign id, or `id@start` for one
 * occurrence). An occurrence that has not awarded yet has its whole budget left.
 */
export async function budgetRemaining(db: Db, keys: string[]): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const parsed = keys.map((key) => ({ key, ...parseBudgetKey(key) }));
  const campaignIds = [...new Set(parsed.map((k) => k.campaignId))];
  const [rows, budgets] = await Promise.all([
    db
      .selectFrom("campaign_budget_slices")
      .select(["campaign_id", "occurrence", sql<number>`sum(remaining)::bigint`.as("remaining")])
      .where("campaign_id", "in", campaignIds)
      .groupBy(["campaign_id", "occurrence"])
      .execute(),
    db.selectFrom("campaigns").select(["id", "budget_points"]).where("id", "in", campaignIds).execute(),
  ]);
  const left = new Map(rows.map((r) => [`${r.campaign_id}@${r.occurrence}`, Number(r.remaining)]));
  const full = new Map(budgets.map((b) => [b.id, b.budget_points]));
  return new Map(
    parsed.flatMap(({ key, campaignId, occurrence }): [string, number][] => {
      const found = left.get(`${campaignId}@${occurrence}`);
      if (found !== undefined) return [[key, found]];
      const budget = full.get(campaignId);
      return occurrence !== "" && budget !== null && budget !== undefined ? [[key, budget]] : [];
    }),
  );
}

/** The occurrences of a campaign with a budget per occurrence that have opened their budget. */
export const budgetOccurrences = async (trx: Transaction<DB>, campaignId: string) =>
  (
    await trx
      .selectFrom("campaign_budget_slices")
      .select("occurrence")
      .distinct()
      .where("campaign_id", "=", campaignId)
      .orderBy("occurrence")
      .execute()
  ).map((r) => r.occurrence);

/**
 * Makes an occurrence's budget (its slices, full) the first time it awards; a second transaction
 * doing the same waits for the first and then finds the rows.
 */
async function openOccurrence(trx: Transaction<DB>, campaignId: string, occurrence: string) {
  const campaign = await trx.selectFrom("campaigns").select("budget_points").where("id", "=", campaignId).executeTakeFirst();
  const points = campaign?.budget_points;
  if (points === null || points === undefined) return;
  const parts = splitBudget(points);
  await sql`insert into campaign_budget_slices (campaign_id, occurrence, slice, remaining)
    select ${campaignId}, ${occurrence}, s, (array[${sql.join(parts)}]::bigint[])[s + 1] from generate_series(0, ${BUDGET_SLICES - 1}) s
    on conflict (campaign_id, occurrence, slice) do nothing`.execute(trx);
}

/** Removes a campaign's budget (every occurrence's): its rules award without limit again. */
export async function dropBudget(trx: Transaction<DB>, campaignId: string) {
  await trx.deleteFrom("campaign_budget_slices").where("campaign_id", "=", campaignId).execute();
}

/** Adds points to a budget: the whole campaign's ('') or one occurrence's. */
export async function addToBudget(trx: Transaction<DB>, campaignId: string, points: number, occurrence = "") {
  if (points === 0) return;
  const parts = splitBudget(points);
  await sql`insert into campaign_budget_slices (campaign_id, occurrence, slice, remaining)
    select ${campaignId}, ${occurrence}, s, (array[${sql.join(parts)}]::bigint[])[s + 1] from generate_series(0, ${BUDGET_SLICES - 1}) s
    on conflict (campaign_id, occurrence, slice) do update set remaining = campaign_budget_slices.remaining + excluded.remaining`.execute(
    trx,
  );
}

/**
 * Takes up to `points` from a campaign's budget and returns how many it got. It first tries the
 * member's home slice alone (one row lock, rarely contended); only if that slice cannot cover it
 * does it lock every slice with points left, in slice order, and take what they hold. Under
 * concurrency the budget ends exactly spent, never overspent.
 *
 * The first try skips a locked slice rather than wait for it: an UPDATE that waits and then finds
 * the slice short still keeps it locked (READ COMMITTED locks the new row version before checking
 * it again), and holding a slice out of order while sweeping the others deadlocks with sweepers.
 */
export async function takeFromBudget(
  trx: Transaction<DB>,
  campaignId: string,
  home: number,
  points: number,
  occurrence = "",
): Promise<number> {
  if (occurrence !== "") await openOccurrence(trx, campaignId, occurrence);
  const single = await sql<{ slice: number }>`with free as (
      select slice from campaign_budget_slices
      where campaign_id = ${campaignId} and occurrence = ${occurrence} and slice = ${home} and remaining >= ${points}
      for update skip locked)
    update campaign_budget_slices s set remaining = s.remaining - ${points}
    from free where s.campaign_id = ${campaignId} and s.occurrence = ${occurrence} and s.slice = free.slice
    returning s.slice`.execute(trx);
  if (single.rows.length > 0) return points;
  const slices = await sql<{ slice: number; remaining: number }>`select slice, remaining from campaign_budget_slices
    where campaign_id = ${campaignId} and occurrence = ${occurrence} and remaining > 0 order by slice for update`.execute(trx);
  const takes: { slice: number; take: number }[] = [];
  let left = points;
  for (const s of slices.rows) {
    if (left === 0) break;
    const take = Math.min(left, s.remaining);
    takes.push({ slice: s.slice, take });
    left -= take;
  }
  if (takes.length > 0) {
    await sql`update campaign_budget_slices set remaining = remaining - x.take
      from jsonb_to_recordset(${JSON.stringify(takes)}::jsonb) as x(slice smallint, take bigint)
      where campaign_id = ${campaignId} and occurrence = ${occurrence} and campaign_budget_slices.slice = x.slice`.execute(trx);
  }
  return points - left;
}

/** Takes points out of a budget that is being lowered; false if fewer than that are left. */
export async function removeFromBudget(
  trx: Transaction<DB>,
  campaignId: string,
  points: number,
  occurrence = "",
): Promise<boolean> {
  if (points === 0) return true;
  return (await takeFromBudget(trx, campaignId, 0, points, occurrence)) === points;
}

/** Gives points back to a budget (a return took them back from the member). */
export async function refundBudget(trx: Transaction<DB>, campaignId: string, home: number, points: number, occurrence = "") {
  if (points === 0) return;
  await sql`update campaign_budget_slices set remaining = remaining + ${points}
    where campaign_id = ${campaignId} and occurrence = ${occurrence} and slice = ${home}`.execute(trx);
}

/**
 * The rules as they stood at `at`: each rule's latest version in force by then (saved by then, or its
 * first version put in force earlier: in_force_from), with its campaign's
 * latest version saved by then (status, schedule, audience, holdout, budget as they were).
 */
export async function rulesAsOf(db: Db, programId: string, at: Date) {
  const rules = await sql<{
    id: string;
    campaign_id: string | null;
    version: number;
    name: string;
    status: RuleRow["status"];
    definition: unknown;
  }>`select distinct on (v.rule_id) v.rule_id as id, r.campaign_id, v.version, v.name, v.status, v.definition
    from rule_versions v join rules r on r.id = v.rule_id
    where r.program_id = ${programId} and coalesce(v.in_force_from, v.created_at) <= ${at}
    order by v.rule_id, v.version desc`.execute(db);
  const campaigns = await sql<{ campaign_id: string; version: number; definition: Record<string, unknown> }>`
    select distinct on (v.campaign_id) v.campaign_id, v.version, v.definition
    from campaign_versions v join campaigns c on c.id = v.campaign_id
    where c.program_id = ${programId} and v.created_at <= ${at}
    order by v.campaign_id, v.version desc`.execute(db);
  return { rules: rules.rows, campaigns: campaigns.rows };
}

/**
 * Every saved version of the programme's rules and campaigns, with when each was saved: what
 * rulesAsOf() picks from for one time, read once so a batch of events that occurred at many
 * times (an offline till syncing, a history import) is judged without a read per time.
 */
export async function versionHistory(db: Db, programId: string) {
  const rules = await sql<{
    id: string;
    campaign_id: string | null;
    version: number;
    name: string;
    status: RuleRow["status"];
    definition: unknown;
    in_force_from: Date | string | null;
    created_at: Date | string;
  }>`select v.rule_id as id, r.campaign_id, v.version, v.name, v.status, v.definition, v.in_force_from, v.created_at
    from rule_versions v join rules r on r.id = v.rule_id
    where r.program_id = ${programId}
    order by v.rule_id, v.version`.execute(db);
  const campaigns = await sql<{
    campaign_id: string;
    version: number;
    definition: Record<string, unknown>;
    created_at: Date | string;
  }>`select v.campaign_id, v.version, v.definition, v.created_at
    from campaign_versions v join campaigns c on c.id = v.campaign_id
    where c.program_id = ${programId}
    order by v.campaign_id, v.version`.execute(db);
  return {
    rules: rules.rows.map((r) => ({
      ...r,
      in_force_from: r.in_force_from === null ? null : new Date(r.in_force_from),
      created_at: new Date(r.created_at),
    })),
    campaigns: campaigns.rows.map((c) => ({ ...c, created_at: new Date(c.created_at) })),
  };
}
