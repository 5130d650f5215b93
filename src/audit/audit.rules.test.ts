import { describe, expect, it } from "vitest";
import { actorRef, builtInActorName } from "./audit.rules.ts";

describe("actorRef: which staff member or key an actor names", () => {
  it.each([
    ["staff:stf_1", { kind: "staff", id: "stf_1" }],
    ["key:key_1", { kind: "key", id: "key_1" }],
    // Till events before the actor was fixed were stored as key:staff:<id>: the staff member.
    ["key:staff:stf_1", { kind: "staff", id: "stf_1" }],
    ["key:root:env", { kind: "key", id: "root:env" }],
    ["system:jobs", null],
    ["member:mem_1", null],
    ["cli", null],
    ["staff:", null],
  ])("%s", (actor, ref) => {
    expect(actorRef(actor)).toEqual(ref);
  });
});

describe("builtInActorName", () => {
  it.each([
    ["key:root:env", "Operator key (STAMPBOOK_ROOT_KEY)"],
    ["system:jobs", "System (due work)"],
    ["system:something-new", "System"],
    ["member:mem_1", "The member (portal)"],
    ["portal:enrolment", "Member portal (sign-up)"],
    ["staff:stf_1", null],
    ["key:key_1", null],
  ])("%s -> %s", (actor, name) => {
    expect(builtInActorName(actor)).toBe(name);
  });
});
