import type { CodeFormat, Db, RewardRow } from "../db/schema.ts";
import { resolveBound } from "../earning/periods.rules.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import type { LedgerService } from "../ledger/ledger.service.ts";
import { spendableBalance } from "../ledger/lots.rules.ts";
import { segmentsOf } from "../members/members.rules.ts";
import type { ProgramService } from "../programs/programs.service.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import { tellValidation } from "../shared/field-words.ts";
import { must } from "../shared/must.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { codeKey, normalizeCode } from "./codes.rules.ts";
import {
  type MemberStanding,
  maxQuantity,
  nextReward,
  rankRecommendations,
  rewardTerms,
  unavailableReasons,
  usedInPeriod,
} from "./rewards.rules.ts";
import { type CreateRewardInput, RewardValueSchemas, type RewardView, type UpdateRewardInput } from "./rewards.schemas.ts";
import * as q from "./rewards.sql.ts";
import { rewardSummary, rewardView } from "./views.ts";

/** How the catalogue learns a member's tier; the tiers domain answers with reviews due by `asOf` applied. */
export type TierLookup = (
  db: Db,
  programId: string,
  memberIds: string[],
  asOf: Date,
) => Promise<Map<string, { id: string; name: string; rank: number } | null>>;

const DAY = 86_400_000;

export class RewardService {
  constructor(
    private readonly deps: ServiceDeps & {
      programs: ProgramService;
      ledger: LedgerService;
      tierOf: TierLookup;
    },
  ) {}

  async #checkTier(db: Db, programId: string, tierId: string | null | undefined) {
    if (!tierId) return;
    const tiers = await q.tiersById(db, programId);
    if (!tiers.has(tierId)) {
      throw new DomainError("validation_error", `Tier ${tierId} is not one of this programme's tiers`, { field: "minTierId" });
    }
  }

  #value(type: RewardRow["type"], value: unknown) {
    const schema = RewardValueSchemas[type];
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const told = tellValidation(parsed.error, schema, value, "body");
      throw new DomainError("validation_error", told.message, {
        field: "value",
        issues: told.issues.map((i) => ({ ...i, path: i.path ? `value.${i.path}` : "value" })),
      });
    }
    return parsed.data as Record<string, unknown>;
  }

  #window(from: string | null | undefined, until: string | null | undefined, timezone: string) {
    const f = from ? resolveBound(from, timezone, "start") : from === null ? null : undefined;
    const u = until ? resolveBound(until, timezone, "end") : until === null ? null : undefined;
    return { from: f, until: u };
  }

  // The programme is read before the transaction: on PGlite a read outside it would wait for it.
  async create(ctx: MutationContext, programId: string, input: CreateRewardInput) {
    const program = await this.deps.programs.get(programId);
    return this.deps.uow.run(ctx, 201, async (trx) => {
      const value = this.#value(input.type, input.value);
      await this.#checkTier(trx, programId, input.minTierId);
      const window = this.#window(input.availableFrom, input.availableUntil, program.timezone);
      if (window.from && window.until && window.until <= window.from) {
        throw new DomainError("validation_error", "availableUntil must be after availableFrom", { field: "availableUntil" });
      }
      const codeFormat: CodeFormat =
        input.codeFormat ?? (input.type === "donation" ? { type: "none" } : { type: "generated", length: 12 });
      const now = this.deps.clock.now();
      const row = await q.insertReward(trx, {
        id: this.deps.ids("reward"),
        program_id: programId,
        name: input.name,
        description: input.description ?? null,
        type: input.type,
        value: JSON.stringify(value),
        category: input.category ?? null,
        image_url: input.imageUrl ?? null,
        status: input.status,
        cost_points: input.costPoints,
        unit_cost: input.unitCost ?? null,
        stock_total: input.stock ?? null,
        stock_remaining: input.stock ?? null,
        member_limit: JSON.stringify(input.memberLimit ?? null),
        available_from: window.from ?? null,
        available_until: window.until ?? null,
        min_tier_id: input.minTierId ?? null,
        segments: JSON.stringify(input.segments),
        voucher_valid_days: input.voucherValidDays ?? null,
        code_format: JSON.stringify(codeFormat),
        created_at: now,
        updated_at: now,
      });
      return rewardView(row, codeFormat.type === "pool" ? 0 : null);
    });
  }

  async update(ctx: MutationContext, programId: string, rewardId: string, input: UpdateRewardInput) {
    const program = await this.deps.programs.get(programId);
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const row = await q.findRewardForUpdate(trx, programId, rewardId);
      if (!row) throw notFound("Reward", rewardId);
      await this.#checkTier(trx, programId, input.minTierId);
      const window = this.#window(input.availableFrom, input.availableUntil, program.timezone);
      const from = window.from === undefined ? row.available_from : window.from;
      const until = window.until === undefined ? row.available_until : window.until;
      if (from && until && until <= from) {
        throw new DomainError("validation_error", "availableUntil must be after availableFrom", { field: "availableUntil" });
      }
      let stock: { stock_total: number | null; stock_remaining: number | null } | null = null;
      if (input.stock !== undefined) {
        if (input.stock === null) stock = { stock_total: null, stock_remaining: null };
        else {
          // Units already redeemed or reserved stay taken: the new total moves what remains.
          const taken =
            row.stock_total === null || row.stock_remaining === null
              ? await q.unitsTaken(trx, rewardId)
              : row.stock_total - row.stock_remaining;
          if (input.stock < taken) {
            throw new DomainError("conflict", `Stock cannot go below the ${taken} units already redeemed or reserved`, {
              field: "stock",
              taken,
            });
          }
          stock = { stock_total: input.stock, stock_remaining: input.stock - taken };
        }
      }
      const updated = await q.updateReward(trx, rewardId, {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.value !== undefined && { value: JSON.stringify(this.#value(row.type, input.value)) }),
        ...(input.costPoints !== undefined && { cost_points: input.costPoints }),
        ...(input.unitCost !== undefined && { unit_cost: input.unitCost }),
        ...(input.category !== undefined && { category: input.category }),
        ...(input.imageUrl !== undefined && { image_url: input.imageUrl }),
        ...(input.status !== undefined && { status: input.status }),
        ...(stock ?? {}),
        ...(input.memberLimit !== undefined && { member_limit: JSON.stringify(input.memberLimit) }),
        available_from: from,
        available_until: until,
        ...(input.minTierId !== undefined && { min_tier_id: input.minTierId }),
        ...(input.segments !== undefined && { segments: JSON.stringify(input.segments) }),
        ...(input.voucherValidDays !== undefined && { voucher_valid_days: input.voucherValidDays }),
        version: row.version + 1,
        updated_at: this.deps.clock.now(),
      });
      const codes = updated.code_format.type === "pool" ? ((await q.codesAvailable(trx, [rewardId])).get(rewardId) ?? 0) : null;
      ctx.audit = { before: rewardView(row, row.code_format.type === "pool" ? codes : null) };
      return rewardView(updated, codes);
    });
  }

  async get(programId: string, rewardId: string): Promise<RewardView> {
    const row = await q.findReward(this.deps.db, programId, rewardId);
    if (!row) throw notFound("Reward", rewardId);
    const codes = row.code_format.type === "pool" ? ((await q.codesAvailable(this.deps.db, [row.id])).get(row.id) ?? 0) : null;
    return rewardView(row, codes);
  }

  async list(
    programId: string,
    filter: { status?: RewardRow["status"]; type?: RewardRow["type"]; limit: number; cursor?: string },
  ) {
    const rows = await q.listRewards(this.deps.db, programId, filter);
    const page = rows.slice(0, filter.limit);
    const codes = await q.codesAvailable(
      this.deps.db,
      page.filter((r) => r.code_format.type === "pool").map((r) => r.id),
    );
    return {
      data: page.map((r) => rewardView(r, r.code_format.type === "pool" ? (codes.get(r.id) ?? 0) : null)),
      nextCursor: rows.length > filter.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  importCodes(ctx: MutationContext, programId: string, rewardId: string, codes: string[]) {
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const row = await q.findReward(trx, programId, rewardId);
      if (!row) throw notFound("Reward", rewardId);
      if (row.code_format.type !== "pool") {
        throw new DomainError(
          "invalid_state",
          `Reward ${rewardId} generates its codes (codeFormat ${row.code_format.type}); only pool rewards take imported codes`,
        );
      }
      const typed = codesToImport(codes);
      const known = await q.codesByKey(trx, programId, [...new Set(typed.map((t) => t.key))]);
      refuseLookalikes(typed, known);
      const knownCodes = new Set(known.map((k) => k.code));
      const wanted = [...new Map(typed.filter((t) => !knownCodes.has(t.code)).map((t) => [t.key, t])).values()];
      const now = this.deps.clock.now();
      const inserted = await q.insertCodes(trx, programId, rewardId, wanted, now);
      // A code is skipped when this programme already knows it, or it came earlier in this import.
      const fresh = new Set(inserted.map((r) => r.code));
      const skipped = codes.filter((_, i) => {
        const code = must(typed[i], "each code's form").code;
        if (!fresh.has(code)) return true;
        fresh.delete(code);
        return false;
      });
      return {
        imported: inserted.length,
        skipped,
        codesAvailable: (await q.codesAvailable(trx, [rewardId])).get(rewardId) ?? 0,
      };
    });
  }

  /**
   * What a member stands to redeem: every active reward with whether they can redeem it at `at`
   * and, if not, every reason. Reads only; a redemption checks again under the member's lock.
   */
  async memberRewards(programId: string, memberId: string, at: Date) {
    const { standing, rows, codes, lapsed, tiers, usage, timezone } = await this.#standing(programId, memberId, at);
    return {
      memberId,
      available: standing.available,
      data: rows.map((row) => {
        const terms = rewardTerms(row, tiers, codes.get(row.id) ?? null, lapsed.get(row.id) ?? 0);
        const member: MemberStanding = { ...standing, usedInPeriod: usedInPeriod(usage, row, at, timezone) };
        const reasons = unavailableReasons(terms, member, 1, at);
        return {
          reward: rewardSummary(row),
          redeemable: reasons.length === 0,
          reasons,
          maxQuantity: maxQuantity(terms, member, at),
        };
      }),
    };
  }

  async #standing(programId: string, memberId: string, at: Date) {
    const db = this.deps.db;
    const member = await q.findMember(db, programId, memberId);
    if (!member) throw notFound("Member", memberId);
    const program = await this.deps.programs.get(programId);
    const [{ book }, rows, tiers, usage, tierOf] = await Promise.all([
      this.deps.ledger.bookAsOf(db, memberId, at),
      q.activeRewards(db, programId),
      q.tiersById(db, programId),
      q.memberUsage(db, memberId, at),
      this.deps.tierOf(db, programId, [memberId], at),
    ]);
    const [codes, lapsed] = await Promise.all([
      q.codesAvailable(
        db,
        rows.filter((r) => r.code_format.type === "pool").map((r) => r.id),
      ),
      q.lapsedUnits(
        db,
        rows.map((r) => r.id),
        at,
      ),
    ]);
    const standing: Omit<MemberStanding, "usedInPeriod"> = {
      status: member.status,
      available: spendableBalance(book, at),
      tier: tierOf.get(memberId) ?? null,
      segments: segmentsOf(member.attributes),
    };
    return { standing, rows, codes, lapsed, tiers, usage, timezone: program.timezone, book };
  }

  /**
   * The rewards most relevant to a member: affordable now or soon at their recent pace, in the
   * categories they buy, and popular with members of their tier; each with a one-line reason.
   */
  async recommendations(programId: string, memberId: string, limit: number) {
    const at = this.deps.clock.now();
    const { standing, rows, codes, lapsed, tiers, usage, timezone } = await this.#standing(programId, memberId, at);
    const since = new Date(at.getTime() - 365 * DAY);
    const [mix, earned90, popular] = await Promise.all([
      q.purchaseMix(this.deps.db, memberId, since),
      q.recentEarnings(this.deps.db, memberId, new Date(at.getTime() - 90 * DAY)),
      q.popularity(this.deps.db, programId, standing.tier?.id ?? null, new Date(at.getTime() - 90 * DAY)),
    ]);
    const total = mix.reduce((sum, m) => sum + m.spend, 0);
    const categoryShare = new Map<string, number>();
    const skuShare = new Map<string, number>();
    if (total > 0) {
      for (const m of mix) {
        if (m.category) categoryShare.set(m.category, (categoryShare.get(m.category) ?? 0) + m.spend / total);
        if (m.sku) skuShare.set(m.sku, (skuShare.get(m.sku) ?? 0) + m.spend / total);
      }
    }
    const ranked = rankRecommendations(
      rows.map((row) => {
        const terms = rewardTerms(row, tiers, codes.get(row.id) ?? null, lapsed.get(row.id) ?? 0);
        const member: MemberStanding = { ...standing, usedInPeriod: usedInPeriod(usage, row, at, timezone) };
        const reasons = unavailableReasons(terms, member, 1, at);
        return {
          reward: {
            id: row.id,
            name: row.name,
            costPoints: row.cost_points,
            category: row.category,
            sku: row.type === "free_product" ? String(row.value.sku ?? "") || null : null,
          },
          blocked: reasons.some((r) => r.code !== "insufficient_points"),
          popularity: popular.get(row.id) ?? 0,
        };
      }),
      {
        available: standing.available,
        earnPerDay: earned90 / 90,
        categoryShare,
        skuShare,
        peers: standing.tier ? `${standing.tier.name} members` : "members like you",
      },
      limit,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return {
      memberId,
      data: ranked.map(({ rewardId, ...rest }) => ({ reward: rewardSummary(byId.get(rewardId) as RewardRow), ...rest })),
    };
  }

  /** What a portal shows beside a balance: the cheapest reward not yet in reach, and when points expire. */
  async outlook(programId: string, memberId: string) {
    const at = this.deps.clock.now();
    const { standing, rows, codes, lapsed, tiers, usage, timezone, book } = await this.#standing(programId, memberId, at);
    // Only rewards the member could redeem once they have the points.
    const attainable = rows.filter((row) => {
      const terms = rewardTerms(row, tiers, codes.get(row.id) ?? null, lapsed.get(row.id) ?? 0);
      const member: MemberStanding = { ...standing, usedInPeriod: usedInPeriod(usage, row, at, timezone) };
      return unavailableReasons(terms, member, 1, at).every((r) => r.code === "insufficient_points");
    });
    const next = nextReward(
      attainable.map((r) => ({ rewardId: r.id, name: r.name, costPoints: r.cost_points })),
      standing.available,
    );
    const expiring = new Map<number, number>();
    for (const lot of book.lots) {
      if (lot.remaining > 0 && lot.expiresAt) {
        expiring.set(lot.expiresAt.getTime(), (expiring.get(lot.expiresAt.getTime()) ?? 0) + lot.remaining);
      }
    }
    return {
      available: standing.available,
      tier: standing.tier,
      nextReward: next,
      upcomingExpiries: [...expiring]
        .sort(([a], [b]) => a - b)
        .slice(0, 5)
        .map(([t, points]) => ({ points, expiresAt: new Date(t).toISOString() })),
    };
  }
}

/** Each imported code as stored and as matched; a code with no letter or digit could never be typed back. */
function codesToImport(codes: string[]) {
  return codes.map((given) => {
    const key = codeKey(given);
    if (key === "") {
      throw new DomainError("validation_error", `Code "${given}" has no letters or digits; a code is matched on those alone`, {
        field: "codes",
        code: given,
      });
    }
    return { code: normalizeCode(given), key };
  });
}

/**
 * Codes match on their letters and digits alone, so two spellings of one key (`AB-12`, `AB12`)
 * would name one voucher: refused, whether both are in this import or one is known already. The
 * very same code again is no clash (it is skipped, so an import can be sent twice).
 */
function refuseLookalikes(typed: { code: string; key: string }[], known: { code: string; code_key: string }[]) {
  const byKey = new Map(known.map((k) => [k.code_key, { code: k.code, known: true }]));
  for (const t of typed) {
    const other = byKey.get(t.key);
    if (!other) byKey.set(t.key, { code: t.code, known: false });
    else if (other.code !== t.code) {
      const where = other.known ? "which this programme already has" : "also in this import";
      throw new DomainError(
        "conflict",
        `Code ${t.code} matches ${other.code}, ${where}: codes are matched on their letters and digits alone (case, spaces and dashes ignored), so the two would be one voucher. Leave one of them out.`,
        { code: t.code, existing: other.code },
      );
    }
  }
}
