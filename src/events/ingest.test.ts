import { describe, expect, it } from "vitest";
import { answerRepeat, answerStored, parseEvents } from "./ingest.ts";

const purchase = (id: string, amount = 100) => ({ id, type: "purchase", memberId: "mem_a", amount });

describe("parseEvents", () => {
  it.each([
    { name: "a valid event", raw: [purchase("o1")], valid: [0], refused: [] as number[], repeats: [] as number[] },
    { name: "an invalid event", raw: [{ id: "o1", type: "purchase", amount: "lots" }], valid: [], refused: [0], repeats: [] },
    { name: "a system id from a client", raw: [purchase("signup:x")], valid: [], refused: [0], repeats: [] },
    { name: "a repeated id", raw: [purchase("o1"), purchase("o1"), purchase("o1", 5)], valid: [0], refused: [], repeats: [1, 2] },
  ])("$name", ({ raw, valid, refused, repeats }) => {
    const parsed = parseEvents(raw, false);
    expect(parsed.valid.map((v) => v.index)).toEqual(valid);
    expect([...parsed.refused.keys()]).toEqual(refused);
    expect(parsed.repeats.map((r) => r.index)).toEqual(repeats);
  });

  it("lets the system use its own ids", () => {
    expect(parseEvents([purchase("birthday:mem_a:2026")], true).valid).toHaveLength(1);
  });

  it("keeps the id of an invalid event for its answer", () => {
    expect(parseEvents([{ id: "o9", type: "purchase", amount: "lots" }], false).refused.get(0)?.eventId).toBe("o9");
  });
});

describe("answerStored and answerRepeat", () => {
  const parsed = parseEvents([purchase("o1"), purchase("o2"), purchase("o3")], false);
  const [o1, o2] = parsed.valid;
  const stored = new Map([
    ["o1", { id: "o1", fingerprint: o1?.fingerprint ?? "", status_code: 201, result: { eventId: "o1" } }],
    ["o2", { id: "o2", fingerprint: "other", status_code: 201, result: { eventId: "o2" } }],
  ]);

  it("replays the same content, refuses other content, leaves the rest fresh", () => {
    const { fresh, answers } = answerStored(parsed.valid, stored, "req");
    expect(fresh.map((f) => f.input.id)).toEqual(["o3"]);
    expect(answers.get(0)).toMatchObject({ status: 201, replayed: true });
    expect(answers.get(1)).toMatchObject({ status: 409, replayed: false, eventId: o2?.input.id });
  });

  it.each([
    { same: true, status: 201, replayed: true },
    { same: false, status: 409, replayed: false },
  ])("a repeat with the same content $same: $status", ({ same, status, replayed }) => {
    const first = { eventId: "o1", status: 201, replayed: false, body: { eventId: "o1" } } as never;
    const answer = answerRepeat({ index: 1, of: 0, fingerprint: same ? "f" : "g" }, first, "f", "req");
    expect(answer).toMatchObject({ status, replayed });
  });
});
