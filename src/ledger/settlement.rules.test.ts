import { describe, expect, it } from "vitest";
import { book, counterIds, day, lot, remaining, rows } from "../../test/helpers/ledger-books.ts";
import type { BookLot, MemberBook } from "./books.rules.ts";
import { hold } from "./holds.rules.ts";
import { settle } from "./settlement.rules.ts";

const pending = (fields: Partial<BookLot> = {}) => lot("lot_p", 10, { state: "pending", availableAt: day(2), ...fields });

describe("settle: what falls due, in time order, each dated when it fell due", () => {
  it.each([
    ["nothing before it is due", book([pending()]), 1, []],
    ["a pending lot becomes available", book([pending()]), 3, [["activation", day(2), 10]]],
    ["a lot expires into breakage", book([lot("lot_e", 4, { expiresAt: day(3) })]), 4, [["expiry", day(3), 4]]],
    [
      "a lot that expires before it is available only expires",
      book([pending({ expiresAt: day(2) })]),
      6,
      [["expiry", day(2), 10]],
    ],
    ["an empty lot expires without an entry", book([lot("lot_e", 0, { expiresAt: day(3) })]), 4, []],
  ] as [string, MemberBook, number, [string, Date, number][]][])("%s", (_name, b, asOf, expected) => {
    expect(settle(b, day(asOf), counterIds()).map((e) => [e.type, e.effectiveAt, e.points])).toEqual(expected);
  });

  it("posts an activation from pending to available, and pays debt from it", () => {
    const b = book([pending()], { debt: 3 });
    const [activation] = settle(b, day(3), counterIds());
    expect(rows(activation)).toEqual([
      ["member_pending", "lot_p", -10],
      ["member_available", "lot_p", 10],
      ["member_available", "lot_p", -3],
      ["member_debt", null, 3],
    ]);
    expect(b.debt).toBe(0);
    expect(remaining(b)).toEqual({ lot_p: 7 });
  });

  it("a hold that times out before its lot expires gives the points back, and the expiry takes them", () => {
    const ids = counterIds();
    const b = book([lot("lot_a", 10, { expiresAt: day(3) })]);
    hold(b, { points: 4, expiresAt: day(2), reason: null }, day(1), ids);
    const entries = settle(b, day(4), ids);
    expect(entries.map((e) => [e.type, e.effectiveAt, e.points])).toEqual([
      ["void", day(2), 4],
      ["expiry", day(3), 10],
    ]);
    expect(entries[0]?.closedHold?.status).toBe("expired");
    expect(b.holds).toEqual([]);
  });
});
