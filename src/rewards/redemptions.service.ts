import type { Transaction } from "kysely";
import type { DB, Db, RedemptionRow, RewardRow, VoucherRow } from "../db/schema.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { bookOf, type EntryDraft, type MemberBook } from "../ledger/books.rules.ts";
import { capture, hold, voidHold } from "../ledger/holds.rules.ts";
import type { ClawbackPolicy } from "../ledger/ledger.schemas.ts";
import { bookBalance, type LedgerService } from "../ledger/ledger.service.ts";
import { findTransaction, SYSTEM_ACTOR } from "../ledger/ledger.sql.ts";
import { spendableBalance } from "../ledger/lots.rules.ts";
import { reverse } from "../ledger/reversal.rules.ts";
import { debit } from "../ledger/spending.rules.ts";
import { segmentsOf } from "../members/members.rules.ts";
import type { ProgramService } from "../programs/programs.service.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import { must } from "../shared/must.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import {
  generateCode,
  normalizeCode,
  refusalCode,
  rewardTerms,
  unavailableReasons,
  usedInPeriod,
  voucherExpiry,
  voucherState,
} from "./rewards.rules.ts";
import type { CreateRedemptionInput } from "./rewards.schemas.ts";
import type { TierLookup } from "./rewards.service.ts";
import * as q from "./rewards.sql.ts";
import { rewardSummary } from "./views.ts";

const BATCH = 200;

function voucherView(v: VoucherRow, at: Date) {
  return {
    code: v.code,
    status: voucherState({ status: v.status, expiresAt: v.expires_at }, at),
    expiresAt: v.expires_at?.toISOString() ?? null,
    usedAt: v.used_at?.toISOString() ?? null,
    usedOrderId: v.used_order_id,
  };
}

function redemptionView(row: RedemptionRow, reward: RewardRow, vouchers: VoucherRow[], at: Date) {
  // A reservation past its time is released even before the job records it, so say so.
  const lapsed = row.status === "reserved" && row.reserved_until !== null && row.reserved_until <= at;
  return {
    id: row.id,
    memberId: row.member_id,
    reward: rewardSummary(reward),
    rewardVersion: row.reward_version,
    quantity: row.quantity,
    points: row.points,
    status: lapsed ? ("expired" as const) : row.status,
    vouchers: vouchers.map((v) => voucherView(v, at)),
    holdId: row.hold_id,
    reservedUntil: row.reserved_until?.toISOString() ?? null,
    transactionId: row.capture_txn_id,
    cancelTransactionId: row.cancel_txn_id,
    channel: row.channel,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    cancelledAt: row.cancelled_at?.toISOString() ?? null,
    cancelReason: row.cancel_reason,
  };
}

/**
 * Redemptions spend points on a reward, through the ledger, in one transaction with the stock,
 * the per-member limit and the vouchers. Every change to a member's redemptions first locks the
 * member row (then, if it must, the reward row), one order for all of them, so parallel attempts
 * queue per member and can neither oversell stock nor pass a limit twice.
 */
export class RedemptionService {
  constructor(
    private readonly deps: ServiceDeps & {
      programs: ProgramService;
      ledger: LedgerService;
      tierOf: TierLookup;
    },
  ) {}

  async redeem(ctx: MutationContext, programId: string, memberId: string, input: CreateRedemptionInput) {
    const program = await this.deps.programs.get(programId);
    return this.deps.uow.run(ctx, 201, async (trx) => {
      const now = this.deps.clock.now();
      const open = await this.deps.ledger.openBooks(trx, programId, [memberId], now);
      const book = bookOf(open.books, memberId);
      const reward = await q.readRewardForRedemption(trx, programId, input.rewardId);
      if (!reward) throw notFound("Reward", input.rewardId);
      // Read, under the member's lock, only what this reward's terms look at.
      const pool = reward.code_format.type === "pool";
      const [tiers, tierOf, usage, codes, lapsed, attributes] = await Promise.all([
        reward.min_tier_id ? q.tiersById(trx, programId) : new Map<string, q.TierRef>(),
        reward.min_tier_id ? this.deps.tierOf(trx, programId, [memberId], now) : new Map<string, q.TierRef | null>(),
        reward.member_limit ? q.memberUsage(trx, memberId, now) : [],
        pool ? q.codesAvailable(trx, [reward.id]) : new Map<string, number>(),
        hasUnits(reward) ? q.lapsedUnits(trx, [reward.id], now) : new Map<string, number>(),
        reward.segments.length > 0 ? q.memberAttributes(trx, memberId) : {},
      ]);
      const reasons = unavailableReasons(
        rewardTerms(reward, tiers, codes.get(reward.id) ?? null, lapsed.get(reward.id) ?? 0),
        {
          status: must(open.members.get(memberId), "the member").status,
          available: spendableBalance(book, now),
          tier: tierOf.get(memberId) ?? null,
          segments: segmentsOf(attributes),
          usedInPeriod: usedInPeriod(usage, reward, now, program.timezone),
        },
        input.quantity,
        now,
      );
      if (reasons.length > 0) {
        throw new DomainError(refusalCode(reasons), reasons.map((r) => r.message).join("; "), { reasons });
      }
      const points = reward.cost_points * input.quantity;
      const redemptionId = this.deps.ids("redemption");
      const reservedUntil = input.reserve ? new Date(now.getTime() + input.holdSeconds * 1000) : null;
      const reason = `Redeemed ${input.quantity} × ${reward.name} (${redemptionId})`;
      const entry = reservedUntil
        ? hold(book, { points, expiresAt: reservedUntil, reason }, now, this.deps.ids)
        : debit(book, { type: "capture", points, sink: "redeemed", reason }, now, this.deps.ids);
      await this.deps.ledger.writeBooks(trx, programId, ctx.actor, open, [entry], now);
      const lapsedUnits = lapsed.get(reward.id) ?? 0;
      // A pool's codes are needed for the vouchers; plain stock is taken last, so its row (shared
      // by everyone redeeming the reward) stays locked only until commit.
      const poolCodes = pool ? await this.#takeUnits(trx, reward, input.quantity, now, lapsedUnits) : [];
      const row = await trx
        .insertInto("redemptions")
        .values({
          id: redemptionId,
          program_id: programId,
          member_id: memberId,
          reward_id: reward.id,
          reward_version: reward.version,
          quantity: input.quantity,
          points,
          status: input.reserve ? "reserved" : "completed",
          hold_id: entry.openedHold?.id ?? null,
          reserved_codes: JSON.stringify(input.reserve ? poolCodes : []),
          capture_txn_id: input.reserve ? null : entry.id,
          channel: input.channel ?? null,
          actor: ctx.actor,
          created_at: now,
          reserved_until: reservedUntil,
          completed_at: input.reserve ? null : now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const vouchers = input.reserve ? [] : await this.#issueVouchers(trx, row, reward, poolCodes, program.timezone, now);
      if (!pool) await this.#takeUnits(trx, reward, input.quantity, now, lapsedUnits);
      return { ...redemptionView(row, reward, vouchers, now), balance: bookBalance(book, now) };
    });
  }

  /**
   * Takes the units from stock and, for a pool reward, its codes; out_of_stock if either runs
   * short. Reservations of the reward that ran out give their units back first.
   */
  async #takeUnits(trx: Transaction<DB>, reward: RewardRow, quantity: number, now: Date, lapsed: number): Promise<string[]> {
    const outOfStock = () =>
      new DomainError("out_of_stock", `${reward.name} is out of stock`, {
        reasons: [{ code: "out_of_stock", message: "Out of stock" }],
      });
    if (!hasUnits(reward)) return [];
    const pool = reward.code_format.type === "pool";
    // The usual case, plain stock and nothing lapsed: the conditional update is the only lock.
    if (!pool && lapsed === 0 && (await q.takeStock(trx, reward.id, quantity))) return [];
    // Lock order, everywhere: member, reward, redemptions, codes.
    await q.lockReward(trx, reward.id);
    for (const row of await q.expireLapsed(trx, reward.id, now)) await releaseUnits(trx, row, reward);
    if (reward.stock_remaining !== null && !(await q.takeStock(trx, reward.id, quantity))) throw outOfStock();
    if (!pool) return [];
    const codes = await q.takeCodes(trx, reward.id, quantity);
    if (codes.length < quantity) throw outOfStock();
    return codes;
  }

  async #issueVouchers(
    trx: Transaction<DB>,
    redemption: RedemptionRow,
    reward: RewardRow,
    poolCodes: string[],
    timezone: string,
    now: Date,
  ): Promise<VoucherRow[]> {
    const format = reward.code_format;
    if (format.type === "none") return [];
    const expiresAt = voucherExpiry(now, reward.voucher_valid_days, timezone);
    const row = (code: string) => ({
      code,
      program_id: redemption.program_id,
      redemption_id: redemption.id,
      member_id: redemption.member_id,
      reward_id: reward.id,
      status: "issued" as const,
      expires_at: expiresAt,
      created_at: now,
    });
    if (format.type === "pool") {
      return trx.insertInto("vouchers").values(poolCodes.map(row)).returningAll().execute();
    }
    const issued: VoucherRow[] = [];
    // A clash of two random 59-bit codes is all but impossible; drawing again costs nothing.
    for (let attempt = 0; issued.length < redemption.quantity; attempt++) {
      if (attempt >= 5) throw new Error("could not draw unique voucher codes");
      const codes = Array.from({ length: redemption.quantity - issued.length }, () => generateCode(format));
      issued.push(
        ...(await trx
          .insertInto("vouchers")
          .values(codes.map(row))
          .onConflict((oc) => oc.columns(["program_id", "code"]).doNothing())
          .returningAll()
          .execute()),
      );
    }
    return issued;
  }

  /**
   * Locks the redemption's member and, if the reward counts units, the reward (the order every
   * path takes: a redemption of another member may release a lapsed reservation under the reward's
   * lock), then reads the redemption as it now stands.
   */
  async #lockRedemption(trx: Transaction<DB>, programId: string, redemptionId: string) {
    const first = await q.findRedemption(trx, programId, redemptionId);
    if (!first) throw notFound("Redemption", redemptionId);
    await q.lockMember(trx, programId, first.member_id);
    const reward = must(await q.readRewardForRedemption(trx, programId, first.reward_id), "the reward");
    if (hasUnits(reward)) await q.lockReward(trx, reward.id);
    const row = must(await q.findRedemption(trx, programId, redemptionId), "the redemption");
    return { row, reward };
  }

  /** Confirms a reservation: the held points are captured and the vouchers issued. */
  async confirm(ctx: MutationContext, programId: string, redemptionId: string) {
    const program = await this.deps.programs.get(programId);
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const now = this.deps.clock.now();
      const { row, reward } = await this.#lockRedemption(trx, programId, redemptionId);
      if (row.status !== "reserved" || (row.reserved_until !== null && row.reserved_until <= now)) {
        const status = row.status === "reserved" ? "expired" : row.status;
        throw new DomainError(
          "invalid_state",
          `Redemption ${redemptionId} is ${status}; only a reservation in force can be confirmed`,
          {
            status,
          },
        );
      }
      const holdId = must(row.hold_id, "the reservation's hold");
      const { entries, books } = await this.deps.ledger.withBooks(trx, programId, [row.member_id], ctx.actor, now, (b) =>
        capture(
          bookOf(b, row.member_id),
          holdId,
          null,
          `Redeemed ${row.quantity} × ${reward.name} (${row.id})`,
          now,
          this.deps.ids,
        ),
      );
      const poolCodes = row.reserved_codes;
      const updated = await trx
        .updateTable("redemptions")
        .set({ status: "completed", capture_txn_id: must(entries[0], "the capture").id, completed_at: now })
        .where("id", "=", row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      const vouchers = await this.#issueVouchers(trx, updated, reward, poolCodes, program.timezone, now);
      return { ...redemptionView(updated, reward, vouchers, now), balance: bookBalance(bookOf(books, row.member_id), now) };
    });
  }

  /**
   * Cancels a reservation (the hold is released) or a completed redemption whose vouchers are all
   * unused (the capture is reversed, so the points go back to the lots they came from, and any
   * that expired meanwhile go on to breakage). The units return to stock.
   */
  async cancel(ctx: MutationContext, programId: string, redemptionId: string, input: { reason?: string }) {
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const now = this.deps.clock.now();
      const { row, reward } = await this.#lockRedemption(trx, programId, redemptionId);
      const reason = input.reason ?? `Redemption ${row.id} cancelled`;
      let work: (books: Map<string, MemberBook>, program: { clawbackPolicy: ClawbackPolicy }) => EntryDraft[];
      let lotIds: string[] = [];
      if (row.status === "reserved") {
        if (row.reserved_until !== null && row.reserved_until <= now) {
          throw new DomainError("invalid_state", `Redemption ${redemptionId} expired; its points were already released`, {
            status: "expired",
          });
        }
        const holdId = must(row.hold_id, "the reservation's hold");
        work = (books) => voidHold(bookOf(books, row.member_id), holdId, reason, now, this.deps.ids);
      } else if (row.status === "completed") {
        await this.#cancelVouchers(trx, row, now);
        const found = must(await findTransaction(trx, programId, must(row.capture_txn_id, "the capture")), "the capture");
        if (found.reversedById) {
          throw new DomainError("already_reversed", `The capture of redemption ${redemptionId} was already reversed`, {
            reversedByTransactionId: found.reversedById,
          });
        }
        lotIds = found.postings.flatMap((p) => (p.lotId ? [p.lotId] : []));
        work = (books, program) =>
          reverse(
            {
              id: found.txn.id,
              type: found.txn.type,
              memberId: found.txn.member_id,
              counterpartyMemberId: null,
              points: found.txn.points,
              postings: found.postings,
            },
            books,
            program.clawbackPolicy,
            reason,
            now,
            this.deps.ids,
          );
      } else {
        throw new DomainError("invalid_state", `Redemption ${redemptionId} is already ${row.status}`, { status: row.status });
      }
      const { entries, books } = await this.deps.ledger.withBooks(trx, programId, [row.member_id], ctx.actor, now, work, lotIds);
      await releaseUnits(trx, row, reward);
      const updated = await trx
        .updateTable("redemptions")
        .set({
          status: "cancelled",
          cancel_txn_id: row.status === "completed" ? must(entries[0], "the reversal").id : null,
          cancelled_at: now,
          cancel_reason: reason,
        })
        .where("id", "=", row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      const vouchers = await q.vouchersOf(trx, [row.id]);
      return { ...redemptionView(updated, reward, vouchers, now), balance: bookBalance(bookOf(books, row.member_id), now) };
    });
  }

  /** Cancels every voucher of a redemption, or none: a used or expired one keeps its points spent. */
  async #cancelVouchers(trx: Transaction<DB>, row: RedemptionRow, now: Date) {
    const vouchers = await trx.selectFrom("vouchers").selectAll().where("redemption_id", "=", row.id).forUpdate().execute();
    for (const v of vouchers) {
      const state = voucherState({ status: v.status, expiresAt: v.expires_at }, now);
      if (state === "used") {
        throw new DomainError(
          "voucher_used",
          `Voucher ${v.code} was used at ${v.used_at?.toISOString()}; the redemption cannot be cancelled`,
          {
            code: v.code,
            usedAt: v.used_at,
            usedOrderId: v.used_order_id,
          },
        );
      }
      if (state === "expired") {
        throw new DomainError(
          "voucher_expired",
          `Voucher ${v.code} expired at ${v.expires_at?.toISOString()}; its points stay spent`,
          {
            code: v.code,
            expiresAt: v.expires_at,
          },
        );
      }
    }
    if (vouchers.length > 0) {
      await trx.updateTable("vouchers").set({ status: "cancelled" }).where("redemption_id", "=", row.id).execute();
    }
  }

  async get(programId: string, redemptionId: string) {
    const row = await q.findRedemption(this.deps.db, programId, redemptionId);
    if (!row) throw notFound("Redemption", redemptionId);
    const [reward, vouchers] = await Promise.all([
      q.findReward(this.deps.db, programId, row.reward_id),
      q.vouchersOf(this.deps.db, [row.id]),
    ]);
    return redemptionView(row, must(reward, "the reward"), vouchers, this.deps.clock.now());
  }

  async listForMember(programId: string, memberId: string, limit: number, cursor?: string) {
    await this.deps.ledger.memberExists(programId, memberId);
    const rows = await q.listMemberRedemptions(this.deps.db, memberId, limit, cursor);
    const page = rows.slice(0, limit);
    const rewardIds = [...new Set(page.map((r) => r.reward_id))];
    const [rewards, vouchers] = await Promise.all([
      rewardIds.length > 0
        ? this.deps.db.selectFrom("rewards").selectAll().where("id", "in", rewardIds).execute()
        : Promise.resolve([]),
      q.vouchersOf(
        this.deps.db,
        page.map((r) => r.id),
      ),
    ]);
    const byId = new Map(rewards.map((r) => [r.id, r]));
    const now = this.deps.clock.now();
    return {
      data: page.map((r) =>
        redemptionView(
          r,
          must(byId.get(r.reward_id), "the reward"),
          vouchers.filter((v) => v.redemption_id === r.id),
          now,
        ),
      ),
      nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  /** Looks a voucher up for checkout without using it. Another programme's code is not found. */
  async checkVoucher(programId: string, code: string) {
    const voucher = await q.findVoucher(this.deps.db, programId, normalizeCode(code));
    if (!voucher) throw notFound("Voucher", normalizeCode(code));
    const reward = must(await q.findReward(this.deps.db, programId, voucher.reward_id), "the reward");
    return voucherCheck(voucher, reward, this.deps.clock.now());
  }

  /** Marks a voucher used at checkout, once. */
  useVoucher(ctx: MutationContext, programId: string, code: string, input: { orderId?: string; storeId?: string }) {
    const wanted = normalizeCode(code);
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const now = this.deps.clock.now();
      // The conditional update is the check: of two checkouts at once, the second finds it used.
      const used = await trx
        .updateTable("vouchers")
        .set({
          status: "used",
          used_at: now,
          used_order_id: input.orderId ?? null,
          used_store_id: input.storeId ?? null,
          used_by: ctx.actor,
        })
        .where("program_id", "=", programId)
        .where("code", "=", wanted)
        .where("status", "=", "issued")
        .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
        .returningAll()
        .executeTakeFirst();
      const voucher = used ?? (await q.findVoucher(trx, programId, wanted));
      if (!voucher) throw notFound("Voucher", wanted);
      const reward = must(await q.findReward(trx, programId, voucher.reward_id), "the reward");
      if (!used) throw voucherRefusal(voucher, now);
      return voucherCheck(voucher, reward, now);
    });
  }

  /**
   * Releases reservations whose time ran out: their hold is voided by the ledger's own settling,
   * the redemption is marked expired and its units go back to stock. Safe to run twice or from
   * two processes: each is rechecked under its member's lock.
   */
  async expireReservations(asOf: Date, programId?: string): Promise<number> {
    let expired = 0;
    for (;;) {
      const due = await q.lapsedReservations(this.deps.db, asOf, BATCH, programId);
      if (due.length === 0) return expired;
      let changed = 0;
      for (const d of due) {
        await this.deps.db.transaction().execute(async (trx) => {
          const { row, reward } = await this.#lockRedemption(trx, d.program_id, d.id);
          if (row.status !== "reserved" || row.reserved_until === null || row.reserved_until > asOf) return;
          await this.deps.ledger.withBooks(trx, d.program_id, [d.member_id], SYSTEM_ACTOR, asOf, () => []);
          await releaseUnits(trx, row, reward);
          await trx
            .updateTable("redemptions")
            .set({ status: "expired", cancelled_at: row.reserved_until, cancel_reason: "Reservation timed out" })
            .where("id", "=", row.id)
            .execute();
          changed += 1;
        });
      }
      expired += changed;
      if (changed === 0) return expired;
    }
  }

  async listMemberVouchers(db: Db, programId: string, memberId: string) {
    await this.deps.ledger.memberExists(programId, memberId);
    const now = this.deps.clock.now();
    const vouchers = await db
      .selectFrom("vouchers")
      .selectAll()
      .where("member_id", "=", memberId)
      .orderBy("created_at", "desc")
      .limit(200)
      .execute();
    const rewardIds = [...new Set(vouchers.map((v) => v.reward_id))];
    const rewards = rewardIds.length > 0 ? await db.selectFrom("rewards").selectAll().where("id", "in", rewardIds).execute() : [];
    const byId = new Map(rewards.map((r) => [r.id, r]));
    return { data: vouchers.map((v) => voucherCheck(v, must(byId.get(v.reward_id), "the reward"), now)) };
  }
}

/**
 * Gives a cancelled or lapsed redemption's units back to stock, and a reservation's pool codes
 * back to the pool (nobody saw them). Codes of issued vouchers are never handed out again.
 */
async function releaseUnits(
  trx: Transaction<DB>,
  row: Pick<RedemptionRow, "quantity" | "reserved_codes"> & { status?: RedemptionRow["status"] },
  reward: RewardRow,
) {
  if (!hasUnits(reward)) return;
  await q.lockReward(trx, reward.id);
  if (reward.stock_remaining !== null) await q.returnStock(trx, reward.id, row.quantity);
  if (row.status !== "completed" && row.reserved_codes.length > 0) {
    await trx
      .updateTable("reward_codes")
      .set({ assigned: false })
      .where("program_id", "=", reward.program_id)
      .where("code", "in", row.reserved_codes)
      .execute();
  }
}

/** Whether the reward counts units at all (a stock, or a pool of codes). */
const hasUnits = (reward: RewardRow) => reward.stock_remaining !== null || reward.code_format.type === "pool";

function voucherCheck(voucher: VoucherRow, reward: RewardRow, at: Date) {
  const status = voucherState({ status: voucher.status, expiresAt: voucher.expires_at }, at);
  return {
    code: voucher.code,
    valid: status === "issued",
    status,
    invalidReason:
      status === "used"
        ? ("voucher_used" as const)
        : status === "expired"
          ? ("voucher_expired" as const)
          : status === "cancelled"
            ? ("voucher_cancelled" as const)
            : null,
    memberId: voucher.member_id,
    redemptionId: voucher.redemption_id,
    reward: rewardSummary(reward),
    expiresAt: voucher.expires_at?.toISOString() ?? null,
    usedAt: voucher.used_at?.toISOString() ?? null,
    usedOrderId: voucher.used_order_id,
    usedStoreId: voucher.used_store_id,
    createdAt: voucher.created_at.toISOString(),
  };
}

function voucherRefusal(voucher: VoucherRow, at: Date): DomainError {
  const state = voucherState({ status: voucher.status, expiresAt: voucher.expires_at }, at);
  if (state === "used") {
    return new DomainError("voucher_used", `Voucher ${voucher.code} was already used at ${voucher.used_at?.toISOString()}`, {
      usedAt: voucher.used_at,
      usedOrderId: voucher.used_order_id,
    });
  }
  if (state === "cancelled") return new DomainError("voucher_cancelled", `Voucher ${voucher.code} was cancelled`);
  return new DomainError("voucher_expired", `Voucher ${voucher.code} expired at ${voucher.expires_at?.toISOString()}`, {
    expiresAt: voucher.expires_at,
  });
}
