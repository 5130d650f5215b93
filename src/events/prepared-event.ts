import type { EarnEvent, MemberFacts } from "../earning/earning.types.ts";
import { fingerprint } from "../idempotency/idempotency.service.ts";
import type { EventInput } from "./events.schemas.ts";

/** A member an event names by their details, whom the programme enrols (its `enroll` policy). */
export interface EnrolmentRef {
  key: string;
  externalId: string | null;
  email: string | null;
  phone: string | null;
}

/** One event on its way through the pipeline: validated, its member found (or to be enrolled). */
export interface PreparedEvent {
  /** Its place in the request (answers go back in order); sign-ups the system adds have negative ones. */
  index: number;
  input: EventInput;
  event: EarnEvent;
  fingerprint: string;
  memberId: string | null;
  /** Enrol a member with these details (the programme enrols unknown members). */
  enrol: EnrolmentRef | null;
  guest: boolean;
  /** Created by the system (a sign-up event), not sent by a client: answers nobody. */
  internal: boolean;
  /** A stored guest purchase being claimed by a member. */
  claim: boolean;
  /** What the rules know of the member, read when the member was found (none for new members). */
  facts: MemberFacts | null;
  /** This event enrolled its member. */
  enrolled: boolean;
}

/** A new member's `signup` event, which the system makes and stores like any other. */
export function signupEvent(memberId: string, now: Date, index: number): PreparedEvent {
  const input: EventInput = { id: `signup:${memberId}`, type: "signup", memberId, occurredAt: now.toISOString() };
  return {
    index,
    input,
    event: {
      id: input.id,
      type: "signup",
      occurredAt: now,
      amount: null,
      currency: "",
      items: null,
      channel: null,
      storeId: null,
      partnerId: null,
      attributes: {},
    },
    fingerprint: fingerprint("EVENT", "", input),
    memberId,
    enrol: null,
    guest: false,
    internal: true,
    claim: false,
    facts: null,
    enrolled: false,
  };
}
