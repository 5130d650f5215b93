-- Voucher codes matched on their letters and digits (rewards/codes.rules.ts): a match key beside
-- each stored code, unique per programme, so `a89z zt43 6xsb` finds SB-A89Z-ZT43-6XSB and no two
-- codes of a programme can answer to the same typing.
--
-- The key is the code with the separators of CODE_SEPARATORS removed (the same class, text for
-- text; a test checks). Stored codes are upper case already (normalised when drawn or imported),
-- so no upper() here: PostgreSQL's upper() depends on the locale, JavaScript's does not.
alter table vouchers add column code_key text;
alter table reward_codes add column code_key text;
update vouchers set code_key = regexp_replace(code, '[\t\n\u000b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\u0021-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007e\u2010-\u2015\u2212]', '', 'g');
update reward_codes set code_key = regexp_replace(code, '[\t\n\u000b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\u0021-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007e\u2010-\u2015\u2212]', '', 'g');
-- Codes stored before keys existed that now share a key (AB-12 and AB12 imported as two codes),
-- or have none: the oldest keeps the key, the others get '~' and their code, a key no typing
-- produces (`~` is a separator), so they are still found by their exact spelling.
update vouchers v set code_key = '~' || v.code
  where v.code_key = ''
     or exists (select 1 from vouchers o where o.program_id = v.program_id and o.code_key = v.code_key
                  and (o.created_at, o.code) < (v.created_at, v.code));
update reward_codes c set code_key = '~' || c.code
  where c.code_key = ''
     or exists (select 1 from reward_codes o where o.program_id = c.program_id and o.code_key = c.code_key
                  and (o.created_at, o.code) < (c.created_at, c.code));
alter table vouchers alter column code_key set not null;
alter table reward_codes alter column code_key set not null;
create unique index vouchers_code_key on vouchers (program_id, code_key);
create unique index reward_codes_code_key on reward_codes (program_id, code_key);

-- Who did it, and where, for the staff report: the actor of each event (as on its ledger rows:
-- staff:<id> for a till or console session, key:<id> for an API key), who enrolled each member,
-- and the store a till session was opened for (optional; it is the default store of that session's
-- events, enrolments, redemptions and voucher uses).
alter table events add column actor text;
alter table members add column enrolled_by text;
alter table members add column enrolled_store_id text;
alter table redemptions add column store_id text;
alter table staff_sessions add column store_id text;
-- Earlier events: the actor of their ledger transaction (events that earned nothing stay unknown).
-- Till events were recorded as key:staff:<id> then: the staff member.
update events e
   set actor = case when t.actor like 'key:staff:%' then substr(t.actor, 5) else t.actor end
  from ledger_transactions t
 where t.id = e.txn_id;
-- Earlier enrolments through POST /v1/members: the audit log names who made them.
update members m
   set enrolled_by = a.actor
  from audit_log a
 where a.program_id = m.program_id and a.target_id = m.id and a.action = 'POST /v1/members';
