import type { EarnEvent } from "../earning/earning.types.ts";
import { formatMoney } from "../earning/money.rules.ts";
import { DomainError } from "../shared/errors.ts";
import { MAX_POINTS_PER_OPERATION } from "../shared/points.ts";
import type { EventInput } from "./events.schemas.ts";

/** How far in the future an event's occurredAt may be (clock skew between systems). */
export const FUTURE_SKEW_MS = 5 * 60 * 1000;

/**
 * Checks what the schema cannot (time, currency, amounts, returns naming their purchase) and
 * turns the input into the event the rules judge. Throws a DomainError on a refusal.
 */
export function normalizeEvent(program: { currency: string }, input: EventInput, now: Date): EarnEvent {
  const occurredAt = input.occurredAt ? new Date(input.occurredAt) : now;
  if (occurredAt.getTime() > now.getTime() + FUTURE_SKEW_MS) {
    throw new DomainError("validation_error", "occurredAt is in the future", { field: "occurredAt" });
  }
  if (input.currency && input.currency !== program.currency) {
    throw new DomainError("validation_error", `currency must be the programme's (${program.currency})`, { field: "currency" });
  }
  const items = input.items ?? null;
  const itemsTotal = items ? items.reduce((sum, i) => sum + i.quantity * i.unitPrice, 0) : 0;
  // A return of items without an amount is valued later, at their share of what the purchase paid.
  const amount = input.amount ?? (items && input.type !== "return" ? itemsTotal : null);
  if (itemsTotal > MAX_POINTS_PER_OPERATION) {
    throw new DomainError(
      "validation_error",
      `The items add up to more than ${formatMoney(MAX_POINTS_PER_OPERATION, program.currency)}`,
      { field: "items" },
    );
  }
  if ((input.type === "purchase" || input.type === "return") && amount === null && !items) {
    throw new DomainError("validation_error", `A ${input.type} needs amount or items`, { field: "amount" });
  }
  if (input.type === "return" && !input.originalEventId) {
    throw new DomainError("validation_error", "A return needs originalEventId (the purchase it returns)", {
      field: "originalEventId",
    });
  }
  if (input.type !== "return" && input.reason !== undefined) {
    throw new DomainError("validation_error", "reason applies to returns only", { field: "reason" });
  }
  if (input.type !== "return" && input.originalEventId) {
    throw new DomainError("validation_error", "originalEventId applies to returns only", { field: "originalEventId" });
  }
  return {
    id: input.id,
    type: input.type,
    occurredAt,
    amount,
    currency: program.currency,
    items,
    channel: input.channel ?? null,
    storeId: input.storeId ?? null,
    partnerId: input.partnerId ?? null,
    attributes: input.attributes ?? {},
  };
}
