import { findMembers, type Member } from "./api/members.ts";

export type LookupShape = "email" | "phone" | "text";

/** What the cashier typed: an email (has @), a phone or card number (mostly digits), or other text. */
export function shapeOf(text: string): LookupShape {
  const s = text.trim();
  if (s.includes("@")) return "email";
  const digits = s.replace(/\D/g, "").length;
  if (digits >= 3 && /^[+\d\s().\-/]+$/.test(s)) return "phone";
  return "text";
}

const find = async (query: { email?: string; phone?: string; externalId?: string; cardNumber?: string; q?: string }) =>
  (await findMembers({ ...query, limit: 10 })).data;

/**
 * The members the one lookup field means: an email by email; digits by phone (normalized by the
 * server with the programme's country), by card number (the portal's digital card, typed or from a
 * keyboard-wedge scanner: its digits then Enter) and by external id at once; anything else by
 * external id, then by name, email, phone or id containing it.
 */
export async function lookupMembers(text: string): Promise<Member[]> {
  const s = text.trim();
  switch (shapeOf(s)) {
    case "email":
      return find({ email: s });
    case "phone": {
      const [byCard, byPhone, byId] = await Promise.all([find({ cardNumber: s }), find({ phone: s }), find({ externalId: s })]);
      const seen = new Set<string>();
      return [...byCard, ...byPhone, ...byId].filter((m) => !seen.has(m.id) && seen.add(m.id));
    }
    default: {
      const byId = await find({ externalId: s });
      return byId.length > 0 ? byId : find({ q: s });
    }
  }
}

export const memberLabel = (m: Member) => m.name ?? m.email ?? m.phone ?? m.externalId ?? m.id;
