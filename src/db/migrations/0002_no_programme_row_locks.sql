-- A foreign key to programs(id) on a high-volume table makes every insert take a share lock on
-- the programme's one row: a programme-wide hot row (GUIDE 4.7) that concurrent writers turn into
-- MultiXacts. Those rows reference their member instead, through (member_id, program_id), which
-- keeps the tenant checked and only touches the member row the transaction already locks.
-- `stampbook verify` checks that every posting belongs to its transaction's programme.

alter table members add constraint members_id_program unique (id, program_id);

alter table ledger_transactions drop constraint ledger_transactions_program_id_fkey;
alter table ledger_transactions add constraint ledger_transactions_member_program
  foreign key (member_id, program_id) references members (id, program_id);

alter table lots drop constraint lots_program_id_fkey;
alter table lots add constraint lots_member_program
  foreign key (member_id, program_id) references members (id, program_id);

alter table holds drop constraint holds_program_id_fkey;
alter table holds add constraint holds_member_program
  foreign key (member_id, program_id) references members (id, program_id);

-- System postings have no member; their programme is their transaction's (checked by verify).
alter table postings drop constraint postings_program_id_fkey;
