import { describe, expect, it } from "vitest";
import { inJsonbOrder } from "./jsonb-order.ts";

describe("inJsonbOrder", () => {
  it.each([
    ["shorter keys first, then byte order", { type: 1, id: 2, eventId: 3, b: 4, a: 5 }, ["a", "b", "id", "type", "eventId"]],
    ["byte order within a length (upper case before lower)", { b: 1, B: 2, a: 3 }, ["B", "a", "b"]],
    ["length in UTF-8 bytes, not characters", { é: 1, ab: 2, c: 3 }, ["c", "ab", "é"]],
    ["undefined fields are left out, as JSON leaves them", { z: undefined, y: 1 }, ["y"]],
  ])("%s", (_name, input, keys) => {
    expect(Object.keys(inJsonbOrder(input) as object)).toEqual(keys);
  });

  it("orders nested objects and objects in arrays, and keeps other values", () => {
    const out = inJsonbOrder({ points: { total: 1, available: 2 }, list: [{ zz: 1, a: null }], at: "x", n: 1.5 });
    expect(JSON.stringify(out)).toBe('{"n":1.5,"at":"x","list":[{"a":null,"zz":1}],"points":{"total":1,"available":2}}');
  });
});
