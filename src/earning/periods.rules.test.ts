import { describe, expect, it } from "vitest";
import { program } from "../../test/helpers/earning-fixtures.ts";
import { type Period, periodEnd, periodStart, resolveBound } from "./periods.rules.ts";

describe("periods", () => {
  it("resolves dates in the programme's time zone, an end date inclusive", () => {
    expect(resolveBound("2026-12-20", program.timezone, "start").toISOString()).toBe("2026-12-20T05:00:00.000Z");
    expect(resolveBound("2026-12-26", program.timezone, "end").toISOString()).toBe("2026-12-27T05:00:00.000Z");
    expect(periodStart("week", new Date("2026-03-12T03:00:00Z"), program.timezone).toISOString()).toBe(
      "2026-03-09T04:00:00.000Z",
    );
  });

  it("takes an instant bound as it is", () => {
    expect(resolveBound("2026-12-20T10:00:00Z", program.timezone, "end").toISOString()).toBe("2026-12-20T10:00:00.000Z");
  });

  it.each([
    ["day", "2026-03-11T03:59:00Z", "2026-03-10T04:00:00.000Z", "2026-03-11T04:00:00.000Z"],
    ["week", "2026-03-12T03:00:00Z", "2026-03-09T04:00:00.000Z", "2026-03-16T04:00:00.000Z"],
    ["month", "2026-03-01T04:59:00Z", "2026-02-01T05:00:00.000Z", "2026-03-01T05:00:00.000Z"],
    ["year", "2026-06-15T16:00:00Z", "2026-01-01T05:00:00.000Z", "2027-01-01T05:00:00.000Z"],
    ["lifetime", "2026-06-15T16:00:00Z", "1970-01-01T00:00:00.000Z", "+275760-09-13T00:00:00.000Z"],
  ] as [Period, string, string, string][])("the %s around %s, programme time: [%s, %s)", (period, at, start, end) => {
    expect(periodStart(period, new Date(at), program.timezone).toISOString()).toBe(start);
    expect(periodEnd(period, new Date(at), program.timezone).toISOString()).toBe(end);
  });
});
