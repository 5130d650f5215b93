import { describe, expect, expectTypeOf, it } from "vitest";
import { type Answer, type Body, type Schema, type Sent, urlOf } from "./client.ts";

describe("urlOf", () => {
  const cases: [string, string, Parameters<typeof urlOf>[1], string][] = [
    ["a path without parameters", "/v1/tiers", undefined, "/v1/tiers"],
    ["a path parameter", "/v1/members/{memberId}", { path: { memberId: "mem_1" } }, "/v1/members/mem_1"],
    ["a parameter encoded", "/v1/vouchers/{code}", { path: { code: "AB C/1" } }, "/v1/vouchers/AB%20C%2F1"],
    ["a query", "/v1/members", { query: { q: "ann", limit: 10 } }, "/v1/members?q=ann&limit=10"],
    ["blank and unset filters left out", "/v1/rules", { query: { status: "", campaignId: undefined, x: null } }, "/v1/rules"],
    [
      "both",
      "/v1/members/{memberId}/ledger",
      { path: { memberId: "m" }, query: { cursor: "c" } },
      "/v1/members/m/ledger?cursor=c",
    ],
  ];
  it.each(cases)("%s", (_, template, init, url) => {
    expect(urlOf(template, init)).toBe(url);
  });

  it("refuses a path parameter without a value", () => {
    expect(() => urlOf("/v1/members/{memberId}", { path: {} })).toThrow("no value for {memberId}");
  });
});

describe("the types derived from the OpenAPI document", () => {
  it("answers and bodies follow the paths", () => {
    expectTypeOf<Answer<"/v1/members/{memberId}">>().toEqualTypeOf<Schema<"MemberDetail">>();
    expectTypeOf<Answer<"/v1/members", "post">>().toEqualTypeOf<Schema<"Member">>();
    expectTypeOf<Body<"/v1/members/{memberId}", "patch">>().toEqualTypeOf<Schema<"UpdateMember">>();
  });

  it("a sent body may leave any field out or null, but not change its type", () => {
    expectTypeOf<{ points: undefined }>().toExtend<Sent<Schema<"Effect">>>();
    expectTypeOf<{ type: "fixed_points"; points: null }>().toExtend<Sent<Schema<"Effect">>>();
    expectTypeOf<{ type: "no_such_effect" }>().not.toExtend<Sent<Schema<"Effect">>>();
  });
});
