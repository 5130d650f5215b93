import { describe, expect, it } from "vitest";
import { book, counterIds, day, lot, remaining, rows } from "../../test/helpers/ledger-books.ts";
import type { MemberBook } from "./books.rules.ts";
import { capture, hold, voidHold } from "./holds.rules.ts";
import { spendableBalance } from "./lots.rules.ts";

/** A book holding 8 of its 15 points: 5 from lot_a (expiring on day 5), 3 from lot_b. */
function held(): { b: MemberBook; holdId: string; ids: ReturnType<typeof counterIds> } {
  const ids = counterIds();
  const b = book([lot("lot_a", 5, { expiresAt: day(5) }), lot("lot_b", 10)]);
  const entry = hold(b, { points: 8, expiresAt: day(2), reason: "till" }, day(1), ids);
  return { b, holdId: entry.openedHold?.id ?? "", ids };
}

describe("holds", () => {
  it("a hold moves points from available to held on the same lots, soonest expiry first", () => {
    const ids = counterIds();
    const b = book([lot("lot_a", 5, { expiresAt: day(5) }), lot("lot_b", 10)]);
    const entry = hold(b, { points: 8, expiresAt: day(2), reason: "till" }, day(1), ids);
    expect(rows(entry)).toEqual([
      ["member_available", "lot_a", -5],
      ["member_held", "lot_a", 5],
      ["member_available", "lot_b", -3],
      ["member_held", "lot_b", 3],
    ]);
    expect(entry.openedHold).toMatchObject({
      points: 8,
      expiresAt: day(2),
      allocations: [
        { lotId: "lot_a", points: 5 },
        { lotId: "lot_b", points: 3 },
      ],
    });
    expect(b.holds).toHaveLength(1);
    expect(spendableBalance(b, day(1))).toBe(7);
    expect(() => hold(b, { points: 8, expiresAt: day(2), reason: null }, day(1), ids)).toThrow(
      expect.objectContaining({ code: "insufficient_points", details: expect.objectContaining({ available: 7 }) }),
    );
  });

  it.each([
    [
      "all of it",
      null,
      [
        ["member_held", "lot_a", -5],
        ["member_held", "lot_b", -3],
        ["redeemed", null, 8],
      ],
      { lot_a: 0, lot_b: 7 },
    ],
    [
      "part: the rest goes back to the lots it came from",
      6,
      [
        ["member_held", "lot_a", -5],
        ["member_held", "lot_b", -1],
        ["redeemed", null, 6],
        ["member_held", "lot_b", -2],
        ["member_available", "lot_b", 2],
      ],
      { lot_a: 0, lot_b: 9 },
    ],
  ])("capture %s", (_name, points, postings, left) => {
    const { b, holdId, ids } = held();
    const entries = capture(b, holdId, points, "sale", day(1), ids);
    expect(entries.map((e) => e.type)).toEqual(["capture"]);
    expect(rows(entries[0])).toEqual(postings);
    expect(entries[0]?.closedHold).toEqual({ id: holdId, status: "captured", capturedPoints: points ?? 8 });
    expect(remaining(b)).toEqual(left);
    expect(b.holds).toEqual([]);
  });

  it("refuses to capture more than the hold, or a hold no longer active", () => {
    const { b, holdId, ids } = held();
    expect(() => capture(b, holdId, 9, null, day(1), ids)).toThrow(expect.objectContaining({ code: "validation_error" }));
    voidHold(b, holdId, "changed mind", day(1), ids);
    expect(() => capture(b, holdId, null, null, day(1), ids)).toThrow(expect.objectContaining({ code: "hold_not_active" }));
    expect(() => voidHold(b, holdId, null, day(1), ids)).toThrow(expect.objectContaining({ code: "hold_not_active" }));
  });

  it("a void gives every point back; to a lot expired meanwhile, straight on to breakage", () => {
    const { b, holdId, ids } = held();
    const entries = voidHold(b, holdId, "changed mind", day(6), ids);
    expect(entries.map((e) => [e.type, e.points])).toEqual([
      ["void", 8],
      ["expiry", 5],
    ]);
    expect(entries[0]?.closedHold).toEqual({ id: holdId, status: "voided", capturedPoints: null });
    expect(rows(entries[1])).toEqual([
      ["member_available", "lot_a", -5],
      ["breakage", "lot_a", 5],
    ]);
    expect(remaining(b)).toEqual({ lot_a: 0, lot_b: 10 });
  });
});
