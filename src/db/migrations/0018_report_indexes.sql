-- Indexes the reports read by (issue 13, measured by bench/reports on 1M members and 10M
-- purchases): each lets a report read one range of one programme instead of a whole table.
-- "if not exists": on a large live database, build them first with `create index concurrently`
-- under these names, and this migration keeps them.

-- Point flows (overview): system-account postings of a programme by effective time.
create index if not exists postings_program_flows on postings (program_id, effective_at) include (account, amount)
  where member_id is null;
-- Enrolments (overview, staff report): members by enrolment time.
create index if not exists members_program_created on members (program_id, created_at);
-- Activity (overview): a programme's ledger entries by effective time.
create index if not exists ledger_transactions_program_time on ledger_transactions (program_id, effective_at);
-- Completed redemptions (overview's top rewards, staff report) by completion time.
create index if not exists redemptions_program_completed on redemptions (program_id, completed_at) where status = 'completed';
-- Vouchers used (staff report) by use time.
create index if not exists vouchers_program_used on vouchers (program_id, used_at) where status = 'used';
-- Activity (overview): whether a ledger entry came from an event, one probe per entry.
create index if not exists events_txn on events (txn_id) where txn_id is not null;
-- Outstanding points (overview): what open lots still hold, read from the index alone.
create index if not exists lots_program_open on lots (program_id, expires_at) include (remaining) where remaining > 0;
-- Debt owed (overview): the few members in debt, not every member.
create index if not exists members_program_debt on members (program_id) include (debt) where debt > 0;
