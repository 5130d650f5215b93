import { describe, expect, it } from "vitest";
import { book, counterIds, day, lot, remaining } from "../../test/helpers/ledger-books.ts";
import type { BookLot } from "./books.rules.ts";
import { allocate, consume, isSpendable, spendableBalance, spendOrder } from "./lots.rules.ts";
import { settle } from "./settlement.rules.ts";

describe("lots", () => {
  it.each([
    ["available, never expiring", {}, true],
    ["empty", { remaining: 0 }, false],
    ["pending", { state: "pending" }, false],
    ["available only later", { availableAt: day(2) }, false],
    ["expiring at that instant", { expiresAt: day(1) }, false],
    ["expiring later", { expiresAt: day(2) }, true],
  ] as [string, Partial<BookLot>, boolean][])("a lot %s is spendable on day 1: %s", (_name, fields, spendable) => {
    expect(isSpendable(lot("lot_a", 5, fields), day(1))).toBe(spendable);
  });

  // c expires first; d and a expire together, d credited earlier; b never expires.
  const lots = () => [
    lot("lot_a", 5, { expiresAt: day(10) }),
    lot("lot_b", 5),
    lot("lot_c", 5, { expiresAt: day(5) }),
    lot("lot_d", 5, { expiresAt: day(10), availableAt: day(-1) }),
    lot("lot_p", 5, { state: "pending", availableAt: day(3) }),
  ];

  it("spends soonest expiry first, never-expiring last, then oldest, then by id", () => {
    expect([...lots()].sort(spendOrder).map((l) => l.id)).toEqual(["lot_c", "lot_d", "lot_a", "lot_b", "lot_p"]);
  });

  it.each([
    [
      12,
      [
        ["lot_c", 5],
        ["lot_d", 5],
        ["lot_a", 2],
      ],
      0,
    ],
    [5, [["lot_c", 5]], 0],
    [
      25,
      [
        ["lot_c", 5],
        ["lot_d", 5],
        ["lot_a", 5],
        ["lot_b", 5],
      ],
      5,
    ],
    [0, [], 0],
  ])("allocate %i: %o, short %i (the book unchanged)", (points, taken, shortfall) => {
    const b = book(lots());
    const result = allocate(b, points, day(1));
    expect(result).toEqual({ allocations: taken.map(([lotId, p]) => ({ lotId, points: p })), shortfall });
    expect(remaining(b)).toEqual(remaining(book(lots())));
  });

  it.each([
    [1, 20, "all but the pending lot"],
    [5, 20, "the pending lot became available on day 3; lot_c expired"],
    [10, 10, "lot_a and lot_d expired too"],
  ])("spendable on day %i, once settled: %i (%s)", (d, points) => {
    const b = book(lots());
    settle(b, day(d), counterIds());
    expect(spendableBalance(b, day(d))).toBe(points);
  });

  it("consume takes from lots in spending order, or refuses with what was available", () => {
    const b = book(lots());
    expect(consume(b, 7, day(1))).toEqual([
      { account: "member_available", memberId: "mem_1", lotId: "lot_c", holdId: null, amount: -5 },
      { account: "member_available", memberId: "mem_1", lotId: "lot_d", holdId: null, amount: -2 },
    ]);
    expect(remaining(b)).toMatchObject({ lot_c: 0, lot_d: 3 });
    expect(() => consume(b, 99, day(1))).toThrow(expect.objectContaining({ code: "insufficient_points" }));
  });
});
