import { describe, expect, it } from "vitest";
import { BRONZE, CALENDAR, d, GOLD, LADDER, policy, SILVER, state, TZ } from "../../test/helpers/tier-fixtures.ts";
import { type BatchMember, TierProgress } from "./batch.rules.ts";
import type { TierState } from "./ladder.rules.ts";

describe("TierProgress: tiers carried through a batch", () => {
  const now = d("2026-06-15T16:00:00Z");

  const member = (s: TierState, metric: number, over: Partial<BatchMember> = {}): BatchMember => ({
    state: s,
    metric,
    keep: null,
    lastChange: null,
    ...over,
  });

  it("an event earns in the tier held when it occurred: history before the last change, the carried tier after", () => {
    const past = new Map([
      [
        "m",
        [
          { from: d("2025-01-10T00:00:00Z"), tierId: BRONZE.id },
          { from: d("2025-09-01T00:00:00Z"), tierId: GOLD.id },
          { from: d("2026-02-01T00:00:00Z"), tierId: SILVER.id },
        ],
      ],
    ]);
    const progress = new TierProgress(LADDER, policy(), TZ, now, new Map([["m", member(state(SILVER.id), 900)]]), [], past);
    const at = (iso: string) => progress.factsTierAt("m", d(iso))?.name;
    expect([
      at("2024-06-01T00:00:00Z"),
      at("2025-03-01T00:00:00Z"),
      at("2025-10-01T00:00:00Z"),
      at("2026-03-01T00:00:00Z"),
    ]).toEqual(["Bronze", "Bronze", "Gold", "Silver"]);
    // An upgrade the batch brings holds from now: a late event still earns in the tier of its time.
    progress.add("m", 100, [now]);
    expect([at("2025-10-01T00:00:00Z"), at("2026-03-01T00:00:00Z"), progress.factsTierAt("m", now)?.name]).toEqual([
      "Gold",
      "Silver",
      "Gold",
    ]);
    expect(progress.clone().factsTierAt("m", d("2026-03-01T00:00:00Z"))?.name).toBe("Silver");
  });

  it("an event that reaches a threshold upgrades the member for the events after it", () => {
    const progress = new TierProgress(LADDER, policy(), TZ, now, new Map([["m", member(state(SILVER.id), 900)]]));
    expect(progress.factsTier("m")).toMatchObject({ name: "Silver", earnMultiplier: 1 });
    const clone = progress.clone();
    expect(progress.add("m", 99, [now])).toEqual([]);
    expect(progress.add("m", 1, [now])).toMatchObject([{ reason: "qualified", from: SILVER.id, to: GOLD.id, metric: 1000 }]);
    expect(progress.factsTier("m")).toMatchObject({ name: "Gold", earnMultiplier: 1.5 });
    expect(progress.add("m", -600, [now])).toEqual([]);
    expect(progress.factsTier("m")?.name).toBe("Gold");
    expect(progress.changedStates().get("m")?.tierId).toBe(GOLD.id);
    // A clone is its own: the first pass of a batch cannot leak into the second.
    expect(clone.factsTier("m")?.name).toBe("Silver");
    expect(clone.transitions).toEqual([]);
  });

  it("an event outside the window adds nothing; a change is dated no earlier than the member's last", () => {
    const last = d("2026-06-15T16:00:05Z");
    const progress = new TierProgress(
      LADDER,
      policy(),
      TZ,
      now,
      new Map([["m", member(state(SILVER.id), 900, { lastChange: last })]]),
    );
    expect(progress.add("m", 500, [d("2025-01-01T00:00:00Z")])).toEqual([]);
    expect(progress.add("m", 100, [now])).toMatchObject([{ to: GOLD.id, at: last, state: { since: last } }]);
  });

  it("in grace, requalifying counts the review's window extended to now", () => {
    const inGrace = state(GOLD.id, { reviewAt: d("2026-06-01T04:00:00Z"), graceUntil: d("2026-07-01T04:00:00Z") });
    const keep = { from: d("2025-06-01T04:00:00Z"), value: 700 };
    const progress = new TierProgress(LADDER, CALENDAR, TZ, now, new Map([["m", member(inGrace, 0, { keep })]]));
    // Before this calendar year: outside the window as of now, inside the review's.
    expect(progress.add("m", 50, [d("2025-12-01T00:00:00Z")])).toEqual([]);
    expect(progress.add("m", 50, [now])).toMatchObject([{ reason: "retained", metric: 800 }]);
  });

  it("counts what occurred in the window as of now", () => {
    const progress = new TierProgress(LADDER, policy(), TZ, now, new Map());
    expect(progress.counts(d("2025-06-15T16:00:00.001Z"))).toBe(true);
    expect(progress.counts(d("2025-06-15T16:00:00Z"))).toBe(false);
    expect(progress.counts(now)).toBe(true);
    expect(progress.counts(d("2026-06-15T16:00:00.001Z"))).toBe(false);
    expect(progress.factsTier("unknown")).toBeNull();
  });
});
