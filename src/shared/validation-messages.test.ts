import { describe, expect, it } from "vitest";
import { z } from "zod";
import { installValidationMessages } from "./validation-messages.ts";

installValidationMessages();

const messages = (schema: z.ZodType, input: unknown) =>
  Object.fromEntries((schema.safeParse(input).error?.issues ?? []).map((i) => [i.path.join(".") || "(body)", i.message]));

describe("validation messages in plain words", () => {
  const schema = z
    .object({
      reason: z.string().min(1),
      name: z.string().min(3).max(5),
      points: z.int().min(1).max(10),
      email: z.email(),
      day: z.iso.date(),
      kind: z.enum(["credit", "debit"]),
      tags: z.array(z.string()).min(1),
      password: z.string().min(12, "must be at least 12 characters, please"),
    })
    .strict();

  it("says what is wrong with each field", () => {
    expect(
      messages(schema, {
        reason: "",
        name: "ab",
        points: 1.5,
        email: "x",
        day: "2026-13-01",
        kind: "gift",
        tags: [],
        password: "short",
        extra: 1,
      }),
    ).toEqual({
      reason: "must not be empty",
      name: "must be at least 3 characters",
      points: "must be a whole number",
      email: "must be an email address",
      day: "must be a date, YYYY-MM-DD",
      kind: 'must be one of "credit", "debit"',
      tags: "must have at least 1 item",
      password: "must be at least 12 characters, please",
      "(body)": "unknown field extra",
    });
  });

  it("says what is missing, and bounds", () => {
    expect(messages(schema, { name: "abcdefg", points: 11 })).toMatchObject({
      reason: "is required",
      name: "must be at most 5 characters",
      points: "must be at most 10",
    });
    expect(messages(z.object({ n: z.number() }), { n: "1" })).toEqual({ n: "must be a number" });
  });
});
