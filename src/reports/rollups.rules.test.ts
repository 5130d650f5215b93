import { describe, expect, it } from "vitest";
import { chunks, dayOf, dayRuns, dayStart, NOTHING_ROLLED, nextDay, splitRange } from "./rollups.rules.ts";

describe("rollup days", () => {
  it("are the programme's calendar days, across daylight saving changes", () => {
    expect(dayOf(new Date("2026-03-08T04:59:00Z"), "America/New_York")).toBe("2026-03-07");
    expect(dayOf(new Date("2026-03-08T05:00:00Z"), "America/New_York")).toBe("2026-03-08");
    // 8 March 2026 is 23 hours long in New York: it starts at 05:00 UTC, the next at 04:00.
    expect(dayStart("2026-03-08", "America/New_York").toISOString()).toBe("2026-03-08T05:00:00.000Z");
    expect(dayStart("2026-03-09", "America/New_York").toISOString()).toBe("2026-03-09T04:00:00.000Z");
    expect(nextDay("2026-02-28")).toBe("2026-03-01");
    expect(nextDay("2028-02-28")).toBe("2028-02-29");
  });

  it.each([
    { days: [], runs: [] },
    { days: ["2026-01-05"], runs: [{ from: "2026-01-05", to: "2026-01-06" }] },
    {
      days: ["2026-01-07", "2026-01-05", "2026-01-06", "2026-01-06", "2026-01-31", "2026-02-01", "2026-03-01"],
      runs: [
        { from: "2026-01-05", to: "2026-01-08" },
        { from: "2026-01-31", to: "2026-02-02" },
        { from: "2026-03-01", to: "2026-03-02" },
      ],
    },
  ])("changed days $days are rebuilt as runs of consecutive days", ({ days, runs }) => {
    expect(dayRuns(days)).toEqual(runs);
  });

  it("catch up a week per transaction, the last piece shorter", () => {
    expect(chunks("2026-01-01", "2026-01-17", 7)).toEqual([
      { from: "2026-01-01", to: "2026-01-08" },
      { from: "2026-01-08", to: "2026-01-15" },
      { from: "2026-01-15", to: "2026-01-17" },
    ]);
    expect(chunks("2026-01-01", "2026-01-01", 7)).toEqual([]);
  });
});

describe("a report range split with a rollup", () => {
  const zone = "UTC";
  const at = (day: string) => new Date(`${day}T00:00:00Z`);

  it("reads every day live when nothing is rolled up", () => {
    expect(splitRange(NOTHING_ROLLED, "2026-01-01", "2026-02-01", zone)).toEqual({
      rolled: { from: "2026-01-01", to: "2026-01-01" },
      changed: [],
      live: [{ start: at("2026-01-01"), end: at("2026-02-01") }],
    });
  });

  it("reads rolled-up days from the rollup, and live the days after it and the days changed since its watermark", () => {
    const view = { rolledThrough: "2026-01-20", changed: ["2025-12-31", "2026-01-03", "2026-01-04", "2026-01-10"] };
    expect(splitRange(view, "2026-01-01", "2026-02-01", zone)).toEqual({
      rolled: { from: "2026-01-01", to: "2026-01-20" },
      // A day changed before the range is not the report's concern.
      changed: ["2026-01-03", "2026-01-04", "2026-01-10"],
      live: [
        { start: at("2026-01-03"), end: at("2026-01-05") },
        { start: at("2026-01-10"), end: at("2026-01-11") },
        { start: at("2026-01-20"), end: at("2026-02-01") },
      ],
    });
  });

  it("reads a range the rollup covers from it alone", () => {
    expect(splitRange({ rolledThrough: "2026-03-01", changed: [] }, "2026-01-01", "2026-02-01", zone)).toEqual({
      rolled: { from: "2026-01-01", to: "2026-02-01" },
      changed: [],
      live: [],
    });
  });
});
