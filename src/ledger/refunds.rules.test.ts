import { describe, expect, it } from "vitest";
import { book, counterIds, day, lot, remaining, rows } from "../../test/helpers/ledger-books.ts";
import { refund } from "./refunds.rules.ts";

/** A capture took 4 from lot_a (expiring on day 5) and 6 from lot_b (never expiring). */
const spent = () => book([lot("lot_a", 0, { amount: 4, expiresAt: day(5) }), lot("lot_b", 0, { amount: 6 })]);
const refundable = [
  { lotId: "lot_a", points: 4 },
  { lotId: "lot_b", points: 6 },
];

describe("refund", () => {
  it.each([
    [
      5,
      [
        ["redeemed", null, -5],
        ["member_available", "lot_b", 5],
      ],
      { lot_a: 0, lot_b: 5 },
    ],
    [
      8,
      [
        ["redeemed", null, -8],
        ["member_available", "lot_b", 6],
        ["member_available", "lot_a", 2],
      ],
      { lot_a: 2, lot_b: 6 },
    ],
  ])("%i points go back to the lots they came from, latest expiry first", (points, postings, left) => {
    const b = spent();
    const entries = refund(b, { points, refundable, reason: null }, day(1), counterIds());
    expect(entries.map((e) => e.type)).toEqual(["refund"]);
    expect(rows(entries[0])).toEqual(postings);
    expect(remaining(b)).toEqual(left);
  });

  it("a lot that expired meanwhile passes its points straight on to breakage", () => {
    const b = spent();
    const entries = refund(b, { points: 4, refundable: [{ lotId: "lot_a", points: 4 }], reason: null }, day(6), counterIds());
    expect(entries.map((e) => [e.type, e.points])).toEqual([
      ["refund", 4],
      ["expiry", 4],
    ]);
    expect(rows(entries[1])).toEqual([
      ["member_available", "lot_a", -4],
      ["breakage", "lot_a", 4],
    ]);
  });

  it("refuses more than is left to refund", () => {
    expect(() => refund(spent(), { points: 11, refundable, reason: null }, day(1), counterIds())).toThrow(
      expect.objectContaining({ code: "validation_error", details: { requested: 11, refundable: 10 } }),
    );
  });
});
