-- A rule put in force from an earlier time (issue 12): a business that makes its rules today and
-- then posts its purchase history (an import, an offline till syncing) has those purchases judged
-- by the rule, though it was saved after they occurred. Set only on a rule's first version; a later
-- version is in force from when it was saved. Null: in force from when it was saved (created_at).
alter table rule_versions add column in_force_from timestamptz;
-- The same instant on the rule, for its answer (fixed at creation, never changed).
alter table rules add column in_force_from timestamptz;
