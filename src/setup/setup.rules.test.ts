import { describe, expect, it } from "vitest";
import type { ChecklistMark } from "../db/schema.ts";
import { checklistOf, programLinks, setupIsOpen, setupLink, tokenRefusal } from "./setup.rules.ts";

describe("setupIsOpen", () => {
  it.each([
    { anyProgram: false, tokensIssued: false, tokenUsed: false, open: true, why: "a first start" },
    {
      anyProgram: true,
      tokensIssued: true,
      tokenUsed: false,
      open: true,
      why: "a restart before the link was used (the demo exists)",
    },
    { anyProgram: true, tokensIssued: false, tokenUsed: false, open: false, why: "an install set up before setup links" },
    { anyProgram: true, tokensIssued: true, tokenUsed: true, open: false, why: "setup done" },
    { anyProgram: false, tokensIssued: true, tokenUsed: true, open: false, why: "used, whatever else" },
  ])("$why: $open", ({ open, why: _why, ...facts }) => {
    expect(setupIsOpen(facts)).toBe(open);
  });
});

describe("tokenRefusal", () => {
  const now = new Date("2026-05-04T09:00:00Z");
  const at = (iso: string) => new Date(iso);
  it.each([
    { token: undefined, closed: false, want: "unknown" },
    { token: { expiresAt: at("2026-05-05T00:00:00Z"), usedAt: null }, closed: false, want: null },
    { token: { expiresAt: at("2026-05-05T00:00:00Z"), usedAt: at("2026-05-04T08:00:00Z") }, closed: true, want: "used" },
    { token: { expiresAt: at("2026-05-05T00:00:00Z"), usedAt: null }, closed: true, want: "used" },
    { token: { expiresAt: now, usedAt: null }, closed: false, want: "expired" },
    { token: { expiresAt: at("2026-05-04T09:00:00.001Z"), usedAt: null }, closed: false, want: null },
  ])("%o", ({ token, closed, want }) => {
    expect(tokenRefusal(token, closed, now)).toBe(want);
  });
});

describe("checklistOf", () => {
  const none = {
    activeRule: false,
    activeReward: false,
    tier: false,
    staffAccounts: 1,
    memberSignedIn: false,
    marks: new Set<ChecklistMark>(),
  };
  const doneIds = (facts: typeof none) =>
    checklistOf(facts)
      .items.filter((i) => i.done)
      .map((i) => i.id);
  it.each([
    { facts: none, done: [] },
    { facts: { ...none, activeRule: true }, done: ["earn_rule"] },
    { facts: { ...none, activeReward: true }, done: ["reward"] },
    { facts: { ...none, tier: true }, done: ["tiers"] },
    { facts: { ...none, staffAccounts: 2 }, done: ["staff"] },
    { facts: { ...none, memberSignedIn: true }, done: ["portal_link"] },
    { facts: { ...none, marks: new Set<ChecklistMark>(["portal_link_shared"]) }, done: ["portal_link"] },
    { facts: { ...none, marks: new Set<ChecklistMark>(["till_opened"]) }, done: ["till_link"] },
  ])("$done", ({ facts, done }) => {
    expect(doneIds(facts)).toEqual(done);
  });

  it("is complete when every step is done, and dismissed only by its mark", () => {
    const all = {
      activeRule: true,
      activeReward: true,
      tier: true,
      staffAccounts: 3,
      memberSignedIn: true,
      marks: new Set<ChecklistMark>(["till_opened"]),
    };
    expect(checklistOf(all)).toMatchObject({ complete: true, dismissed: false });
    expect(checklistOf({ ...all, marks: new Set<ChecklistMark>(["till_opened", "dismissed"]) }).dismissed).toBe(true);
    expect(checklistOf({ ...all, tier: false }).complete).toBe(false);
  });
});

describe("links", () => {
  it.each([
    ["http://localhost:3000", "prg_1", "http://localhost:3000/portal/prg_1", "http://localhost:3000/pos?program=prg_1"],
    [
      "https://loyalty.example.com/stampbook",
      "prg_2",
      "https://loyalty.example.com/stampbook/portal/prg_2",
      "https://loyalty.example.com/stampbook/pos?program=prg_2",
    ],
  ])("%s", (base, id, portal, till) => {
    expect(programLinks(base, id)).toMatchObject({ programId: id, portalUrl: portal, tillUrl: till });
  });

  it("puts the setup token in the fragment, which browsers never send to a server", () => {
    expect(setupLink("http://localhost:3000", "sb_setup_abc")).toBe("http://localhost:3000/admin/setup#token=sb_setup_abc");
  });
});
