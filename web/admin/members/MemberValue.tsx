import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { formatMinor } from "../../shared/money.ts";
import { ErrorAlert, formatNumber, Stat } from "../../shared/ui.tsx";
import { customerValueKeys, getMemberValue } from "../api/insights-customers.ts";
import { formatDays, formatExpected, formatPercent, formatProgrammeDay } from "../insights/customer-value-words.ts";
import "../insights/customer-value.css";

/** The member's predicted purchases, chance of still being active and 12-month value, with the history they come from. */
export function MemberValue({ memberId }: { memberId: string }) {
  const value = useQuery({ queryKey: customerValueKeys.member(memberId), queryFn: () => getMemberValue(memberId) });
  const v = value.data;
  return (
    <section aria-labelledby="value-heading" className="panel">
      <h2 id="value-heading" style={{ marginTop: 0 }}>
        Value
      </h2>
      <ErrorAlert error={value.error} />
      {value.isPending && <p role="status">Loading…</p>}
      {v === null && (
        <p className="muted" style={{ marginBottom: 0 }}>
          No prediction yet: the programme's customer value model has not been fitted. Fit it on{" "}
          <Link to="/insights/customers">Insights › Customers</Link>.
        </p>
      )}
      {v && (
        <>
          <p className="muted">
            {v.basis === "new_customer"
              ? `No purchases up to ${formatProgrammeDay(v.asOf)}, so these are the figures of a newly acquired customer: the programme's averages, not this member's own.`
              : `Predicted from the member's purchases up to ${formatProgrammeDay(v.asOf)}.`}
          </p>
          <div className="grid" style={{ marginBottom: "1rem" }}>
            <Stat
              label={`${v.horizonMonths}-month value (CLV)`}
              value={<span data-testid="value-clv">{formatMinor(v.clv, v.currency)}</span>}
              hint={`Expected spend, discounted ${formatPercent(v.discountRate)} a month`}
            />
            <Stat
              label="Chance still active"
              value={<span data-testid="value-alive">{formatPercent(v.probabilityAlive)}</span>}
              hint={
                v.basis === "new_customer" ? "A new customer is taken to be active" : "That the member has not stopped buying"
              }
            />
            <Stat
              label="Expected spend per purchase"
              value={<span data-testid="value-spend">{formatMinor(v.expectedSpend, v.currency)}</span>}
              hint="A purchase day's total"
            />
          </div>
          <div className="grid">
            <div>
              <h3 style={{ marginTop: 0 }}>Expected purchases</h3>
              <dl className="facts" data-testid="value-expected">
                <dt>Next 30 days</dt>
                <dd>{formatExpected(v.expected30)}</dd>
                <dt>Next 90 days</dt>
                <dd>{formatExpected(v.expected90)}</dd>
                <dt>Next 365 days</dt>
                <dd>{formatExpected(v.expected365)}</dd>
              </dl>
            </div>
            <div>
              <h3 style={{ marginTop: 0 }}>History</h3>
              {v.basis === "new_customer" || v.frequency === null ? (
                <p className="muted">No purchases by then.</p>
              ) : (
                <dl className="facts" data-testid="value-history">
                  <dt>Repeat purchase days</dt>
                  <dd>{formatNumber(v.frequency)}</dd>
                  <dt>First to last purchase</dt>
                  <dd>{formatDays(v.recency ?? 0)}</dd>
                  <dt>Customer for</dt>
                  <dd>{formatDays(v.age ?? 0)}</dd>
                  <dt>Average repeat purchase</dt>
                  <dd>{v.frequency > 0 ? formatMinor(v.monetary ?? 0, v.currency) : "—"}</dd>
                </dl>
              )}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
