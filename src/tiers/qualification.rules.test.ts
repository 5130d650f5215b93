import { describe, expect, it } from "vitest";
import { BRONZE, d, GOLD, LADDER, policy, SILVER, state, TZ } from "../../test/helpers/tier-fixtures.ts";
import { NO_TIER } from "./ladder.rules.ts";
import { enrol, qualify } from "./qualification.rules.ts";

describe("enrolment and upgrades", () => {
  const now = d("2026-06-15T16:00:00Z");

  it("a member without a tier gets the bottom one, never reviewed", () => {
    expect(enrol("m", LADDER, NO_TIER, now)).toMatchObject({
      from: null,
      to: BRONZE.id,
      reason: "enrolment",
      state: { tierId: BRONZE.id, since: now, reviewAt: null, graceUntil: null, locked: false },
    });
    expect(enrol("m", LADDER, state(SILVER.id), now)).toBeNull();
    expect(enrol("m", [], NO_TIER, now)).toBeNull();
  });

  it.each([
    ["Bronze, 1200: straight to Gold (the highest reached)", state(BRONZE.id), 1200, "Gold", "qualified"],
    ["Bronze, 499: nothing", state(BRONZE.id), 499, null, null],
    ["Silver, 999: nothing", state(SILVER.id), 999, null, null],
    ["Gold, 400 (below its own threshold): never a downgrade outside a review", state(GOLD.id), 400, null, null],
    ["no tier of record, 600: Silver", NO_TIER, 600, "Silver", "qualified"],
    ["no tier of record, 10: nothing (the bottom tier comes by enrolment)", NO_TIER, 10, null, null],
    ["locked Silver, 3000: untouched", state(SILVER.id, { locked: true }), 3000, null, null],
    [
      "Gold in grace, 800 (its retain threshold): retained",
      state(GOLD.id, { reviewAt: d("2026-06-01T04:00:00Z"), graceUntil: d("2026-07-01T04:00:00Z") }),
      800,
      "Gold",
      "retained",
    ],
    [
      "Gold in grace, 799: still in grace",
      state(GOLD.id, { reviewAt: d("2026-06-01T04:00:00Z"), graceUntil: d("2026-07-01T04:00:00Z") }),
      799,
      null,
      null,
    ],
  ])("%s", (_name, from, metric, to, reason) => {
    const change = qualify("m", LADDER, policy(), from, metric, now, TZ);
    expect(change && { to: LADDER.find((t) => t.id === change.to)?.name, reason: change.reason }).toEqual(
      to === null ? null : { to, reason },
    );
  });

  it("an upgrade starts the tier now and sets its review one period on", () => {
    expect(qualify("m", LADDER, policy(), state(BRONZE.id), 1000, now, TZ)?.state).toEqual({
      tierId: GOLD.id,
      since: now,
      reviewAt: d("2027-06-15T16:00:00Z"),
      graceUntil: null,
      locked: false,
    });
  });

  it("requalifying in grace keeps the review cycle: the next review is one period after the one that started the grace", () => {
    const inGrace = state(GOLD.id, {
      since: d("2025-05-01T04:00:00Z"),
      reviewAt: d("2026-06-01T04:00:00Z"),
      graceUntil: d("2026-07-01T04:00:00Z"),
    });
    expect(qualify("m", LADDER, policy(), inGrace, 900, now, TZ)?.state).toEqual({
      ...inGrace,
      reviewAt: d("2027-06-01T04:00:00Z"),
      graceUntil: null,
    });
  });
});
