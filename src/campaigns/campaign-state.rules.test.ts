import { describe, expect, it } from "vitest";
import type { LiveCampaign } from "../earning/earning.types.ts";
import { campaignState, upcomingOccurrences } from "./campaign-state.rules.ts";

const LONDON = "Europe/London";
const d = (iso: string) => new Date(iso);
const base = { status: "active" as LiveCampaign["status"], startsAt: null, endsAt: null, recurrence: null };
const tuesdays = { freq: "weekly" as const, byWeekday: ["tue" as const] };

describe("campaignState", () => {
  it.each<[string, Partial<LiveCampaign>, string, string]>([
    ["a draft", { status: "draft" }, "2027-01-12T10:00:00Z", "draft"],
    ["paused", { status: "paused" }, "2027-01-12T10:00:00Z", "paused"],
    ["ended for good", { status: "ended" }, "2027-01-12T10:00:00Z", "ended"],
    ["active, no schedule", {}, "2027-01-12T10:00:00Z", "running"],
    ["active, not started", { startsAt: d("2027-02-01T00:00:00Z") }, "2027-01-12T10:00:00Z", "scheduled"],
    ["active, inside its window", { endsAt: d("2027-02-01T00:00:00Z") }, "2027-01-12T10:00:00Z", "running"],
    // The bug: an active campaign whose schedule is over listed as "active".
    ["active, past its end", { endsAt: d("2027-01-01T00:00:00Z") }, "2027-01-12T10:00:00Z", "ended"],
    ["active, at its end", { endsAt: d("2027-01-12T10:00:00Z") }, "2027-01-12T10:00:00Z", "ended"],
    ["recurring, on a Tuesday", { recurrence: tuesdays }, "2027-01-12T10:00:00Z", "running"],
    ["recurring, on a Wednesday", { recurrence: tuesdays }, "2027-01-13T10:00:00Z", "between"],
    [
      "recurring, no Tuesday left before its end",
      { recurrence: tuesdays, endsAt: d("2027-01-18T00:00:00Z") },
      "2027-01-13T10:00:00Z",
      "ended",
    ],
    [
      "recurring, not started",
      { recurrence: tuesdays, startsAt: d("2027-02-01T00:00:00Z") },
      "2027-01-13T10:00:00Z",
      "scheduled",
    ],
  ])("%s", (_name, fields, now, state) => {
    expect(campaignState({ ...base, ...fields }, d(now), LONDON)).toBe(state);
  });
});

describe("upcomingOccurrences", () => {
  it("lists the next Tuesdays inside the window, cut to it", () => {
    const c = { ...base, recurrence: tuesdays, startsAt: d("2027-01-12T12:00:00Z"), endsAt: d("2027-01-26T06:00:00Z") };
    expect(
      upcomingOccurrences(c, d("2027-01-01T00:00:00Z"), LONDON, 5).map((o) => [o.start.toISOString(), o.end.toISOString()]),
    ).toEqual([
      ["2027-01-12T12:00:00.000Z", "2027-01-13T00:00:00.000Z"],
      ["2027-01-19T00:00:00.000Z", "2027-01-20T00:00:00.000Z"],
      ["2027-01-26T00:00:00.000Z", "2027-01-26T06:00:00.000Z"],
    ]);
  });
});
