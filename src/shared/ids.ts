import { monotonicFactory } from "ulidx";

const ulid = monotonicFactory();

/** Prefixes of every id kind, so an id says what it names (`mem_...`, `txn_...`). */
export const ID_PREFIX = {
  program: "prg",
  apiKey: "key",
  member: "mem",
  transaction: "txn",
  lot: "lot",
  hold: "hld",
  rule: "rul",
  campaign: "cmp",
  tier: "tie",
  tierChange: "tch",
  outbox: "obx",
  reward: "rwd",
  redemption: "red",
  payment: "pay",
  refund: "rfd",
  staff: "stf",
  setupToken: "sut",
  redemptionEstimate: "rde",
  goal: "gol",
} as const;

export type IdKind = keyof typeof ID_PREFIX;

/** A prefixed, time-sortable id (ULID: 48-bit millisecond time, 80 random bits). */
export const newId = (kind: IdKind): string => `${ID_PREFIX[kind]}_${ulid().toLowerCase()}`;

export type IdGenerator = (kind: IdKind) => string;
