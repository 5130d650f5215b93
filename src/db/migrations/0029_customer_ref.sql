-- Loyal vs non-loyal (issue 14, src/insights/): an event may carry the integrator's anonymous
-- reference to the customer (a tokenised card, a hashed email), so a guest purchase's customer is
-- recognised when they come back, and, once a member claims one of them (the claimed row keeps
-- its reference), their purchases before joining can be told from those after. Not a secret, but
-- nothing but this column keeps it.
alter table events add column customer_ref text;
-- Guest purchases grouped by reference, and a reference's purchases by members (which links it).
create index events_customer_ref on events (program_id, customer_ref) where customer_ref is not null;
