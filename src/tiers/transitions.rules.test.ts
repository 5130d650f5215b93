import { describe, expect, it } from "vitest";
import { d } from "../../test/helpers/tier-fixtures.ts";
import { NO_TIER } from "./ladder.rules.ts";
import { changeTime, transition } from "./transitions.rules.ts";

describe("transitions", () => {
  it("changeTime: never before the member's last change", () => {
    const now = d("2026-03-02T16:00:01Z");
    expect(changeTime(now, null)).toEqual(now);
    expect(changeTime(now, d("2026-03-02T16:00:00Z"))).toEqual(now);
    expect(changeTime(now, d("2026-03-02T16:00:05Z"))).toEqual(d("2026-03-02T16:00:05Z"));
  });
});

describe("transition", () => {
  it("records a change from the state of record to the new one, decided outside a review", () => {
    const at = d("2026-03-02T16:00:00Z");
    const from = { ...NO_TIER, tierId: "tie_silver" };
    const to = { ...from, tierId: "tie_gold", since: at };
    expect(transition("mem_1", from, to, "qualified", 1200, at)).toEqual({
      memberId: "mem_1",
      from: "tie_silver",
      to: "tie_gold",
      reason: "qualified",
      metric: 1200,
      at,
      state: to,
      note: null,
      review: false,
    });
  });
});
