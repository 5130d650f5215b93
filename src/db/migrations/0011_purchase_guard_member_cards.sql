-- Guards at the till (issue 12): the largest purchase a programme accepts, and a card number for
-- every member (the portal's digital card, typed or scanned at the till's lookup).

-- In minor units of the programme's currency; null: the default (10,000 in the major unit,
-- computed in code from the currency, so existing programmes need no per-currency backfill).
alter table programs add column max_purchase_amount bigint;

-- Card numbers: 12 digits, unique by construction (no retry on a clash, no programme-wide hot
-- row): a sequence (non-transactional, never locked by enrolments) through an affine bijection of
-- 0..10^12-1 (the multiplier is coprime to 10^12), so consecutive members' numbers look unrelated.
create sequence member_card_numbers;
alter table members add column card_number text;
update members
  set card_number = lpad(((nextval('member_card_numbers')::numeric * 7919227393 + 104729) % 1000000000000)::bigint::text, 12, '0')
  where card_number is null;
alter table members alter column card_number
  set default lpad(((nextval('member_card_numbers')::numeric * 7919227393 + 104729) % 1000000000000)::bigint::text, 12, '0');
alter table members alter column card_number set not null;
-- card_number first, as members_referral_code (the planner before statistics exist)
create unique index members_card_number on members (card_number, program_id);
