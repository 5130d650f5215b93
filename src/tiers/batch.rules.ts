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

/** A tier a member held from a time on (a change of their tier history). */
export interface HeldFrom {
  from: Date;
  tierId: string | null;
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
  /** Each member's tier history as far as the batch's events need it, oldest first (see factsTierAt). */
  readonly #held: Map<string, HeldFrom[]>;

  /**
   * `past`: each member's recorded tier history before the batch (their recorded changes, oldest
   * first), as far back as the batch's events occurred; the changes in `transitions` (made when
   * the batch was opened) and those the batch brings are added to it.
   */
  constructor(
    readonly ladder: LadderTier[],
    readonly policy: TierPolicy,
    readonly timezone: string,
    readonly now: Date,
    members: Map<string, BatchMember>,
    transitions: TierTransition[] = [],
    past: Map<string, HeldFrom[]> = new Map(),
  ) {
    this.#members = members;
    this.transitions = transitions;
    this.#from = windowAt(policy, now, timezone).from;
    this.#held = new Map([...past].map(([id, list]) => [id, [...list]]));
    for (const t of transitions) this.#record(t);
  }

  clone(): TierProgress {
    const members = new Map(
      [...this.#members].map(([id, m]) => [id, { ...m, keep: m.keep && { ...m.keep } }] as [string, BatchMember]),
    );
    const progress = new TierProgress(this.ladder, this.policy, this.timezone, this.now, members, [], this.#held);
    progress.transitions.push(...this.transitions);
    return progress;
  }

  /** The member's tier for the rules engine, or null if tiers do not know the member. */
  factsTier(memberId: string): FactsTier | null {
    const member = this.#members.get(memberId);
    return member ? this.#facts(member.state.tierId) : null;
  }

  /**
   * The member's tier for an event that occurred at `at`: the tier they held then. An event after
   * the member's last change (recorded, or made by this batch, dated no later than now) earns in
   * the tier they hold now, as every on-time event does; an earlier one (posted late) in the tier
   * their history gives for `at`, the bottom tier before their first change.
   */
  factsTierAt(memberId: string, at: Date): FactsTier | null {
    const member = this.#members.get(memberId);
    if (!member) return null;
    const held = this.#held.get(memberId) ?? [];
    const last = held.at(-1);
    if (!last || at >= last.from) return this.factsTier(memberId);
    let tierId: string | null = null;
    for (const h of held) if (h.from <= at) tierId = h.tierId;
    return this.#facts(tierId);
  }

  #facts(tierId: string | null): FactsTier | null {
    const tier = effectiveTier(this.ladder, { tierId, since: null, reviewAt: null, graceUntil: null, locked: false });
    return tier ? { id: tier.id, name: tier.name, earnMultiplier: tier.earnMultiplier, pointsExpiry: tier.pointsExpiry } : null;
  }

  /** A change made in the batch joins the member's history, from when it took effect (never after now). */
  #record(t: TierTransition): void {
    const held = this.#held.get(t.memberId) ?? [];
    const from = t.at > this.now ? this.now : t.at;
    // Kept in time order: a change dated before the last one known (a review that fell due) goes in its place.
    let i = held.length;
    while (i > 0 && (held[i - 1]?.from ?? from) > from) i--;
    held.splice(i, 0, { from, tierId: t.to });
    this.#held.set(t.memberId, held);
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
    this.#record(change);
    return [change];
  }

  /** Final state of every member some transition changed. */
  changedStates(): Map<string, TierState> {
    return new Map(this.transitions.map((t) => [t.memberId, t.state]));
  }
}
