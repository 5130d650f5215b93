import { describe, expect, it } from "vitest";
import { assignNewMembers } from "./new-members.ts";
import type { PreparedEvent } from "./prepared-event.ts";

const NOW = new Date("2026-01-15T12:00:00Z");

function naming(
  index: number,
  ref: { externalId?: string; email?: string; phone?: string } | null,
  memberId: string | null = null,
) {
  const enrol = ref ? { key: "", externalId: ref.externalId ?? null, email: ref.email ?? null, phone: ref.phone ?? null } : null;
  return { index, input: { id: `o${index}` }, memberId, enrol } as unknown as PreparedEvent;
}

function assign(events: PreparedEvent[]) {
  let n = 0;
  return assignNewMembers(events, NOW, () => `mem_new${++n}`);
}

describe("assignNewMembers", () => {
  it("leaves events of known members alone", () => {
    const result = assign([naming(0, null, "mem_a")]);
    expect(result.events.map((e) => e.memberId)).toEqual(["mem_a"]);
    expect(result.newMembers).toEqual([]);
  });

  it("enrols one member per person, with a sign-up event before their first event", () => {
    const result = assign([
      naming(0, { email: "a@x.com" }),
      naming(1, { email: "a@x.com", externalId: "X1" }),
      naming(2, { email: "b@x.com" }),
    ]);
    expect(result.newMembers).toEqual([
      { id: "mem_new1", externalId: "X1", email: "a@x.com", phone: null },
      { id: "mem_new2", externalId: null, email: "b@x.com", phone: null },
    ]);
    expect(result.events.map((e) => [e.input.id, e.memberId, e.enrolled])).toEqual([
      ["signup:mem_new1", "mem_new1", false],
      ["o0", "mem_new1", true],
      ["o1", "mem_new1", false],
      ["signup:mem_new2", "mem_new2", false],
      ["o2", "mem_new2", true],
    ]);
    expect(result.events.filter((e) => e.internal).map((e) => e.index)).toEqual([-2, -3]);
  });

  it.each([
    { name: "two external ids for one email", second: { email: "a@x.com", externalId: "X2" }, field: "member.externalId" },
    { name: "details of two different new members", second: { email: "b@x.com", externalId: "X1" }, field: "member.externalId" },
  ])("refuses $name", ({ second, field }) => {
    const first =
      second.email === "b@x.com"
        ? [naming(0, { externalId: "X1" }), naming(1, { email: "b@x.com" })]
        : [naming(0, { email: "a@x.com", externalId: "X1" })];
    const result = assign([...first, naming(9, second)]);
    const error = result.refused.get(9);
    expect(error?.code).toBe("conflict");
    expect(error?.details).toEqual({ field });
  });
});
