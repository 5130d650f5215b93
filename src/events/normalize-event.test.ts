import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/errors.ts";
import { MAX_POINTS_PER_OPERATION } from "../shared/points.ts";
import type { EventInput } from "./events.schemas.ts";
import { FUTURE_SKEW_MS, normalizeEvent } from "./normalize-event.ts";

const NOW = new Date("2026-03-10T12:00:00Z");
const program = { currency: "USD" };
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const input = (fields: Partial<EventInput>): EventInput => ({ id: "e1", type: "purchase", memberId: "mem_a", ...fields });

/** What normalizeEvent gives: the event's time, amount and items, or its refusal's code and field. */
function outcome(fields: Partial<EventInput>) {
  try {
    const event = normalizeEvent(program, input(fields), NOW);
    return { occurredAt: event.occurredAt.toISOString(), amount: event.amount, items: event.items?.length ?? null };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { refused: error.code, details: error.details };
  }
}

const refusal = (field: string) => ({ refused: "validation_error", details: { field } });

describe("normalizeEvent", () => {
  it.each([
    {
      name: "an event without occurredAt happens now",
      fields: { amount: 1_000 },
      expected: { occurredAt: NOW.toISOString(), amount: 1_000, items: null },
    },
    {
      name: "occurredAt within the clock skew is accepted",
      fields: { amount: 1_000, occurredAt: at(FUTURE_SKEW_MS) },
      expected: { occurredAt: at(FUTURE_SKEW_MS), amount: 1_000, items: null },
    },
    {
      name: "occurredAt beyond the skew is refused",
      fields: { amount: 1_000, occurredAt: at(FUTURE_SKEW_MS + 1) },
      expected: refusal("occurredAt"),
    },
    {
      name: "the programme's currency is accepted",
      fields: { amount: 1_000, currency: "USD" },
      expected: { occurredAt: NOW.toISOString(), amount: 1_000, items: null },
    },
    { name: "another currency is refused", fields: { amount: 1_000, currency: "EUR" }, expected: refusal("currency") },
    {
      name: "a purchase's items give its amount",
      fields: {
        items: [
          { sku: "a", quantity: 2, unitPrice: 1_500 },
          { sku: "b", quantity: 1, unitPrice: 700 },
        ],
      },
      expected: { occurredAt: NOW.toISOString(), amount: 3_700, items: 2 },
    },
    {
      name: "an amount given wins over the items' total (an order discount)",
      fields: {
        amount: 3_000,
        items: [
          { sku: "a", quantity: 2, unitPrice: 1_500 },
          { sku: "b", quantity: 1, unitPrice: 700 },
        ],
      },
      expected: { occurredAt: NOW.toISOString(), amount: 3_000, items: 2 },
    },
    {
      name: "items adding up to more than a points operation are refused",
      fields: { items: [{ sku: "a", quantity: 2, unitPrice: MAX_POINTS_PER_OPERATION / 2 + 1 }] },
      expected: refusal("items"),
    },
    { name: "a purchase without amount or items is refused", fields: {}, expected: refusal("amount") },
    {
      name: "a return without amount or items is refused",
      fields: { type: "return", originalEventId: "o1" },
      expected: refusal("amount"),
    },
    {
      name: "a return of items is valued later, against its purchase",
      fields: { type: "return", originalEventId: "o1", items: [{ sku: "a", quantity: 1, unitPrice: 1_500 }] },
      expected: { occurredAt: NOW.toISOString(), amount: null, items: 1 },
    },
    {
      name: "a return without originalEventId is refused",
      fields: { type: "return", amount: 1_000 },
      expected: refusal("originalEventId"),
    },
    {
      name: "originalEventId on a purchase is refused",
      fields: { amount: 1_000, originalEventId: "o1" },
      expected: refusal("originalEventId"),
    },
    {
      name: "a sign-up needs no amount",
      fields: { type: "signup" },
      expected: { occurredAt: NOW.toISOString(), amount: null, items: null },
    },
  ] as { name: string; fields: Partial<EventInput>; expected: ReturnType<typeof outcome> }[])("$name", ({ fields, expected }) => {
    expect(outcome(fields)).toEqual(expected);
  });

  it("judges the event in the programme's currency, with its details as sent", () => {
    const event = normalizeEvent(program, input({ amount: 500, storeId: "s1", channel: "store", attributes: { a: 1 } }), NOW);
    expect(event).toEqual({
      id: "e1",
      type: "purchase",
      occurredAt: NOW,
      amount: 500,
      currency: "USD",
      items: null,
      channel: "store",
      storeId: "s1",
      partnerId: null,
      attributes: { a: 1 },
    });
  });
});
