-- Recurring campaigns: a pattern of occurrences inside startsAt-endsAt (programme time), and
-- whether the budget is for the whole campaign or for each occurrence afresh.
alter table campaigns add column recurrence jsonb;
alter table campaigns add column budget_per text not null default 'campaign'
  check (budget_per in ('campaign', 'occurrence'));

-- A budget per occurrence has its own slices, keyed by the occurrence's start (an ISO instant);
-- '' is the whole campaign's budget. Slices of an occurrence are made when it first awards.
alter table campaign_budget_slices add column occurrence text not null default '';
alter table campaign_budget_slices drop constraint campaign_budget_slices_pkey;
alter table campaign_budget_slices add primary key (campaign_id, occurrence, slice);
