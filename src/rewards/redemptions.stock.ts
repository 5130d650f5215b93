import type { Transaction } from "kysely";
import type { DB, RedemptionRow, RewardRow, VoucherRow } from "../db/schema.ts";
import { DomainError } from "../shared/errors.ts";
import { codeKey } from "./codes.rules.ts";
import * as r from "./redemptions.sql.ts";
import { generateCode, voucherExpiry } from "./rewards.rules.ts";
import * as q from "./rewards.sql.ts";

// What a redemption takes and gives back: units of stock, pool codes, and the vouchers it issues.
// Each runs in the redemption's transaction, after the member's lock.

/** Whether the reward counts units at all (a stock, or a pool of codes). */
export const hasUnits = (reward: RewardRow) => reward.stock_remaining !== null || reward.code_format.type === "pool";

/**
 * Takes the units from stock and, for a pool reward, its codes; out_of_stock if either runs
 * short. Reservations of the reward that ran out give their units back first.
 */
export async function takeUnits(
  trx: Transaction<DB>,
  reward: RewardRow,
  quantity: number,
  now: Date,
  lapsed: number,
): Promise<string[]> {
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

/** Issues the redemption's vouchers: of its pool codes, or of codes drawn in the reward's format. */
export async function issueVouchers(
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
    code_key: codeKey(code),
    program_id: redemption.program_id,
    redemption_id: redemption.id,
    member_id: redemption.member_id,
    reward_id: reward.id,
    status: "issued" as const,
    expires_at: expiresAt,
    created_at: now,
  });
  if (format.type === "pool") {
    return r.insertVouchers(trx, poolCodes.map(row));
  }
  const issued: VoucherRow[] = [];
  // A clash of two random 59-bit codes is all but impossible; drawing again costs nothing.
  for (let attempt = 0; issued.length < redemption.quantity; attempt++) {
    if (attempt >= 5) throw new Error("could not draw unique voucher codes");
    const drawn = Array.from({ length: redemption.quantity - issued.length }, () => row(generateCode(format)));
    // A pool code of the same key would clash with this one when it is handed out: draw again.
    const pooled = new Set(
      (
        await q.codesByKey(
          trx,
          redemption.program_id,
          drawn.map((d) => d.code_key),
        )
      ).map((c) => c.code_key),
    );
    issued.push(
      ...(await r.insertNewVouchers(
        trx,
        drawn.filter((d) => !pooled.has(d.code_key)),
      )),
    );
  }
  return issued;
}

/**
 * Gives a cancelled or lapsed redemption's units back to stock, and a reservation's pool codes
 * back to the pool (nobody saw them). Codes of issued vouchers are never handed out again.
 */
export async function releaseUnits(
  trx: Transaction<DB>,
  row: Pick<RedemptionRow, "quantity" | "reserved_codes"> & { status?: RedemptionRow["status"] },
  reward: RewardRow,
) {
  if (!hasUnits(reward)) return;
  await q.lockReward(trx, reward.id);
  if (reward.stock_remaining !== null) await q.returnStock(trx, reward.id, row.quantity);
  if (row.status !== "completed" && row.reserved_codes.length > 0) {
    await r.releaseCodes(trx, reward.program_id, row.reserved_codes);
  }
}
