import { describe, expect, it } from "vitest";
import { emptyRecurrence, formatOccurrence, recurrenceBody, recurrenceDraft, recurrencePreview } from "./recurrence-draft.ts";

const LONDON = "Europe/London";

describe("recurrence form", () => {
  it.each([
    [{ freq: "weekly" as const, byWeekday: ["tue" as const] }],
    [{ freq: "weekly" as const, byWeekday: ["sat" as const], duration: { days: 2 } }],
    [{ freq: "yearly" as const, byMonth: [12], byMonthDay: [1], duration: { months: 1 } }],
    [{ freq: "monthly" as const, byWeekday: ["mon" as const], nth: 1 }],
    [{ freq: "monthly" as const, byMonthDay: [1, 15, -1] }],
    [{ freq: "daily" as const, startTime: "17:00", duration: { hours: 2 } }],
  ])("round-trips %j", (r) => {
    expect(recurrenceBody(recurrenceDraft(r))).toEqual({ duration: { days: 1 }, ...r });
  });

  it("does not repeat by default", () => {
    expect(recurrenceBody(recurrenceDraft(null))).toBeNull();
    expect(recurrencePreview(emptyRecurrence, LONDON, { startsAt: null, endsAt: null }, new Date())).toBeNull();
  });

  it("sends what is not a number as typed, so the API names it", () => {
    const body = recurrenceBody({ ...emptyRecurrence, freq: "daily", durationAmount: "two" });
    expect(body?.duration).toEqual({ days: "two" });
  });

  it("summarises the draft and lists its next occurrences in programme time", () => {
    const draft = recurrenceDraft({ freq: "weekly", byWeekday: ["tue"] });
    const preview = recurrencePreview(
      draft,
      LONDON,
      { startsAt: new Date("2027-01-01T00:00:00Z"), endsAt: null },
      new Date("2026-12-07T12:00:00Z"),
      3,
    );
    expect(preview?.summary).toBe("Every Tuesday, 00:00-23:59, Europe/London, from 1 Jan 2027");
    expect(preview?.next.map((o) => formatOccurrence(o, LONDON))).toEqual([
      "Tue 5 Jan 2027, 00:00 – Wed 6 Jan, 00:00",
      "Tue 12 Jan 2027, 00:00 – Wed 13 Jan, 00:00",
      "Tue 19 Jan 2027, 00:00 – Wed 20 Jan, 00:00",
    ]);
  });
});
