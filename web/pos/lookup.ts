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

/** The members shown (at most 10) and how many match in all, as the API counts them. */
export interface LookupResult {
  members: Member[];
  total: number;
  /** More than `total` match (the API stops counting at 10,000). */
  capped: boolean;
}

const find = async (query: {
  email?: string;
  phone?: string;
  externalId?: string;
  cardNumber?: string;
  q?: string;
}): Promise<LookupResult> => {
  const answer = await findMembers({ ...query, limit: 10 });
  return { members: answer.data, total: answer.total.count, capped: answer.total.capped };
};

/**
 * The members the one lookup field means: an email by email; digits by phone (normalized by the
 * server with the programme's country), by card number (the portal's digital card, typed or from a
 * keyboard-wedge scanner: its digits then Enter) and by external id at once; anything else by
 * external id, then by name, email, phone or id containing it.
 */
export async function lookupMembers(text: string): Promise<LookupResult> {
  const s = text.trim();
  switch (shapeOf(s)) {
    case "email":
      return find({ email: s });
    case "phone": {
      const [byCard, byPhone, byId] = await Promise.all([find({ cardNumber: s }), find({ phone: s }), find({ externalId: s })]);
      const seen = new Set<string>();
      const all = [...byCard.members, ...byPhone.members, ...byId.members];
      const members = all.filter((m) => !seen.has(m.id) && seen.add(m.id));
      // A member found more than one way counts once (exact matches are few: all of them are on the page).
      const total = byCard.total + byPhone.total + byId.total - (all.length - members.length);
      return { members, total, capped: byCard.capped || byPhone.capped || byId.capped };
    }
    default: {
      const byId = await find({ externalId: s });
      return byId.members.length > 0 ? byId : find({ q: s });
    }
  }
}

/** "2 members match “ada”"; "73 members match “ada”: the first 10 are shown" when there are more. */
export function matchHeading(found: LookupResult, query: string): string {
  const count = `${found.capped ? "More than " : ""}${found.total.toLocaleString("en-US")}`;
  const more = found.capped || found.total > found.members.length ? `: the first ${found.members.length} are shown` : "";
  return `${count} members match “${query}”${more}`;
}

export const memberLabel = (m: Member) => m.name ?? m.email ?? m.phone ?? m.externalId ?? m.id;
