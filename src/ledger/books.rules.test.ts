import { describe, expect, it } from "vitest";
import { book, counterIds, day, lot } from "../../test/helpers/ledger-books.ts";
import { bookOf, draft, lotAccount, memberNet, type PostingDraft } from "./books.rules.ts";

describe("books", () => {
  it("bookOf finds a loaded book, and a missing one is a bug", () => {
    const mine = book();
    expect(bookOf(new Map([["mem_1", mine]]), "mem_1")).toBe(mine);
    expect(() => bookOf(new Map(), "mem_2")).toThrow("book of mem_2 is not loaded");
  });

  it.each([
    ["available", "member_available"],
    ["pending", "member_pending"],
  ] as const)("a %s lot's points sit in %s", (state, account) => {
    expect(lotAccount(lot("lot_a", 1, { state }))).toBe(account);
  });

  it("a draft gets a transaction id and empty parts", () => {
    expect(draft(counterIds(), { type: "earn", memberId: "mem_1", points: 5, effectiveAt: day(1) })).toEqual({
      id: "txn_1",
      type: "earn",
      memberId: "mem_1",
      counterpartyMemberId: null,
      holdId: null,
      reversesId: null,
      points: 5,
      reason: null,
      effectiveAt: day(1),
      postings: [],
      createdLots: [],
      openedHold: null,
      closedHold: null,
    });
  });

  const posting = (account: PostingDraft["account"], memberId: string | null, amount: number): PostingDraft => ({
    account,
    memberId,
    lotId: null,
    holdId: null,
    amount,
  });
  it.each([
    ["a credit", [posting("issued", null, -10), posting("member_available", "mem_1", 10)], 10],
    ["a debt taken on", [posting("member_available", "mem_1", -4), posting("member_debt", "mem_1", -6)], -10],
    ["a transfer out", [posting("member_available", "mem_1", -7), posting("member_available", "mem_2", 7)], -7],
    ["a hold (points stay the member's)", [posting("member_available", "mem_1", -3), posting("member_held", "mem_1", 3)], 0],
  ])("memberNet of %s", (_name, postings, net) => {
    expect(memberNet(postings, "mem_1")).toBe(net);
  });
});
