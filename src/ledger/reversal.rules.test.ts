import { describe, expect, it } from "vitest";
import { book, counterIds, day, lot, remaining, rows } from "../../test/helpers/ledger-books.ts";
import type { PostingDraft } from "./books.rules.ts";
import type { ClawbackPolicy } from "./ledger.schemas.ts";
import { type OriginalEntry, REVERSIBLE_TYPES, reverse } from "./reversal.rules.ts";

const posting = (account: PostingDraft["account"], lotId: string | null, amount: number): PostingDraft => ({
  account,
  memberId: account.startsWith("member_") ? "mem_1" : null,
  lotId,
  holdId: null,
  amount,
});
const original = (type: OriginalEntry["type"], postings: PostingDraft[]): OriginalEntry => ({
  id: "txn_orig",
  type,
  memberId: "mem_1",
  counterpartyMemberId: null,
  points: 10,
  postings,
});
/** An earn of 10 points into lot_e. */
const earn = original("earn", [posting("issued", null, -10), posting("member_available", "lot_e", 10)]);

describe("reverse", () => {
  it.each(["earn", "adjustment", "transfer", "capture"] as const)("a %s can be undone", (type) => {
    expect(REVERSIBLE_TYPES.has(type)).toBe(true);
  });

  it.each(["expiry", "activation", "hold", "void", "reversal", "clawback", "refund"] as const)(
    "a %s is the ledger's own bookkeeping: refused",
    (type) => {
      const b = book();
      expect(() => reverse(original(type, []), new Map([["mem_1", b]]), "available_only", null, day(1), counterIds())).toThrow(
        expect.objectContaining({ code: "not_reversible" }),
      );
    },
  );

  it.each([
    [
      "untouched: from its own lot",
      10,
      0,
      "available_only",
      [
        ["issued", null, 10],
        ["member_available", "lot_e", -10],
      ],
      0,
    ],
    [
      "partly spent: the rest from other points",
      4,
      20,
      "available_only",
      [
        ["issued", null, 10],
        ["member_available", "lot_e", -4],
        ["member_available", "lot_o", -6],
      ],
      0,
    ],
    [
      "spent everywhere under allow_debt: a debt",
      4,
      2,
      "allow_debt",
      [
        ["issued", null, 10],
        ["member_available", "lot_e", -4],
        ["member_available", "lot_o", -2],
        ["member_debt", null, -4],
      ],
      4,
    ],
  ] as [string, number, number, ClawbackPolicy, [string, string | null, number][], number][])(
    "an earn %s",
    (_name, left, other, policy, postings, debt) => {
      const b = book([lot("lot_e", left, { amount: 10 }), lot("lot_o", other)]);
      const [entry] = reverse(earn, new Map([["mem_1", b]]), policy, "undo", day(1), counterIds());
      expect(entry).toMatchObject({ type: "reversal", reversesId: "txn_orig", points: 10, reason: "undo" });
      expect(rows(entry)).toEqual(postings);
      expect(b.debt).toBe(debt);
    },
  );

  it("refuses under available_only when the points are spent", () => {
    const b = book([lot("lot_e", 4, { amount: 10 }), lot("lot_o", 2)]);
    expect(() => reverse(earn, new Map([["mem_1", b]]), "available_only", null, day(1), counterIds())).toThrow(
      expect.objectContaining({ code: "insufficient_points" }),
    );
  });

  it("a debit undone gives the points back to the lots it took them from", () => {
    const b = book([lot("lot_a", 0, { amount: 5, expiresAt: day(30) })]);
    const debit = original("adjustment", [posting("member_available", "lot_a", -5), posting("adjustments", null, 5)]);
    const [entry] = reverse(debit, new Map([["mem_1", b]]), "available_only", null, day(1), counterIds());
    expect(rows(entry)).toEqual([
      ["adjustments", null, -5],
      ["member_available", "lot_a", 5],
    ]);
    expect(remaining(b)).toEqual({ lot_a: 5 });
  });
});
