import type { Transaction } from "kysely";
import type { DB, Db, RedemptionRow, VoucherRow } from "../db/schema.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { bookOf, type EntryDraft, type MemberBook } from "../ledger/books.rules.ts";
import { capture, hold, voidHold } from "../ledger/holds.rules.ts";
import type { ClawbackPolicy } from "../ledger/ledger.schemas.ts";
import { bookBalance, type LedgerService, SYSTEM_ACTOR } from "../ledger/ledger.service.ts";
import { spendableBalance } from "../ledger/lots.rules.ts";
import { reverse } from "../ledger/reversal.rules.ts";
import { debit } from "../ledger/spending.rules.ts";
import { segmentsOf } from "../members/members.rules.ts";
import type { ProgramService } from "../programs/programs.service.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import { must } from "../shared/must.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { codeKey, normalizeCode } from "./codes.rules.ts";
import * as r from "./redemptions.sql.ts";
import { hasUnits, issueVouchers, releaseUnits, takeUnits } from "./redemptions.stock.ts";
import { redemptionView, voucherCheck, voucherRefusal } from "./redemptions.views.ts";
import { refusalCode, rewardTerms, unavailableReasons, usedInPeriod, voucherState } from "./rewards.rules.ts";
import type { CreateRedemptionInput } from "./rewards.schemas.ts";
import type { TierLookup } from "./rewards.service.ts";
import * as q from "./rewards.sql.ts";

const BATCH = 200;

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
      const poolCodes = pool ? await takeUnits(trx, reward, input.quantity, now, lapsedUnits) : [];
      const row = await r.insertRedemption(trx, {
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
        store_id: ctx.storeId ?? null,
        created_at: now,
        reserved_until: reservedUntil,
        completed_at: input.reserve ? null : now,
      });
      const vouchers = input.reserve ? [] : await issueVouchers(trx, row, reward, poolCodes, program.timezone, now);
      if (!pool) await takeUnits(trx, reward, input.quantity, now, lapsedUnits);
      return { ...redemptionView(row, reward, vouchers, now), balance: bookBalance(book, now) };
    });
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
      const updated = await r.updateRedemption(trx, row.id, {
        status: "completed",
        capture_txn_id: must(entries[0], "the capture").id,
        completed_at: now,
      });
      const vouchers = await issueVouchers(trx, updated, reward, poolCodes, program.timezone, now);
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
        const found = must(
          await this.deps.ledger.findTransaction(trx, programId, must(row.capture_txn_id, "the capture")),
          "the capture",
        );
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
      const updated = await r.updateRedemption(trx, row.id, {
        status: "cancelled",
        cancel_txn_id: row.status === "completed" ? must(entries[0], "the reversal").id : null,
        cancelled_at: now,
        cancel_reason: reason,
      });
      const vouchers = await q.vouchersOf(trx, [row.id]);
      return { ...redemptionView(updated, reward, vouchers, now), balance: bookBalance(bookOf(books, row.member_id), now) };
    });
  }

  /** Cancels every voucher of a redemption, or none: a used or expired one keeps its points spent. */
  async #cancelVouchers(trx: Transaction<DB>, row: RedemptionRow, now: Date) {
    const vouchers = await r.lockVouchersOf(trx, row.id);
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
      await r.cancelVouchersOf(trx, row.id);
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
      r.rewardsById(this.deps.db, rewardIds),
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
    const voucher = await findTyped(this.deps.db, programId, code);
    const reward = must(await q.findReward(this.deps.db, programId, voucher.reward_id), "the reward");
    return voucherCheck(voucher, reward, this.deps.clock.now());
  }

  /** Marks a voucher used at checkout, once. */
  useVoucher(ctx: MutationContext, programId: string, code: string, input: { orderId?: string; storeId?: string }) {
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const now = this.deps.clock.now();
      const found = await findTyped(trx, programId, code);
      // The conditional update is the check: of two checkouts at once, the second finds it used.
      const used = await r.markVoucherUsed(trx, programId, found.code, {
        now,
        orderId: input.orderId ?? null,
        storeId: input.storeId ?? ctx.storeId ?? null,
        actor: ctx.actor,
      });
      const voucher = used ?? must(await q.findVoucher(trx, programId, { code: found.code, key: found.code_key }), "the voucher");
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
          await r.updateRedemption(trx, row.id, {
            status: "expired",
            cancelled_at: row.reserved_until,
            cancel_reason: "Reservation timed out",
          });
          changed += 1;
        });
      }
      expired += changed;
      if (changed === 0) return expired;
    }
  }

  async listMemberVouchers(programId: string, memberId: string) {
    const { db } = this.deps;
    await this.deps.ledger.memberExists(programId, memberId);
    const now = this.deps.clock.now();
    const vouchers = await r.memberVouchers(db, memberId, 200);
    const rewardIds = [...new Set(vouchers.map((v) => v.reward_id))];
    const rewards = await r.rewardsById(db, rewardIds);
    const byId = new Map(rewards.map((r) => [r.id, r]));
    return { data: vouchers.map((v) => voucherCheck(v, must(byId.get(v.reward_id), "the reward"), now)) };
  }
}

/** The voucher a code names as typed (any case, with or without its dashes and spaces); not found otherwise. */
async function findTyped(db: Db, programId: string, typed: string): Promise<VoucherRow> {
  const key = codeKey(typed);
  const voucher = key === "" ? undefined : await q.findVoucher(db, programId, { code: normalizeCode(typed), key });
  if (!voucher) throw notFound("Voucher", normalizeCode(typed));
  return voucher;
}
