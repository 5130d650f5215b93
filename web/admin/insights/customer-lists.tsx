/**
 * The Customers page's two lists to act on: members at risk (a win-back offer) and non-member customers
 * worth inviting to join, each as the API ranks them, with the figures that put each one there.
 */
import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { Link } from "react-router";
import { formatMinor } from "../../shared/money.ts";
import { ErrorAlert, formatNumber } from "../../shared/ui.tsx";
import {
  type ConvertibleCustomers,
  customerInsightKeys,
  getConvertible,
  getMembersAtRisk,
  type MembersAtRisk,
} from "../api/insights-customers.ts";
import { TableWrap } from "../members/common.tsx";
import { formatPercent, formatProgrammeDay, nonMemberFitWords } from "./customer-value-words.ts";
import { NumHeads } from "./parts.tsx";

const NOWRAP = { whiteSpace: "nowrap" } as const;

/** A share as whole percentage points: 0.5 -> "50%", 0.2 -> "20". */
const wholePercent = (share: number) => `${Math.round(share * 100)}%`;
const points = (share: number) => String(Math.round(share * 100));

/** The at-risk rule in words, from the figures the API applied. */
export function atRiskRule(r: Pick<MembersAtRisk, "maxProbabilityAlive" | "minDrop" | "lookbackDays">): string {
  return `chance still active under ${wholePercent(r.maxProbabilityAlive)} and at least ${points(r.minDrop)} points lower than ${r.lookbackDays} days ago`;
}

/** Members whose chance of still being active fell, valuable by their CLV before it fell (GET /v1/insights/customers/at-risk). */
export function AtRiskSection({ limit, lowChanceHref }: { limit: number; lowChanceHref: string }) {
  const headingId = useId();
  const list = useQuery({ queryKey: customerInsightKeys.atRisk(limit), queryFn: () => getMembersAtRisk(limit) });
  const data = list.data;
  return (
    <section aria-labelledby={headingId} style={{ marginBottom: "1.5rem" }}>
      <div className="spread">
        <h2 id={headingId}>At risk</h2>
        <Link to={lowChanceHref}>All members with a low chance</Link>
      </div>
      <ErrorAlert error={list.error} />
      {list.isPending && <p role="status">Loading…</p>}
      {data === null && <p className="muted">No model fitted yet: members at risk are found once the model is fitted.</p>}
      {data && (
        <>
          <p className="muted" data-testid="at-risk-rule">
            Valuable members who may have stopped buying: {atRiskRule(data)}, and worth at least{" "}
            {formatMinor(data.minClv, data.currency)} over 12 months as they stood then ({formatProgrammeDay(data.thenDay)}
            {data.minClvSource === "median" ? ", the median member's value" : ""}). Highest value then first. Worth a win-back
            offer.
          </p>
          {data.members.length === 0 ? (
            <p className="muted">No member's chance of still being active fell that far in the last {data.lookbackDays} days.</p>
          ) : (
            <AtRiskRows data={data} />
          )}
        </>
      )}
    </section>
  );
}

function AtRiskRows({ data }: { data: MembersAtRisk }) {
  const then = formatProgrammeDay(data.thenDay);
  return (
    <TableWrap label="Members at risk">
      <table>
        <caption className="visually-hidden">
          Members at risk: last purchase, chance still active on {then} and today, and 12-month value on {then}
        </caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Last purchase</th>
            <NumHeads
              labels={[
                "Days since",
                `Chance still active, ${data.lookbackDays} days ago`,
                "Chance still active, now",
                `12-month value (CLV), ${data.lookbackDays} days ago`,
              ]}
            />
          </tr>
        </thead>
        <tbody>
          {data.members.map((m) => (
            <tr key={m.memberId}>
              <td style={NOWRAP}>
                <Link to={`/members/${m.memberId}`}>{m.name ?? m.memberId}</Link>
              </td>
              <td style={NOWRAP}>{formatProgrammeDay(m.lastPurchaseDay)}</td>
              <td className="num">{formatNumber(m.daysSinceLastPurchase)}</td>
              <td className="num">{formatPercent(m.probabilityAliveThen)}</td>
              <td className="num">{formatPercent(m.probabilityAliveNow)}</td>
              <td className="num">{formatMinor(m.clvThen, data.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** Non-member customers (by customerRef) with the highest predicted value, or why none can be predicted. */
export function WorthInvitingSection({ limit }: { limit: number }) {
  const headingId = useId();
  const list = useQuery({ queryKey: customerInsightKeys.convertible(limit), queryFn: () => getConvertible(limit) });
  const data = list.data;
  return (
    <section aria-labelledby={headingId} style={{ marginBottom: "1.5rem" }}>
      <h2 id={headingId}>Worth inviting</h2>
      <p className="muted">
        Customers who are not members yet but bought under a reference the till sent (a card token or a hashed email), with the
        highest predicted value over the next 12 months: the same model as the members', fitted on these customers' purchases.
        Worth an invitation to join.
      </p>
      <ErrorAlert error={list.error} />
      {list.isPending && <p role="status">Loading…</p>}
      {data?.refusal && (
        <p className="alert info" data-testid="convertible-refusal">
          No prediction for non-members yet. {nonMemberFitWords(data.refusal.reason, data.refusal.message, data.refusal.details)}
        </p>
      )}
      {data?.customers &&
        (data.customers.customers.length === 0 ? (
          <p className="muted">No non-member customer to invite.</p>
        ) : (
          <ConvertibleRows data={data.customers} />
        ))}
    </section>
  );
}

function ConvertibleRows({ data }: { data: ConvertibleCustomers }) {
  const money = (n: number) => formatMinor(n, data.currency);
  return (
    <>
      <TableWrap label="Customers worth inviting">
        <table>
          <caption className="visually-hidden">Non-member customers by predicted 12-month value</caption>
          <thead>
            <tr>
              <th scope="col">Customer reference</th>
              <NumHeads labels={["Purchases", "Spend", "Predicted 12-month value (CLV)"]} />
              <th scope="col">Last purchase</th>
            </tr>
          </thead>
          <tbody>
            {data.customers.map((c) => (
              <tr key={c.customerRef}>
                <td>
                  <code className="ref">{c.customerRef}</code>
                </td>
                <td className="num">{formatNumber(c.purchases)}</td>
                <td className="num">{money(c.spend)}</td>
                <td className="num">{money(c.clv)}</td>
                <td style={NOWRAP}>{formatProgrammeDay(c.lastPurchaseDay)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <p className="muted">
        Predicted from the purchases of {formatNumber(data.model.customers)} non-member customers (
        {formatNumber(data.model.repeatCustomers)} bought on two days or more) up to {formatProgrammeDay(data.asOf)}. Spend is net
        of returns.
      </p>
    </>
  );
}
