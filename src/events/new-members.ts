import type { NewEventMember } from "../members/members.service.ts";
import { DomainError } from "../shared/errors.ts";
import { type PreparedEvent, signupEvent } from "./prepared-event.ts";

const FIELDS = ["externalId", "email", "phone"] as const;

export interface NewMembersAssigned {
  /** The events, each with its member id, and the sign-up events of new members before their first. */
  events: PreparedEvent[];
  newMembers: NewEventMember[];
  /** Events whose details contradict another event's enrolment, by index. */
  refused: Map<number, DomainError>;
}

/**
 * Gives the unknown members events name an id (one per member, however many events name them),
 * marks the first of their events as the one that enrolled them, and queues their sign-up
 * events before it. The write path then inserts them; a dry run only pretends.
 */
export function assignNewMembers(events: PreparedEvent[], now: Date, newMemberId: () => string): NewMembersAssigned {
  const created: NewEventMember[] = [];
  const by = {
    externalId: new Map<string, NewEventMember>(),
    email: new Map<string, NewEventMember>(),
    phone: new Map<string, NewEventMember>(),
  };
  const result: PreparedEvent[] = [];
  const refused = new Map<number, DomainError>();
  for (const p of events) {
    const ref = p.enrol;
    if (!ref) {
      result.push(p);
      continue;
    }
    // Events naming the same person by any of their details enrol one member; details that
    // contradict each other (one email, two external ids) cannot both be right.
    const matches = new Set(
      FIELDS.flatMap((f) => {
        const value = ref[f];
        return value ? [by[f].get(value)] : [];
      }).filter((m) => m !== undefined),
    );
    const [member, ...others] = [...matches];
    const clash = member && FIELDS.find((f) => ref[f] && member[f] && member[f] !== ref[f]);
    if (others.length > 0 || clash) {
      refused.set(
        p.index,
        new DomainError("conflict", `Another event in this batch enrols a different member with the same ${clash ?? "details"}`, {
          field: `member.${clash ?? "externalId"}`,
        }),
      );
      continue;
    }
    let target = member;
    if (!target) {
      target = { id: newMemberId(), externalId: null, email: null, phone: null };
      created.push(target);
      result.push(signupEvent(target.id, now, -1 - created.length));
    }
    for (const f of FIELDS) {
      const value = ref[f];
      if (value && !target[f]) {
        target[f] = value;
        by[f].set(value, target);
      }
    }
    result.push({ ...p, memberId: target.id, enrolled: !member });
  }
  return { events: result, newMembers: created, refused };
}
