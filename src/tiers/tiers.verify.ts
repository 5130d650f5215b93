import { sql } from "kysely";
import { TIER_CHANGED } from "./transitions.rules.ts";

/** Invariants of tiers: the tier of record is the last recorded change, and every change is announced. */
export function tierChecks(): { name: string; description: string; query: ReturnType<typeof sql> }[] {
  return [
    {
      name: "tier_of_record_is_last_change",
      description:
        "Each member's tier, since, review date, grace and lock are those of their latest tier change (none without changes)",
      query: sql`select m.id, m.tier_id, c.id as change_id, c.to_tier_id from members m
        left join lateral (select c.id, c.to_tier_id, c.tier_since, c.review_at, c.grace_until, c.locked from tier_changes c
          where c.member_id = m.id order by c.effective_at desc, c.id desc limit 1) c on true
        where m.tier_id is distinct from c.to_tier_id
          or (c.id is not null and (m.tier_since is distinct from c.tier_since or m.tier_review_at is distinct from c.review_at
            or m.tier_grace_until is distinct from c.grace_until or m.tier_locked <> c.locked))
          or (c.id is null and (m.tier_review_at is not null or m.tier_grace_until is not null or m.tier_locked))`,
    },
    {
      name: "tier_changes_announced",
      description: "Every tier change has its member.tier_changed row in the outbox, written with it",
      query: sql`select c.id, c.member_id, c.reason from tier_changes c
        left join outbox o on o.payload ->> 'changeId' = c.id and o.type = ${TIER_CHANGED} and o.subject_id = c.member_id
          and o.program_id = c.program_id
        where o.id is null`,
    },
    {
      name: "tiers_exist",
      description: "Members and tier changes name tiers of their own programme",
      query: sql`select 'member' as kind, m.id, m.tier_id as tier_id from members m
          left join tiers t on t.id = m.tier_id and t.program_id = m.program_id
          where m.tier_id is not null and t.id is null
        union all
        select 'change', c.id, x.tier_id from tier_changes c
          cross join lateral (values (c.from_tier_id), (c.to_tier_id)) x(tier_id)
          left join tiers t on t.id = x.tier_id and t.program_id = c.program_id
          where x.tier_id is not null and t.id is null`,
    },
  ];
}
