import type { Transaction } from "kysely";
import { DateTime } from "luxon";
import type { DB, EventRow } from "../db/schema.ts";
import type { LiveRule } from "../earning/earning.types.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import { type EarnRunDeps, writeEvents } from "./earn-runs.ts";
import type { EventInput, EventResult } from "./events.schemas.ts";
import { type EventProgram, lockPurchaseByReceipt, programForEvents } from "./events.sql.ts";
import { normalizeEvent } from "./normalize-event.ts";
import type { PreparedEvent } from "./prepared-event.ts";

export interface ClaimDeps extends EarnRunDeps {
  rulesAt: (trx: Transaction<DB>, programId: string, at: Date) => Promise<LiveRule[]>;
}

/**
 * The guest purchase's stored input, now naming the member who claims it. Its customerRef stays on the row (the
 * claim updates only the member, status and points): it links the customer's other guest purchases to the member.
 */
function claimedInput(row: EventRow, memberId: string): EventInput {
  return {
    id: row.id,
    type: row.type,
    memberId,
    occurredAt: row.occurred_at.toISOString(),
    ...(row.amount !== null && { amount: row.amount }),
    ...(row.items && { items: row.items as NonNullable<EventInput["items"]> }),
    ...(row.channel && { channel: row.channel as NonNullable<EventInput["channel"]> }),
    ...(row.store_id && { storeId: row.store_id }),
    ...(row.partner_id && { partnerId: row.partner_id }),
    ...(row.customer_ref && { customerRef: row.customer_ref }),
    ...(row.attributes && { attributes: row.attributes }),
  };
}

/** Refuses a receipt already claimed, or claimed after the programme's claim window. */
export function checkClaimable(
  row: Pick<EventRow, "status" | "member_id" | "occurred_at">,
  program: Pick<EventProgram, "timezone" | "guestClaimDays">,
  receiptId: string,
  now: Date,
): void {
  if (row.status !== "guest") {
    throw new DomainError("invalid_state", `Receipt ${receiptId} was already claimed`, { memberId: row.member_id });
  }
  const deadline = DateTime.fromJSDate(row.occurred_at, { zone: program.timezone }).plus({ days: program.guestClaimDays });
  if (deadline.toJSDate() < now) {
    throw new DomainError("invalid_state", `Receipt ${receiptId} could be claimed until ${deadline.toISO()}`, {
      deadline: deadline.toISO(),
    });
  }
}

/**
 * Credits a guest purchase to a member who shows its receipt, within the claim window, in the
 * unit of work's transaction: the purchase goes through the write path as that member's, judged
 * by the rules in force when it happened.
 */
export async function claimGuestPurchase(
  deps: ClaimDeps,
  trx: Transaction<DB>,
  ctx: MutationContext,
  programId: string,
  memberId: string,
  receiptId: string,
) {
  const now = deps.clock.now();
  const program = await programForEvents(trx, programId);
  if (!program) throw notFound("Program", programId);
  const { members } = await deps.ledger.lockMembers(trx, programId, [memberId]);
  const member = members.get(memberId);
  if (!member) throw notFound("Member", memberId);
  if (member.status === "blocked") throw new DomainError("member_blocked", `Member ${memberId} is blocked and cannot earn`);
  const row = await lockPurchaseByReceipt(trx, programId, receiptId);
  if (!row) throw notFound("Guest purchase with receipt", receiptId);
  checkClaimable(row, program, receiptId, now);
  const input = claimedInput(row, memberId);
  const claimed: PreparedEvent = {
    index: 0,
    input,
    event: normalizeEvent(program, input, now),
    fingerprint: row.fingerprint,
    memberId,
    enrol: null,
    guest: false,
    internal: false,
    claim: true,
    facts: null,
    enrolled: false,
  };
  const rules = await deps.rulesAt(trx, programId, row.occurred_at);
  const answers = await writeEvents(
    deps,
    trx,
    { program, rulesAt: () => rules, actor: ctx.actor, now, dryRun: false, requestId: ctx.requestId },
    [claimed],
  );
  const answer = answers.get(0);
  if (!answer || answer.status >= 400) throw new Error("a claim cannot be refused after its checks");
  return { ...(answer.body as EventResult), status: "claimed" as const };
}
