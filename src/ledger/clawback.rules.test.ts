import { describe, expect, it } from "vitest";
import { book, counterIds, day, lot, rows } from "../../test/helpers/ledger-books.ts";
import type { BookLot } from "./books.rules.ts";
import { clawback } from "./clawback.rules.ts";
import type { ReturnPolicy } from "./ledger.schemas.ts";

/** The returned purchase's own lot (lot_c, 10 credited) beside the member's other points (lot_o). */
const books = (own: Partial<BookLot>, other: number) =>
  book([lot("lot_c", 10, { amount: 10, ...own }), lot("lot_o", other, { expiresAt: day(90) })]);

const take = (policy: ReturnPolicy, b = books({}, 20), points = 10) =>
  clawback(
    b,
    { points, lotIds: ["lot_c"], sources: [{ account: "issued", partnerId: null, points }], policy, reason: "return" },
    day(1),
    counterIds(),
  );

describe("clawback: a return takes back the points its purchase gave", () => {
  it.each([
    [
      "pending_only, still pending",
      "pending_only",
      { state: "pending", availableAt: day(5) },
      20,
      [["member_pending", "lot_c", -6]],
      0,
    ],
    ["available_only, from its own lot", "available_only", {}, 20, [["member_available", "lot_c", -6]], 0],
    [
      "available_only, 2 left on its lot: the rest from other points",
      "available_only",
      { remaining: 2 },
      20,
      [
        ["member_available", "lot_c", -2],
        ["member_available", "lot_o", -4],
      ],
      0,
    ],
    [
      "what expired of its lot comes back from breakage",
      "available_only",
      { remaining: 1, expired: 3 },
      20,
      [
        ["member_available", "lot_c", -1],
        ["breakage", "lot_c", -3],
        ["member_available", "lot_o", -2],
      ],
      0,
    ],
    [
      "allow_debt, spent everywhere: a recorded debt",
      "allow_debt",
      { remaining: 0 },
      2,
      [
        ["member_available", "lot_o", -2],
        ["member_debt", null, -4],
      ],
      4,
    ],
  ] as [string, ReturnPolicy, Partial<BookLot>, number, [string, string | null, number][], number][])(
    "%s",
    (_name, policy, own, other, postings, debt) => {
      const b = books(own, other);
      const entry = take(policy, b, 6);
      expect(rows(entry)).toEqual([["issued", null, 6], ...postings]);
      expect(b.debt).toBe(debt);
    },
  );

  it.each([
    ["pending_only, once available", "pending_only", {}, 20, 0],
    ["available_only, spent everywhere", "available_only", { remaining: 0 }, 2, 2],
  ] as [string, ReturnPolicy, Partial<BookLot>, number, number][])("refused: %s", (_name, policy, own, other, found) => {
    expect(() => take(policy, books(own, other), 6)).toThrow(
      expect.objectContaining({ code: "insufficient_points", details: expect.objectContaining({ available: found, policy }) }),
    );
  });
});
