-- What one unit of a reward costs the business (minor units of the programme's currency), for
-- the programme-cost report; null: not recorded.
alter table rewards add column unit_cost bigint check (unit_cost >= 0);
