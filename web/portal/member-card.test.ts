import { describe, expect, it } from "vitest";
import { groupCardNumber, qrPath } from "./member-card.ts";

describe("qrPath", () => {
  it.each([
    // [what, size, dark cells, path]
    ["nothing dark", 2, [], ""],
    ["one module, offset by the quiet zone", 2, ["0,0"], "M4 4h1v1h-1z"],
    ["a run of modules is one rectangle", 3, ["1,0", "1,1", "1,2"], "M4 5h3v1h-3z"],
    ["runs split by a light module", 3, ["0,0", "0,2"], "M4 4h1v1h-1zM6 4h1v1h-1z"],
  ] as const)("%s", (_, size, dark, path) => {
    const set = new Set<string>(dark);
    expect(qrPath(size, (r, c) => set.has(`${r},${c}`))).toBe(path);
  });
});

describe("groupCardNumber", () => {
  it.each([
    ["123456789012", "1234 5678 9012"],
    ["0000", "0000"],
  ])("%s -> %s", (card, grouped) => {
    expect(groupCardNumber(card)).toBe(grouped);
  });
});
