import { describe, expect, it } from "vitest";
import { describeRecurrence, occurrenceAt, occurrencesFrom, type Recurrence, recurrenceProblem } from "./recurrence.rules.ts";

const LONDON = "Europe/London";
const NEW_YORK = "America/New_York";
const iso = (o: { start: Date; end: Date } | null) => (o ? [o.start.toISOString(), o.end.toISOString()] : null);

const tuesdays: Recurrence = { freq: "weekly", byWeekday: ["tue"] };
const weekend: Recurrence = { freq: "weekly", byWeekday: ["sat"], duration: { days: 2 } };
const december: Recurrence = { freq: "yearly", byMonth: [12], byMonthDay: [1], duration: { months: 1 } };
const firstMonday: Recurrence = { freq: "monthly", byWeekday: ["mon"], nth: 1 };
const lastDay: Recurrence = { freq: "monthly", byMonthDay: [-1] };
const the31st: Recurrence = { freq: "monthly", byMonthDay: [31] };
const happyHour: Recurrence = { freq: "daily", startTime: "17:00", duration: { hours: 2 } };
const earlyBird: Recurrence = { freq: "daily", startTime: "01:30", duration: { hours: 2 } };

describe("occurrenceAt", () => {
  it.each([
    // Every Tuesday, whole days in London: GMT in winter, BST in summer.
    ["Tuesday in winter", tuesdays, "2027-01-12T10:00:00Z", LONDON, ["2027-01-12T00:00:00.000Z", "2027-01-13T00:00:00.000Z"]],
    ["Wednesday", tuesdays, "2027-01-13T10:00:00Z", LONDON, null],
    [
      "Tuesday's first instant",
      tuesdays,
      "2027-01-12T00:00:00Z",
      LONDON,
      ["2027-01-12T00:00:00.000Z", "2027-01-13T00:00:00.000Z"],
    ],
    ["Wednesday's first instant (end exclusive)", tuesdays, "2027-01-13T00:00:00Z", LONDON, null],
    ["Tuesday in summer (BST)", tuesdays, "2027-06-15T23:30:00Z", LONDON, null],
    [
      "Tuesday 00:30 BST is Monday 23:30 UTC",
      tuesdays,
      "2027-06-14T23:30:00Z",
      LONDON,
      ["2027-06-14T23:00:00.000Z", "2027-06-15T23:00:00.000Z"],
    ],
    // The week of the spring change (Sunday 28 March 2027): the Tuesday after is in BST.
    [
      "Tuesday after spring forward",
      tuesdays,
      "2027-03-30T12:00:00Z",
      LONDON,
      ["2027-03-29T23:00:00.000Z", "2027-03-30T23:00:00.000Z"],
    ],
    // A weekend that holds the autumn change (Sunday 31 October 2027) lasts 49 hours.
    [
      "weekend across fall back",
      weekend,
      "2027-10-31T23:30:00Z",
      LONDON,
      ["2027-10-29T23:00:00.000Z", "2027-11-01T00:00:00.000Z"],
    ],
    ["Monday after the weekend", weekend, "2027-11-01T00:00:00Z", LONDON, null],
    // Every December: the whole month, 31 December 23:59 in, 1 January out, across the year's end.
    [
      "December's last minute",
      december,
      "2027-12-31T23:59:00Z",
      LONDON,
      ["2027-12-01T00:00:00.000Z", "2028-01-01T00:00:00.000Z"],
    ],
    ["1 January", december, "2028-01-01T00:00:00Z", LONDON, null],
    ["December a year on", december, "2028-12-15T12:00:00Z", LONDON, ["2028-12-01T00:00:00.000Z", "2029-01-01T00:00:00.000Z"]],
    ["November", december, "2027-11-30T23:00:00Z", LONDON, null],
    // The first Monday of the month.
    [
      "first Monday of February 2027",
      firstMonday,
      "2027-02-01T09:00:00Z",
      LONDON,
      ["2027-02-01T00:00:00.000Z", "2027-02-02T00:00:00.000Z"],
    ],
    ["second Monday", firstMonday, "2027-02-08T09:00:00Z", LONDON, null],
    // Month ends: the last day in a leap February, in April; the 31st skips short months.
    [
      "last day of leap February",
      lastDay,
      "2028-02-29T12:00:00Z",
      LONDON,
      ["2028-02-29T00:00:00.000Z", "2028-03-01T00:00:00.000Z"],
    ],
    ["28 February 2028 is not the last", lastDay, "2028-02-28T12:00:00Z", LONDON, null],
    [
      "last day of April (BST)",
      lastDay,
      "2027-04-30T12:00:00Z",
      LONDON,
      ["2027-04-29T23:00:00.000Z", "2027-04-30T23:00:00.000Z"],
    ],
    ["31 January", the31st, "2027-01-31T12:00:00Z", LONDON, ["2027-01-31T00:00:00.000Z", "2027-02-01T00:00:00.000Z"]],
    ["30 April is no 31st", the31st, "2027-04-30T12:00:00Z", LONDON, null],
    // Happy hour 17:00-19:00 New York time, EST then EDT.
    [
      "happy hour in winter",
      happyHour,
      "2027-01-05T22:30:00Z",
      NEW_YORK,
      ["2027-01-05T22:00:00.000Z", "2027-01-06T00:00:00.000Z"],
    ],
    [
      "happy hour in summer",
      happyHour,
      "2027-07-05T21:30:00Z",
      NEW_YORK,
      ["2027-07-05T21:00:00.000Z", "2027-07-05T23:00:00.000Z"],
    ],
    ["after happy hour", happyHour, "2027-07-05T23:00:00Z", NEW_YORK, null],
    // 01:30 for 2 hours on the spring-forward night (02:00 -> 03:00): two real hours, 01:30 EST to 04:30 EDT.
    ["DST gap night", earlyBird, "2027-03-14T08:15:00Z", NEW_YORK, ["2027-03-14T06:30:00.000Z", "2027-03-14T08:30:00.000Z"]],
    // A start inside the gap (02:30 does not exist that night) moves to the instant after it.
    [
      "start in the DST gap",
      { freq: "daily" as const, startTime: "02:30", duration: { hours: 1 } },
      "2027-03-14T07:45:00Z",
      NEW_YORK,
      ["2027-03-14T07:30:00.000Z", "2027-03-14T08:30:00.000Z"],
    ],
  ])("%s", (_name, r, at, tz, expected) => {
    expect(iso(occurrenceAt(r, new Date(at), tz))).toEqual(expected);
  });
});

describe("occurrencesFrom", () => {
  it("lists the next Tuesdays across the autumn change, each a whole local day", () => {
    const next = occurrencesFrom(tuesdays, new Date("2027-10-20T00:00:00Z"), LONDON, 3).map(iso);
    expect(next).toEqual([
      ["2027-10-25T23:00:00.000Z", "2027-10-26T23:00:00.000Z"],
      ["2027-11-02T00:00:00.000Z", "2027-11-03T00:00:00.000Z"],
      ["2027-11-09T00:00:00.000Z", "2027-11-10T00:00:00.000Z"],
    ]);
  });

  it("starts with the occurrence running at `from`", () => {
    expect(iso(occurrencesFrom(december, new Date("2027-12-24T00:00:00Z"), LONDON, 1)[0] ?? null)).toEqual([
      "2027-12-01T00:00:00.000Z",
      "2028-01-01T00:00:00.000Z",
    ]);
  });

  it("stops before `until`", () => {
    const next = occurrencesFrom(tuesdays, new Date("2027-01-01T00:00:00Z"), LONDON, 10, new Date("2027-01-19T00:00:00Z"));
    expect(next.map((o) => o.start.toISOString())).toEqual(["2027-01-05T00:00:00.000Z", "2027-01-12T00:00:00.000Z"]);
  });

  it("finds 29 February years ahead", () => {
    const leap: Recurrence = { freq: "yearly", byMonth: [2], byMonthDay: [29] };
    expect(occurrencesFrom(leap, new Date("2025-03-01T00:00:00Z"), "UTC", 2).map((o) => o.start.toISOString())).toEqual([
      "2028-02-29T00:00:00.000Z",
      "2032-02-29T00:00:00.000Z",
    ]);
  });
});

describe("recurrenceProblem", () => {
  it.each<[string, Recurrence, string | null]>([
    ["every Tuesday", tuesdays, null],
    ["every weekend", weekend, null],
    ["every December", december, null],
    ["first Monday", firstMonday, null],
    ["happy hour", happyHour, null],
    ["weekly without days", { freq: "weekly" }, "recurrence.byWeekday"],
    ["yearly without months", { freq: "yearly", byMonthDay: [1] }, "recurrence.byMonth"],
    ["monthly with neither days nor weekday", { freq: "monthly" }, "recurrence.byMonthDay"],
    ["monthly with both", { freq: "monthly", byMonthDay: [1], byWeekday: ["mon"], nth: 1 }, "recurrence.byMonthDay"],
    ["weekday without nth", { freq: "monthly", byWeekday: ["mon"] }, "recurrence.nth"],
    ["daily with weekdays", { freq: "daily", byWeekday: ["mon"] }, "recurrence.freq"],
    ["zero length", { freq: "daily", duration: { hours: 0 } }, "recurrence.duration"],
    [
      "Saturday and Sunday for two days each overlap",
      { freq: "weekly", byWeekday: ["sat", "sun"], duration: { days: 2 } },
      "recurrence.duration",
    ],
    // 24 hours from midnight runs into the next day on the 23-hour spring-forward day.
    ["daily for 24 hours across DST", { freq: "daily", duration: { hours: 24 } }, "recurrence.duration"],
    ["daily for one day", { freq: "daily", duration: { days: 1 } }, null],
  ])("%s", (_name, r, field) => {
    expect(recurrenceProblem(r, LONDON)?.field ?? null).toBe(field);
  });
});

describe("describeRecurrence", () => {
  const from = new Date("2027-01-01T00:00:00Z");
  it.each<[Recurrence, Date | null, Date | null, string]>([
    [tuesdays, from, null, "Every Tuesday, 00:00-23:59, Europe/London, from 1 Jan 2027"],
    [weekend, null, null, "Every Saturday, from 00:00 for 2 days, Europe/London"],
    [
      december,
      from,
      new Date("2030-01-01T00:00:00Z"),
      "Every December, the whole month, Europe/London, from 1 Jan 2027, until 31 Dec 2029",
    ],
    [firstMonday, null, null, "Every month on the first Monday, 00:00-23:59, Europe/London"],
    [lastDay, null, null, "Every month on the last day, 00:00-23:59, Europe/London"],
    [happyHour, null, null, "Every day, 17:00-19:00, Europe/London"],
    [{ freq: "weekly", byWeekday: ["sun", "sat"] }, null, null, "Every Saturday and Sunday, 00:00-23:59, Europe/London"],
    [
      { freq: "yearly", byMonth: [11, 12], byMonthDay: [1, 15] },
      null,
      null,
      "Every year on the 1st and the 15th of November and December, 00:00-23:59, Europe/London",
    ],
  ])("%j", (r, starts, ends, text) => {
    expect(describeRecurrence(r, LONDON, starts, ends)).toBe(text);
  });
});
