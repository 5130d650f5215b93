import { describe, expect, it } from "vitest";
import { book, counterIds, day, rows } from "../../test/helpers/ledger-books.ts";
import { credit, creditParts, expireLapsed } from "./credits.rules.ts";

const spec = (availableAt = day(1)) => ({
  type: "earn" as const,
  reason: "purchase",
  points: 10,
  source: "issued" as const,
  availableAt,
  expiresAt: day(30),
});

describe("credits", () => {
  it.each([
    [
      "no debt: a lot of all of it",
      0,
      day(1),
      [
        ["issued", null, -10],
        ["member_available", "lot_2", 10],
      ],
      0,
      [10],
    ],
    [
      "debt: paid first, the rest a lot",
      4,
      day(1),
      [
        ["issued", null, -10],
        ["member_debt", null, 4],
        ["member_available", "lot_2", 6],
      ],
      0,
      [6],
    ],
    [
      "more debt than points: no lot",
      15,
      day(1),
      [
        ["issued", null, -10],
        ["member_debt", null, 10],
      ],
      5,
      [],
    ],
    [
      "pending: a pending lot, the debt waits",
      4,
      day(5),
      [
        ["issued", null, -10],
        ["member_pending", "lot_2", 10],
      ],
      4,
      [10],
    ],
  ])("%s", (_name, debt, availableAt, postings, debtAfter, lots) => {
    const b = book([], { debt });
    const entry = credit(b, spec(availableAt), day(1), counterIds());
    expect(rows(entry)).toEqual(postings);
    expect(b.debt).toBe(debtAfter);
    expect(entry.createdLots.map((l) => l.amount)).toEqual(lots);
    expect(entry.createdLots.map((l) => l.expiresAt)).toEqual(lots.map(() => day(30)));
  });

  it("credits parts as one transaction, a lot each, with their funding", () => {
    const b = book();
    const entry = creditParts(
      b,
      {
        type: "earn",
        reason: null,
        parts: [
          { points: 5, source: "issued", availableAt: day(1), expiresAt: null },
          { points: 3, source: "partner", partnerId: "ptn_1", availableAt: day(8), expiresAt: day(60) },
        ],
      },
      day(1),
      counterIds(),
    );
    expect(entry.points).toBe(8);
    expect(entry.postings.map((p) => [p.account, p.partnerId ?? null, p.amount])).toEqual([
      ["issued", null, -5],
      ["member_available", null, 5],
      ["partner", "ptn_1", -3],
      ["member_pending", null, 3],
    ]);
    expect(b.lots.map((l) => [l.state, l.availableAt, l.expiresAt])).toEqual([
      ["available", day(1), null],
      ["pending", day(8), day(60)],
    ]);
  });

  it("points already expired when credited (a late-posted event) pay no debt and expire at once into breakage", () => {
    const b = book([], { debt: 4 });
    const ids = counterIds();
    const entry = creditParts(
      b,
      {
        type: "earn",
        reason: null,
        parts: [
          { points: 10, source: "issued", availableAt: day(1), expiresAt: day(20) },
          { points: 5, source: "issued", availableAt: day(1), expiresAt: day(40) },
        ],
      },
      day(30),
      ids,
    );
    // The live part pays the debt; the lapsed one stays whole in its lot.
    expect(rows(entry)).toEqual([
      ["issued", null, -10],
      ["member_available", "lot_2", 10],
      ["issued", null, -5],
      ["member_debt", null, 4],
      ["member_available", "lot_3", 1],
    ]);
    const expired = expireLapsed(b, entry, day(30), ids);
    expect(expired.map((e) => [e.type, e.effectiveAt, rows(e)])).toEqual([
      [
        "expiry",
        day(30),
        [
          ["member_available", "lot_2", -10],
          ["breakage", "lot_2", 10],
        ],
      ],
    ]);
    expect(b.lots.map((l) => l.remaining)).toEqual([0, 1]);
    expect(expireLapsed(b, entry, day(30), ids)).toEqual([]);
  });
});
