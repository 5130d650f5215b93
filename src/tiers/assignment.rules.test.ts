import { describe, expect, it } from "vitest";
import { BRONZE, d, GOLD, LADDER, PLATINUM, policy, SILVER, state, TZ } from "../../test/helpers/tier-fixtures.ts";
import { assign, unlock } from "./assignment.rules.ts";

describe("manual assignment", () => {
  const now = d("2026-06-15T16:00:00Z");

  it("the tier the member holds keeps its since; locking it again when locked changes nothing", () => {
    const silver = state(SILVER.id, { since: d("2026-01-15T17:00:00Z"), reviewAt: d("2027-01-15T17:00:00Z") });
    const locked = assign("m", LADDER, policy(), silver, SILVER, true, now, TZ, "staff");
    expect(locked?.state).toEqual({ ...silver, reviewAt: null, locked: true });
    expect(locked && assign("m", LADDER, policy(), locked.state, SILVER, true, now, TZ, "again")).toBeNull();
    expect(locked && assign("m", LADDER, policy(), locked.state, GOLD, true, now, TZ, "up")?.state.since).toEqual(now);
  });

  it("locked: no review; unlocked: reviewed a period on", () => {
    expect(assign("m", LADDER, policy(), state(BRONZE.id), PLATINUM, true, now, TZ, "VIP")?.state).toEqual({
      tierId: PLATINUM.id,
      since: now,
      reviewAt: null,
      graceUntil: null,
      locked: true,
    });
    expect(assign("m", LADDER, policy(), state(BRONZE.id), GOLD, false, now, TZ, "trial")?.state.reviewAt).toEqual(
      d("2027-06-15T16:00:00Z"),
    );
  });

  it("unlocking keeps the tier and its since, and starts the period now", () => {
    const vip = state(PLATINUM.id, { since: d("2025-01-01T05:00:00Z"), locked: true });
    expect(unlock("m", LADDER, policy(), vip, now, TZ, "no longer VIP")).toMatchObject({
      reason: "unlocked",
      note: "no longer VIP",
      state: { tierId: PLATINUM.id, since: d("2025-01-01T05:00:00Z"), reviewAt: d("2027-06-15T16:00:00Z"), locked: false },
    });
    expect(unlock("m", LADDER, policy(), state(GOLD.id), now, TZ, "x")).toBeNull();
  });
});
