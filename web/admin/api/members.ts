/** The console's members: search, profile, balance, tier, history lists and changes, with their query keys. */
import { type Answer, api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type Member = Schema<"Member">;
export type MemberStatus = Member["status"];
export type MemberDetail = Schema<"MemberDetail">;
export type MemberList = Answer<"/v1/members">;
export type Balance = Schema<"Balance">;
export type LedgerEntry = Schema<"LedgerEntry">;
export type LedgerType = LedgerEntry["type"];
export type EventPage = Answer<"/v1/members/{memberId}/events">;
export type Referral = Schema<"Referral">;
export type StoredEvent = EventPage["data"][number];
export type NewMember = Body<"/v1/members", "post">;
export type MemberChanges = Body<"/v1/members/{memberId}", "patch">;
export type Adjustment = Body<"/v1/members/{memberId}/adjustments", "post">;

/** A member's history lists, each read a page at a time by the API's cursor. */
export type HistoryList = "ledger" | "events" | "redemptions" | "referrals";

export const memberKeys = {
  /** Every list and search of members. */
  all: ["members"] as const,
  search: (term: string, cursor: string | undefined, value: ValueQuery = {}) =>
    ["members", "list", term, cursor ?? null, value] as const,
  /** Everything read about one member: invalidating it refreshes the page. */
  one: (memberId: string) => ["member", memberId] as const,
  balance: (memberId: string) => ["member", memberId, "balance"] as const,
  tier: (memberId: string) => ["member", memberId, "tier"] as const,
  history: (memberId: string, list: HistoryList, cursor: string | undefined) =>
    ["member", memberId, list, cursor ?? null] as const,
};

/** The member list's order by a customer-value figure (descending with '-'); the default is by member id. */
export type ValueSort = "clv" | "-clv" | "probabilityAlive" | "-probabilityAlive";

/**
 * The member list by customer value: sorted by a figure, or only members whose CLV (minor units) or
 * probability of being active (0..1) is within bounds. Either lists only members with a value.
 */
export interface ValueQuery {
  sort?: ValueSort;
  minClv?: number;
  maxClv?: number;
  minProbabilityAlive?: number;
  maxProbabilityAlive?: number;
}

export const findMembers = (query: { phone?: string; q?: string; limit: number; cursor?: string | undefined } & ValueQuery) =>
  api.get("/v1/members", { query });

export const getMember = (memberId: string) => api.get("/v1/members/{memberId}", { path: { memberId } });

export const getBalance = (memberId: string) => api.get("/v1/members/{memberId}/balance", { path: { memberId } });

export const getTierStatus = (memberId: string) => api.get("/v1/members/{memberId}/tier", { path: { memberId } });

export const createMember = (body: Sent<NewMember>, options?: RequestOptions) => api.post("/v1/members", { body }, options);

export const updateMember = (memberId: string, body: Sent<MemberChanges>, options?: RequestOptions) =>
  api.patch("/v1/members/{memberId}", { path: { memberId }, body }, options);

export const adjustPoints = (memberId: string, body: Sent<Adjustment>, options?: RequestOptions) =>
  api.post("/v1/members/{memberId}/adjustments", { path: { memberId }, body }, options);

export type Paging = { limit: number; cursor: string | undefined };

export const memberHistory = {
  ledger: (memberId: string, query: Paging) => api.get("/v1/members/{memberId}/ledger", { path: { memberId }, query }),
  events: (memberId: string, query: Paging) => api.get("/v1/members/{memberId}/events", { path: { memberId }, query }),
  redemptions: (memberId: string, query: Paging) => api.get("/v1/members/{memberId}/redemptions", { path: { memberId }, query }),
  referrals: (memberId: string, query: Paging) => api.get("/v1/members/{memberId}/referrals", { path: { memberId }, query }),
};

/** A return of (part of) a purchase through the return engine: the points in proportion, with the reason in the history. */
export const returnPurchase = (
  purchase: { id: string; memberId: string },
  body: { returnId: string; amount: number | null; reason: string },
  options?: RequestOptions,
) =>
  api.post(
    "/v1/events",
    {
      body: {
        id: body.returnId,
        type: "return",
        originalEventId: purchase.id,
        amount: body.amount,
        reason: body.reason,
      },
    },
    options,
  );
