-- An idempotent replay returns the first answer byte for byte. jsonb keeps its own key order (by
-- length, then bytes), not the answer's, so a replay read back from `response` came out
-- reordered. The answer's text is kept as it was sent, in `response_text`, and replayed from it.
--
-- `response` stays, filled as before: a server of the previous version still running during a
-- rolling upgrade replays from it (and writes rows without `response_text`, which this version
-- replays from `response`, as before). A later migration can drop it.

alter table idempotency_keys add column response_text text;
