import { describe, expect, it } from "vitest";
import { book, counterIds, day, lot, remaining, rows } from "../../test/helpers/ledger-books.ts";
import { debit, transfer } from "./spending.rules.ts";

const lots = () => [lot("lot_a", 5, { expiresAt: day(5) }), lot("lot_b", 10)];

describe("spending", () => {
  it.each([
    [
      "an adjustment",
      "adjustment",
      "adjustments",
      7,
      [
        ["member_available", "lot_a", -5],
        ["member_available", "lot_b", -2],
        ["adjustments", null, 7],
      ],
    ],
    [
      "a capture",
      "capture",
      "redeemed",
      3,
      [
        ["member_available", "lot_a", -3],
        ["redeemed", null, 3],
      ],
    ],
  ] as const)("a debit for %s takes soonest-expiring points into %s", (_name, type, sink, points, postings) => {
    const b = book(lots());
    expect(rows(debit(b, { type, points, sink, reason: null }, day(1), counterIds()))).toEqual(postings);
  });

  it("a debit never goes below zero", () => {
    const b = book(lots());
    expect(() => debit(b, { type: "adjustment", points: 16, sink: "adjustments", reason: null }, day(1), counterIds())).toThrow(
      expect.objectContaining({ code: "insufficient_points", details: expect.objectContaining({ available: 15 }) }),
    );
    expect(remaining(b)).toEqual({ lot_a: 5, lot_b: 10 });
  });

  it("a transfer keeps each part's expiry, and pays the receiver's debt", () => {
    const from = book(lots());
    const to = book([], { memberId: "mem_2", debt: 3 });
    const entry = transfer(from, to, 7, "gift", day(1), counterIds());
    expect(entry).toMatchObject({ type: "transfer", memberId: "mem_1", counterpartyMemberId: "mem_2", points: 7 });
    expect(to.lots.map((l) => [l.memberId, l.amount, l.remaining, l.expiresAt])).toEqual([
      ["mem_2", 5, 2, day(5)],
      ["mem_2", 2, 2, null],
    ]);
    expect(to.debt).toBe(0);
    expect(remaining(from)).toEqual({ lot_a: 0, lot_b: 8 });
    expect(entry.postings.reduce((sum, p) => sum + p.amount, 0)).toBe(0);
  });
});
