import { describe, expect, it } from "vitest";
import { z } from "zod";
import { closestName, labelled, tellValidation } from "./field-words.ts";
import { installValidationMessages } from "./validation-messages.ts";

installValidationMessages();

describe("closestName", () => {
  it.each([
    ["emial", ["email", "phone", "q"], "email"],
    ["Limit", ["limit", "cursor"], "limit"],
    ["qq", ["q", "limit"], "q"],
    ["colour", ["cursor", "limit"], undefined],
    ["x", [], undefined],
  ] as const)("%s among %j is %s", (typed, known, expected) => {
    expect(closestName(typed, known)).toBe(expected);
  });
});

const Kinds = {
  a: z.object({ amount: labelled(z.int().min(1), { label: "Amount" }) }).strict(),
  b: z.object({ sku: labelled(z.string().min(1), { label: "SKU", ask: "Enter the SKU" }) }).strict(),
};
const Body = z
  .object({
    kind: z.enum(["a", "b"]),
    name: labelled(z.string().min(2), { label: "Name" }).optional(),
    note: z.string().max(3).optional(),
    value: labelled(z.union([Kinds.a, Kinds.b]), {
      label: "Value",
      branch: (parent) => Kinds[(parent as { kind: "a" | "b" }).kind],
    }),
  })
  .strict();

const told = (input: unknown, where: "body" | "query" = "body") => {
  const parsed = Body.safeParse(input);
  if (parsed.success) throw new Error("expected a refusal");
  return tellValidation(parsed.error, Body, input, where);
};

describe("tellValidation", () => {
  it.each([
    [
      "a label and zod's plain words",
      { kind: "a", value: { amount: 1 }, name: "x" },
      "Name must be at least 2 characters",
      "name",
    ],
    [
      "a path where no label is given",
      { kind: "a", value: { amount: 1 }, note: "long" },
      "note must be at most 3 characters",
      "note",
    ],
    ["the ask of the branch the kind chooses", { kind: "b", value: {} }, "Enter the SKU", "value.sku"],
    ["the branch, not zod's closest one", { kind: "b", value: { amount: 0 } }, "Enter the SKU", "value.sku"],
    [
      "an unknown field with its close match",
      { kind: "a", value: { amount: 1 }, nme: "Ada" },
      "Unknown field “nme” (did you mean “name”?)",
      "nme",
    ],
  ])("%s", (_, input, message, path) => {
    const answer = told(input);
    expect(answer.message).toBe(message);
    expect(answer.issues[0]?.path).toBe(path);
  });

  it("names an unknown query parameter first, before what it made look missing", () => {
    const answer = told({ value: { amount: 1 }, knd: "a" }, "query");
    expect(answer.message).toBe("Unknown query parameter “knd” (did you mean “kind”?)");
    expect(answer.issues.map((i) => i.code)).toEqual(["unrecognized_keys", "invalid_value"]);
  });
});
