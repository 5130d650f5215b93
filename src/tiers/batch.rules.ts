import type { ExpiryPolicy, TierPolicy } from "../db/schema.ts";
import { effectiveTier, type LadderTier, type TierState } from "./ladder.rules.ts";
import { qualify } from "./qualification.rules.ts";
import { changeTime, type TierTransition } from "./transitions.rules.ts";
import { windowAt } from "./windows.rules.ts";

/** What the rules engine knows of a member's tier. */
export interface FactsTier {
  id: string;
  name: string;
  earnMultiplier: number;
  pointsExpiry: ExpiryPolicy | null;
}

/** A member of a batch, as tiers carry them from event to event. */
export interface BatchMember {
  state: TierState;
  /** The metric over the window as of the batch's `now`. */
  metric: number;
  /** In grace: the metric over the review's window extended to now, what requalifying counts. */
  keep: { from: Date | null; value: number } | null;
  /** When the member's last recorded change took effect: this batch's changes are dated after it. */
  lastChange: Date | null;
}

/**
 * The tiers of the members of one batch of events, carried from event to event: each event is
 * earned in the tier the member holds when it is processed, and what it adds to the metric may
 * upgrade the member for the events after it (in the same transaction). Metrics are as of `now`,
 * before the batch; changes are dated `now`, or just after the member's last change if that is
 * later (an event whose clock was read before a change written while it waited for the lock).
 */
export class TierProgress {
  readonly transitions: TierTransition[];
  readonly #members: Map<string, BatchMember>;
  readonly #from: Date | null;

  constructor(
    readonly ladder: LadderTier[],
    readonly policy: TierPolicy,
    readonly timezone: string,
    readonly now: Date,
    members: Map<string, BatchMember>,
    transitions: TierTransition[] = [],
  ) {
    this.#members = members;
    this.transitions = transitions;
    this.#from = windowAt(policy, now, timezone).from;
  }

  clone(): TierProgress {
    const members = new Map(
      [...this.#members].map(([id, m]) => [id, { ...m, keep: m.keep && { ...m.keep } }] as [string, BatchMember]),
    );
    return new TierProgress(this.ladder, this.policy, this.timezone, this.now, members, [...this.transitions]);
  }

  /** The member's tier for the rules engine, or null if tiers do not know the member. */
  factsTier(memberId: string): FactsTier | null {
    const member = this.#members.get(memberId);
    const tier = member ? effectiveTier(this.ladder, member.state) : null;
    return tier ? { id: tier.id, name: tier.name, earnMultiplier: tier.earnMultiplier, pointsExpiry: tier.pointsExpiry } : null;
  }

  #within(from: Date | null, occurred: Date[]): boolean {
    return occurred.every((at) => at <= this.now && (from === null || at > from));
  }

  /** Whether something that occurred at `at` counts in the window as of now. */
  counts(at: Date): boolean {
    return this.#within(this.#from, [at]);
  }

  /**
   * Adds to a member's metric what happened at `occurred` (an event's time; a return's and its
   * purchase's: both must fall in a window for it to count there), and applies what it qualifies
   * for; returns the new transitions.
   */
  add(memberId: string, delta: number, occurred: Date[]): TierTransition[] {
    const member = this.#members.get(memberId);
    if (!member || delta === 0) return [];
    if (this.#within(this.#from, occurred)) member.metric += delta;
    if (member.keep && this.#within(member.keep.from, occurred)) member.keep.value += delta;
    const at = changeTime(this.now, member.lastChange);
    const change = qualify(
      memberId,
      this.ladder,
      this.policy,
      member.state,
      member.metric,
      at,
      this.timezone,
      member.keep?.value ?? null,
    );
    if (!change) return [];
    member.state = change.state;
    member.keep = null;
    this.transitions.push(change);
    return [change];
  }

  /** Final state of every member some transition changed. */
  changedStates(): Map<string, TierState> {
    return new Map(this.transitions.map((t) => [t.memberId, t.state]));
  }
}
