import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useState } from "react";
import { Link } from "react-router";
import { ApiError, sendOnce } from "../../shared/api/http.ts";
import { formatMinor } from "../../shared/money.ts";
import { ErrorAlert, Field, fieldError, formatDate, formatDateTime, formatNumber, Notice, Stat } from "../../shared/ui.tsx";
import {
  type CustomerValueFit,
  type CustomerValueModel,
  customerValueKeys,
  getFit,
  getModelState,
  requestFit,
} from "../api/insights-customers.ts";
import { findMembers, type MemberList, memberKeys, type ValueQuery } from "../api/members.ts";
import { memberName, TableWrap } from "../members/common.tsx";
import { today } from "../report-dates.ts";
import { useSession } from "../session.tsx";
import { ComparisonSection } from "./CustomerComparison.tsx";
import { AtRiskSection, WorthInvitingSection } from "./customer-lists.tsx";
import {
  fitFailureWords,
  fitStatusWords,
  formatDays,
  formatExpected,
  formatParameter,
  formatPercent,
  formatProgrammeDay,
  parameterFacts,
  requestedByWords,
} from "./customer-value-words.ts";
import { InsightsNav } from "./InsightsNav.tsx";
import "./customer-value.css";
import { NumHeads } from "./parts.tsx";

const NOWRAP = { whiteSpace: "nowrap" } as const;

/** Members shown in each table of the page. */
const TOP = 10;
/** The member list's filter linked from At risk: every member whose chance of still being active is at most this. */
const LOW_CHANCE = 0.5;

const MOST_VALUABLE: ValueQuery = { sort: "-clv" };

const done = (fit: CustomerValueFit | undefined) => fit?.status === "succeeded" || fit?.status === "failed";

/**
 * Insights: the customer lifetime value model (fit it, read it), the members it ranks highest and those at
 * risk, members vs other customers over a date range, and non-members worth inviting.
 */
export default function CustomerValue() {
  const queryClient = useQueryClient();
  const state = useQuery({ queryKey: customerValueKeys.model, queryFn: getModelState });
  /** The fit this page asked for; else a fit already queued or running (the nightly refit, another tab) is followed. */
  const [asked, setAsked] = useState<string | null>(null);
  const latest = state.data?.latestFit ?? null;
  const followed = asked ?? (latest && !done(latest) ? latest.id : null);
  const fit = useQuery({
    queryKey: customerValueKeys.fit(followed ?? ""),
    queryFn: () => getFit(followed ?? ""),
    enabled: followed !== null,
    // Until the jobs finish it: they pick a queued fit up within their interval.
    refetchInterval: (query) => (done(query.state.data) ? false : 1000),
  });
  const finished = fit.data && done(fit.data) ? `${fit.data.id}:${fit.data.status}` : null;
  useEffect(() => {
    if (!finished) return;
    // A fit that ended changes the model, every member's value and the lists sorted by them.
    void queryClient.invalidateQueries({ queryKey: customerValueKeys.model });
    if (finished.endsWith(":succeeded")) {
      void queryClient.invalidateQueries({ queryKey: memberKeys.all });
      // At risk and the members' predicted CLV in the comparison follow the model too.
      void queryClient.invalidateQueries({ queryKey: [...customerValueKeys.all, "at-risk"] });
      void queryClient.invalidateQueries({ queryKey: [...customerValueKeys.all, "comparison"] });
      void queryClient.invalidateQueries({ queryKey: ["member"] });
    }
  }, [finished, queryClient]);

  const model = state.data?.model ?? null;
  return (
    <>
      <h1>Customers</h1>
      <InsightsNav />
      <p className="muted">
        What each member is likely to be worth over the next 12 months, who may have stopped buying, how members compare with
        customers who have not joined, and who is worth inviting, predicted from the programme's purchase history.
      </p>
      <ErrorAlert error={state.error} />
      {state.isPending && <p role="status">Loading the customer value model…</p>}
      {state.data && (model ? <ModelPanel model={model} /> : <NoModel latest={latest} />)}
      {state.data && (
        <FitPanel
          fit={fit.data ?? null}
          asked={asked !== null}
          onQueued={(queued) => {
            queryClient.setQueryData(customerValueKeys.fit(queued.id), queued);
            setAsked(queued.id);
          }}
        />
      )}
      {model && (
        <>
          <ValueTable
            title="Most valuable members"
            rule={`The ${TOP} members with the highest predicted value over the next 12 months (CLV).`}
            empty="No member has a predicted value yet."
            query={MOST_VALUABLE}
            currency={model.currency}
          />
          <AtRiskSection limit={TOP} lowChanceHref={`/members?sort=-clv&maxActive=${LOW_CHANCE * 100}`} />
        </>
      )}
      {state.data && (
        <>
          <ComparisonSection />
          <WorthInvitingSection limit={TOP} />
        </>
      )}
    </>
  );
}

/** Before any fit succeeded: what fitting does, and when it happens by itself. */
function NoModel({ latest }: { latest: CustomerValueFit | null }) {
  return (
    <section className="panel" aria-labelledby="model-heading">
      <h2 id="model-heading" style={{ marginTop: 0 }}>
        No model fitted yet
      </h2>
      <p>
        Fitting reads every member's purchases and learns three things about the programme's customers: how often they buy, how
        likely they are to stop buying, and how much they spend per purchase. From those it predicts, for each member, the
        purchases to expect in the next 30, 90 and 365 days, the chance they are still an active customer, and their value over
        the next 12 months (CLV).
      </p>
      <p style={{ marginBottom: 0 }}>
        The server refits every night once the programme has at least 30 members who bought, 10 of them on two different days or
        more. Press <strong>Fit now</strong> to fit it today.
      </p>
      {latest?.status === "failed" && (
        <p className="muted" style={{ marginBottom: 0 }}>
          The last fit ({requestedByWords(latest.requestedBy)}, {formatDateTime(latest.requestedAt)}) failed:{" "}
          {fitFailureWords(latest.error?.reason ?? "error", latest.error?.message)}
        </p>
      )}
    </section>
  );
}

/** The fitted model: when, on what history, and its parameters with what each means. */
function ModelPanel({ model }: { model: CustomerValueModel }) {
  const { parameters: x, currency } = model;
  const facts = parameterFacts(x);
  const latest = model.latestFit;
  const repeatShare = model.customers > 0 ? ` (${formatPercent(model.repeatCustomers / model.customers)})` : "";
  return (
    <section className="panel" aria-labelledby="model-heading">
      <h2 id="model-heading" style={{ marginTop: 0 }}>
        Fitted model
      </h2>
      <div className="grid" style={{ marginBottom: "1rem" }}>
        <Stat
          label="Fitted"
          value={<span data-testid="fitted-at">{formatDate(model.fittedAt)}</span>}
          hint={`at ${new Date(model.fittedAt).toLocaleTimeString(undefined, { timeStyle: "short" })}`}
        />
        <Stat
          label="History up to"
          value={<span data-testid="as-of">{formatProgrammeDay(model.asOf)}</span>}
          hint={model.calibrationFrom ? `Members first seen from ${formatProgrammeDay(model.calibrationFrom)}` : "Every member"}
        />
        <Stat
          label="Customers"
          value={<span data-testid="customers">{formatNumber(model.customers)}</span>}
          hint="Members who bought"
        />
        <Stat
          label="Repeat customers"
          value={<span data-testid="repeat-customers">{formatNumber(model.repeatCustomers)}</span>}
          hint={`Bought on two days or more${repeatShare}`}
        />
      </div>
      {latest.id !== model.fitId && latest.status === "failed" && (
        <Notice kind="info">
          A later fit ({formatDateTime(latest.requestedAt)}) failed, so this model is still the one in use.{" "}
          {fitFailureWords(latest.error?.reason ?? "error", latest.error?.message)}
        </Notice>
      )}
      <TableWrap label="Model parameters">
        <table>
          <caption className="visually-hidden">Model parameters and what they mean</caption>
          <thead>
            <tr>
              <th scope="col">Parameters</th>
              <th scope="col">What they mean</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row" data-testid="param-purchase" className="parameter" style={NOWRAP}>
                <div className="parameter-name">r, α</div>
                <div>r = {formatParameter(x.r)}</div>
                <div>α = {formatParameter(x.alpha)} days</div>
              </th>
              <td>
                How often customers buy (α in days).
                {facts.daysBetweenPurchases !== null &&
                  ` While still active, the average customer buys about once every ${formatDays(facts.daysBetweenPurchases)} (α ÷ r).`}
              </td>
            </tr>
            <tr>
              <th scope="row" data-testid="param-dropout" className="parameter" style={NOWRAP}>
                <div className="parameter-name">a, b</div>
                <div>a = {formatParameter(x.a)}</div>
                <div>b = {formatParameter(x.b)}</div>
              </th>
              <td>
                How likely customers are to stop buying after a purchase.
                {facts.dropOutAfterPurchase !== null &&
                  ` On average ${formatPercent(facts.dropOutAfterPurchase)} stop after any one purchase (a ÷ (a + b)).`}
              </td>
            </tr>
            <tr>
              <th scope="row" data-testid="param-spend" className="parameter" style={NOWRAP}>
                <div className="parameter-name">p, q, v</div>
                <div>p = {formatParameter(x.p)}</div>
                <div>q = {formatParameter(x.q)}</div>
                <div>v = {formatMinor(x.v, currency)}</div>
              </th>
              <td>
                Spend per purchase.
                {facts.meanSpend !== null &&
                  ` The average customer spends about ${formatMinor(facts.meanSpend, currency)} a purchase day (p × v ÷ (q − 1)); each member's own average is pulled towards it, the more so the fewer purchases they made.`}
              </td>
            </tr>
          </tbody>
        </table>
      </TableWrap>
      <p className="muted" style={{ marginBottom: 0 }}>
        Purchases are counted once per programme day, net of returns. Log-likelihood at the fit (for comparing fits on the same
        history): purchases {formatParameter(model.logLikelihood.bgnbd)}, spend {formatParameter(model.logLikelihood.gammaGamma)}.
      </p>
    </section>
  );
}

/** "Fit now" with an optional last day, and the status of the fit asked for (or one already under way). */
function FitPanel({
  fit,
  asked,
  onQueued,
}: {
  fit: CustomerValueFit | null;
  asked: boolean;
  onQueued: (fit: CustomerValueFit) => void;
}) {
  const { program } = useSession();
  const headingId = useId();
  const [asOf, setAsOf] = useState("");
  const send = useMutation({
    mutationFn: () => sendOnce((opts) => requestFit(asOf ? { asOf } : {}, opts)),
    onSuccess: onQueued,
  });
  const busy = send.isPending || (fit !== null && !done(fit));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send.mutate();
  };
  const refusal =
    send.error instanceof ApiError && send.error.status === 422
      ? (send.error.details as { reason?: unknown } | undefined)
      : undefined;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId} style={{ marginTop: 0 }}>
        Fit the model
      </h2>
      <form className="row" style={{ alignItems: "flex-start" }} onSubmit={submit} aria-labelledby={headingId}>
        <Field
          label="History up to (optional)"
          hint={`The last day of purchases to read (${program.timezone}); blank: today`}
          type="date"
          max={today(program.timezone)}
          value={asOf}
          onChange={(e) => setAsOf(e.target.value)}
          error={fieldError(send.error, "asOf")}
        />
        <div className="field" style={{ minWidth: 0, marginTop: "1.55rem" }}>
          <button type="submit" disabled={busy}>
            Fit now
          </button>
        </div>
      </form>
      {refusal && typeof refusal.reason === "string" ? (
        <div className="alert error" role="alert">
          Not fitted. {fitFailureWords(refusal.reason, (send.error as ApiError).message, refusal as Record<string, unknown>)}
        </div>
      ) : (
        !fieldError(send.error, "asOf") && <ErrorAlert error={send.error} />
      )}
      <div role="status" data-testid="fit-status">
        {fit && (asked || !done(fit)) && (
          <p
            className={fit.status === "failed" ? "alert error" : fit.status === "succeeded" ? "alert ok" : "alert info"}
            style={{ marginBottom: 0 }}
          >
            {fitStatusWords(fit)}
          </p>
        )}
      </div>
      <p className="muted" style={{ marginBottom: 0 }}>
        A fit runs on the server in the background and replaces the model and every member's figures at once when it succeeds.
      </p>
    </section>
  );
}

/** A top-10 list of members from the member list, by a value sort, each linking to the member. */
function ValueTable({
  title,
  rule,
  empty,
  query,
  currency,
}: {
  title: string;
  rule: string;
  empty: string;
  query: ValueQuery;
  currency: string;
}) {
  const list = useQuery({
    queryKey: [...memberKeys.all, "top", TOP, query],
    queryFn: () => findMembers({ ...query, limit: TOP }),
  });
  return (
    <div style={{ marginBottom: "1.5rem" }}>
      <h2>{title}</h2>
      <p className="muted">{rule}</p>
      <ErrorAlert error={list.error} />
      {list.isPending && <p role="status">Loading…</p>}
      {list.data && list.data.data.length === 0 && <p className="muted">{empty}</p>}
      {list.data && list.data.data.length > 0 && <MemberValueRows title={title} list={list.data} currency={currency} />}
    </div>
  );
}

function MemberValueRows({ title, list, currency }: { title: string; list: MemberList; currency: string }) {
  return (
    <TableWrap label={title}>
      <table>
        <caption className="visually-hidden">{title}</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <NumHeads
              labels={[
                "12-month value (CLV)",
                "Chance still active",
                "Expected purchases, 90 days",
                "Expected spend per purchase",
                "Repeat purchase days",
                "Days since last purchase, at the fit",
              ]}
            />
          </tr>
        </thead>
        <tbody>
          {list.data.map((m) => {
            const v = m.value;
            return (
              <tr key={m.id}>
                <td style={NOWRAP}>
                  <Link to={`/members/${m.id}`}>{memberName(m)}</Link>
                </td>
                <td className="num">{v ? formatMinor(v.clv, currency) : "—"}</td>
                <td className="num">{v ? formatPercent(v.probabilityAlive) : "—"}</td>
                <td className="num">{v ? formatExpected(v.expected90) : "—"}</td>
                <td className="num">{v ? formatMinor(v.expectedSpend, currency) : "—"}</td>
                <td className="num">{v ? formatNumber(v.frequency) : "—"}</td>
                <td className="num">{v ? formatNumber(Math.round(v.age - v.recency)) : "—"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}
