import { describe, expect, it } from "vitest";
import type { UnknownMemberPolicy } from "../db/schema.ts";
import type { DomainError } from "../shared/errors.ts";
import type { KnownMember, OriginalPurchase } from "./earn-reads.sql.ts";
import type { EventInput } from "./events.schemas.ts";
import { checkEvents, memberLookup, memberRefs, resolveEach } from "./member-resolution.ts";

const NOW = new Date("2026-03-10T12:00:00Z");

const member = (id: string, fields: Partial<KnownMember> = {}): KnownMember => ({
  id,
  externalId: null,
  email: null,
  phone: null,
  attributes: {},
  status: "active",
  pendingReferrer: null,
  ...fields,
});
const MEMBERS = [
  member("mem_ada", { externalId: "X-ADA", email: "ada@example.com", phone: "+14155550100" }),
  member("mem_bob", { email: "bob@example.com" }),
  member("mem_eve", { status: "blocked" }),
];

const stored = (id: string, fields: Partial<OriginalPurchase>): OriginalPurchase => ({
  id,
  type: "purchase",
  status: "processed",
  memberId: "mem_ada",
  occurredAt: new Date("2026-03-01T12:00:00Z"),
  amount: 10_000,
  items: null,
  points: 100,
  returnedAmount: 0,
  clawedBack: 0,
  txnId: "txn_1",
  lotIds: ["lot_1"],
  returnedItems: [],
  sources: [],
  campaigns: [],
  ...fields,
});
const STORED = new Map(
  [
    stored("o-ada", {}),
    stored("o-eve", { memberId: "mem_eve" }),
    stored("o-rejected", { status: "rejected" }),
    stored("o-guest", { status: "guest", memberId: null }),
    stored("s-ada", { type: "signup" }),
  ].map((o) => [o.id, o]),
);

/** The members findMembers would read for these refs. */
const found = (refs: { ids: string[]; externalIds: string[]; emails: string[]; phones: string[] }) =>
  MEMBERS.filter(
    (m) =>
      refs.ids.includes(m.id) ||
      (m.externalId !== null && refs.externalIds.includes(m.externalId)) ||
      (m.email !== null && refs.emails.includes(m.email)) ||
      (m.phone !== null && refs.phones.includes(m.phone)),
  );

type Outcome =
  | { memberId: string | null; enrol?: { externalId: string | null; email: string | null; phone: string | null }; guest?: true }
  | { refused: string; details?: unknown };

/**
 * Resolves a batch as resolveMembers does, its two reads answered from MEMBERS and STORED: the
 * outcome of its last event (the events before it are the batch's earlier ones).
 */
function resolveLast(policy: UnknownMemberPolicy, inputs: Partial<EventInput>[]): Outcome {
  const program = { currency: "USD", country: "US", unknownMemberPolicy: policy, maxPurchaseAmount: 1_000_000 };
  const refused = new Map<number, DomainError>();
  const refuse = (index: number, _id: string, error: DomainError) => refused.set(index, error);
  const events = inputs.map((fields, index) => ({
    index,
    input: { id: `e${index}`, type: "purchase", amount: 1_000, ...fields } as EventInput,
    fingerprint: "",
  }));
  const checked = checkEvents(program, events, NOW, refuse);
  const { refs, phones } = memberRefs(program, checked, STORED);
  const resolved = resolveEach(program, checked, memberLookup(found(refs), phones, STORED), refuse);
  const last = inputs.length - 1;
  const error = refused.get(last);
  if (error) return error.details === undefined ? { refused: error.code } : { refused: error.code, details: error.details };
  const p = resolved.find((r) => r.index === last);
  if (!p) throw new Error("the last event was neither resolved nor refused");
  return {
    memberId: p.memberId,
    ...(p.enrol ? { enrol: { externalId: p.enrol.externalId, email: p.enrol.email, phone: p.enrol.phone } } : {}),
    ...(p.guest ? { guest: true as const } : {}),
  };
}

const ada = { memberId: "mem_ada" };

describe("resolveMember", () => {
  it.each<{ name: string; policy?: UnknownMemberPolicy; events: Partial<EventInput>[]; expected: Outcome }>([
    { name: "by id", events: [{ memberId: "mem_ada" }], expected: ada },
    { name: "an unknown id is refused", events: [{ memberId: "mem_nobody" }], expected: { refused: "not_found" } },
    {
      name: "an unknown id is refused under any policy",
      policy: "enroll",
      events: [{ memberId: "mem_nobody" }],
      expected: { refused: "not_found" },
    },
    { name: "by externalId", events: [{ member: { externalId: "X-ADA" } }], expected: ada },
    { name: "by email, whatever its case", events: [{ member: { email: "Ada@Example.COM" } }], expected: ada },
    { name: "by phone, national format", events: [{ member: { phone: "(415) 555-0100" } }], expected: ada },
    { name: "by phone, international format", events: [{ member: { phone: "+1 415-555-0100" } }], expected: ada },
    {
      name: "externalId before email",
      events: [{ member: { externalId: "X-ADA", email: "bob@example.com" } }],
      expected: ada,
    },
    {
      name: "an unknown member is enrolled under enroll, with normalised details",
      policy: "enroll",
      events: [{ member: { externalId: "X-NEW", email: "New@Example.com", phone: "(415) 555-0199" } }],
      expected: { memberId: null, enrol: { externalId: "X-NEW", email: "new@example.com", phone: "+14155550199" } },
    },
    {
      name: "an impossible phone is refused under enroll",
      policy: "enroll",
      events: [{ member: { phone: "123" } }],
      expected: { refused: "validation_error", details: { field: "member.phone" } },
    },
    {
      name: "an unknown member's purchase is a guest's under guest",
      policy: "guest",
      events: [{ member: { email: "new@example.com" } }],
      expected: { memberId: null, guest: true },
    },
    {
      name: "only a purchase may be a guest's",
      policy: "guest",
      events: [{ type: "signup", member: { email: "new@example.com" } }],
      expected: { refused: "not_found", details: { field: "member" } },
    },
    {
      name: "an unknown member is refused under reject",
      events: [{ member: { email: "new@example.com" } }],
      expected: { refused: "not_found", details: { field: "member" } },
    },
    {
      name: "a purchase naming no member is refused under reject",
      events: [{}],
      expected: { refused: "validation_error", details: { field: "memberId" } },
    },
    {
      name: "a purchase naming no member is a guest's under guest",
      policy: "guest",
      events: [{}],
      expected: { memberId: null, guest: true },
    },
    { name: "a blocked member cannot earn", events: [{ memberId: "mem_eve" }], expected: { refused: "member_blocked" } },
    {
      name: "a blocked member's return still takes points back",
      events: [{ type: "return", originalEventId: "o-eve" }],
      expected: { memberId: "mem_eve" },
    },
    { name: "a return's member is its purchase's", events: [{ type: "return", originalEventId: "o-ada" }], expected: ada },
    {
      name: "a return naming the purchase's member",
      events: [{ type: "return", originalEventId: "o-ada", member: { email: "ada@example.com" } }],
      expected: ada,
    },
    {
      name: "a return naming another member's purchase is refused",
      events: [{ type: "return", originalEventId: "o-ada", memberId: "mem_bob" }],
      expected: { refused: "validation_error", details: { field: "memberId" } },
    },
    {
      name: "a return of a purchase earlier in the same batch",
      events: [
        { id: "p1", memberId: "mem_bob" },
        { type: "return", originalEventId: "p1" },
      ],
      expected: { memberId: "mem_bob" },
    },
    {
      name: "a return naming another member's purchase earlier in the same batch is refused",
      events: [
        { id: "p1", memberId: "mem_bob" },
        { type: "return", originalEventId: "p1", memberId: "mem_ada" },
      ],
      expected: { refused: "validation_error", details: { field: "memberId" } },
    },
    {
      name: "a return of a guest purchase earlier in the same batch finds no purchase",
      policy: "guest",
      events: [{ id: "p1" }, { type: "return", originalEventId: "p1" }],
      expected: { refused: "not_found" },
    },
    {
      name: "a return of an unknown purchase is refused",
      events: [{ type: "return", originalEventId: "o-nothing" }],
      expected: { refused: "not_found" },
    },
    {
      name: "a return of an event that is no purchase is refused",
      events: [{ type: "return", originalEventId: "s-ada" }],
      expected: { refused: "validation_error", details: { field: "originalEventId" } },
    },
    {
      name: "a return of a rejected purchase is refused",
      events: [{ type: "return", originalEventId: "o-rejected" }],
      expected: { refused: "invalid_state" },
    },
    {
      name: "a return of a stored guest purchase is refused",
      events: [{ type: "return", originalEventId: "o-guest" }],
      expected: { refused: "invalid_state" },
    },
    {
      name: "an event normalizeEvent refuses is refused before its member is looked for",
      events: [{ memberId: "mem_nobody", currency: "EUR" }],
      expected: { refused: "validation_error", details: { field: "currency" } },
    },
  ])("$name", ({ policy, events, expected }) => {
    expect(resolveLast(policy ?? "reject", events)).toEqual(expected);
  });

  it("reads each phone once, as stored, and remembers impossible ones", () => {
    const events = ["(415) 555-0100", "+1 415-555-0100", "123"].map((phone, index) => ({
      index,
      input: { id: `e${index}`, type: "purchase", amount: 1, member: { phone } } as EventInput,
      fingerprint: "",
    }));
    const { refs, phones } = memberRefs(
      { country: "US" },
      checkEvents({ currency: "USD", maxPurchaseAmount: 1_000_000 }, events, NOW, () => {}),
      STORED,
    );
    expect(refs.phones).toEqual(["+14155550100", "+14155550100"]);
    expect(phones.get("123")).toBeNull();
  });
});
