/**
 * Right in the campaign form: "try an example event" (POST /v1/campaigns/{id}/preview: the points
 * one purchase by an example member would earn, and why) and a backtest over a date range
 * (POST /v1/campaigns/{id}/backtest: what it would have done on the events already received).
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { DateTime } from "luxon";
import { type FormEvent, useState } from "react";
import type { Sent } from "../../shared/api/client.ts";
import { CHANNEL_LABELS, isValueOf, optionsOf } from "../../shared/api/values.ts";
import { ErrorAlert, Field, formatMoney, formatNumber, formatPoints, SelectField, Stat } from "../../shared/ui.tsx";
import {
  backtestCampaign,
  type Campaign,
  type ExampleEvent as Example,
  type Preview,
  previewCampaign,
} from "../api/campaigns.ts";
import { getLadder, tierKeys } from "../api/tiers.ts";
import { useSession } from "../session.tsx";
import { errorAt } from "./common.tsx";
import { endOfDay, formatDay, list, num, startOfDay, toMinor } from "./form-values.ts";

interface ItemDraft {
  key: number;
  sku: string;
  category: string;
  quantity: string;
  unitPrice: string;
}
let nextKey = 1;
const emptyItem = (): ItemDraft => ({ key: nextKey++, sku: "", category: "", quantity: "1", unitPrice: "" });

export function CampaignTools({ campaign }: { campaign: Campaign }) {
  return (
    <div className="grid" style={{ marginTop: "2rem", alignItems: "start" }}>
      <ExampleEvent preview={(body) => previewCampaign(campaign.id, body)} forCampaign />
      <BacktestPanel campaign={campaign} />
    </div>
  );
}

/**
 * An example event and member, and the points they would earn: through a campaign's preview, or
 * the standing rules' (POST /v1/rules/preview).
 */
export function ExampleEvent({
  preview,
  forCampaign = false,
}: {
  preview: (body: Sent<Example>) => Promise<Preview>;
  forCampaign?: boolean;
}) {
  const { program } = useSession();
  const currency = program.currency;
  const [type, setType] = useState("purchase");
  const [amount, setAmount] = useState("");
  const [channel, setChannel] = useState("");
  const [tierId, setTierId] = useState("");
  const [segments, setSegments] = useState("");
  const [purchases, setPurchases] = useState("0");
  const [items, setItems] = useState<ItemDraft[]>([]);
  const tiers = useQuery({ queryKey: tierKeys.ladder, queryFn: getLadder });
  const tryIt = useMutation({
    mutationFn: () =>
      preview({
        event: {
          type: type.trim(),
          ...(amount.trim() && { amount: toMinor(amount, currency) }),
          ...(items.length > 0 && {
            items: items.map((i) => ({
              sku: i.sku,
              ...(i.category.trim() && { category: i.category }),
              quantity: num(i.quantity),
              unitPrice: toMinor(i.unitPrice, currency),
            })),
          }),
          ...(isValueOf(CHANNEL_LABELS, channel) && { channel }),
        },
        member: { ...(tierId && { tierId }), segments: list(segments), purchases: num(purchases) ?? 0 },
      }),
  });
  const err = (path: string) => errorAt(tryIt.error, path);
  const setItem = (key: number, patch: Partial<ItemDraft>) =>
    setItems((prev) => prev.map((i) => (i.key === key ? { ...i, ...patch } : i)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    tryIt.mutate();
  };
  const result = tryIt.data;
  return (
    <section className="panel" aria-labelledby="example-heading">
      <h2 id="example-heading" style={{ marginTop: 0 }}>
        Try an example event
      </h2>
      <p className="muted">
        {forCampaign
          ? "What one event would earn with this campaign (its schedule and holdout set aside) and the standing rules."
          : "What one event would earn with the active standing rules (as saved)."}{" "}
        Nothing is saved.
      </p>
      <form onSubmit={submit} noValidate aria-label="Example event">
        <div className="row">
          <Field label="Example event type" value={type} onChange={(e) => setType(e.target.value)} error={err("event.type")} />
          <Field
            label={`Example amount (${currency})`}
            inputMode="decimal"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            error={err("event.amount")}
          />
          <SelectField
            label="Example channel"
            value={channel}
            onChange={(e) => setChannel(e.target.value)}
            options={[{ value: "", label: "Any" }, ...optionsOf(CHANNEL_LABELS)]}
          />
        </div>
        {items.map((item, i) => (
          <fieldset
            key={item.key}
            className="row"
            style={{ border: "1px solid var(--border)", borderRadius: 6, marginBottom: "0.5rem" }}
          >
            <legend>Item {i + 1}</legend>
            <Field
              label="SKU"
              value={item.sku}
              onChange={(e) => setItem(item.key, { sku: e.target.value })}
              error={err(`event.items.${i}.sku`)}
            />
            <Field
              label="Category"
              value={item.category}
              onChange={(e) => setItem(item.key, { category: e.target.value })}
              error={err(`event.items.${i}.category`)}
            />
            <Field
              label="Quantity"
              inputMode="numeric"
              value={item.quantity}
              onChange={(e) => setItem(item.key, { quantity: e.target.value })}
              error={err(`event.items.${i}.quantity`)}
            />
            <Field
              label={`Unit price (${currency})`}
              inputMode="decimal"
              value={item.unitPrice}
              onChange={(e) => setItem(item.key, { unitPrice: e.target.value })}
              error={err(`event.items.${i}.unitPrice`)}
            />
            <button
              type="button"
              className="secondary"
              style={{ marginBottom: "0.8rem" }}
              onClick={() => setItems((prev) => prev.filter((x) => x.key !== item.key))}
            >
              Remove item {i + 1}
            </button>
          </fieldset>
        ))}
        <p>
          <button type="button" className="secondary" onClick={() => setItems((prev) => [...prev, emptyItem()])}>
            Add an item
          </button>
        </p>
        <div className="row">
          <SelectField
            label="Member's tier"
            value={tierId}
            onChange={(e) => setTierId(e.target.value)}
            options={[{ value: "", label: "No tier" }, ...(tiers.data?.tiers ?? []).map((t) => ({ value: t.id, label: t.name }))]}
            error={err("member.tierId")}
          />
          <Field
            label="Member's segments"
            value={segments}
            onChange={(e) => setSegments(e.target.value)}
            hint="Comma-separated"
            error={err("member.segments")}
          />
          <Field
            label="Earlier purchases"
            inputMode="numeric"
            value={purchases}
            onChange={(e) => setPurchases(e.target.value)}
            error={err("member.purchases")}
          />
        </div>
        <ErrorAlert error={tryIt.error} />
        <button type="submit" disabled={tryIt.isPending}>
          {tryIt.isPending ? "Trying…" : "Try it"}
        </button>
      </form>
      {result && (
        <div aria-live="polite" style={{ marginTop: "1rem" }}>
          <div className="grid">
            <Stat label="Points earned" value={formatPoints(result.points)} />
            {forCampaign && <Stat label="From this campaign" value={formatPoints(result.campaignPoints)} />}
          </div>
          {result.holdoutPercent > 0 && (
            <p className="muted">Members in the {result.holdoutPercent}% holdout would not get the campaign's points.</p>
          )}
          <ul>
            {result.contributions.map((c) => (
              <li key={`${c.ruleId}-${c.points}`}>
                <strong>{c.ruleName}</strong>: {c.explanation}
              </li>
            ))}
            {result.skipped.map((s) => (
              <li key={`skip-${s.ruleId}`} className="muted">
                {s.ruleName}: no points. {s.explanation}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function BacktestPanel({ campaign }: { campaign: Campaign }) {
  const { program } = useSession();
  const tz = program.timezone;
  const today = DateTime.now().setZone(tz);
  const [from, setFrom] = useState(today.minus({ days: 30 }).toISODate() ?? "");
  const [to, setTo] = useState(today.toISODate() ?? "");
  const run = useMutation({
    mutationFn: () =>
      backtestCampaign(campaign.id, {
        from: from ? startOfDay(from, tz) : "",
        to: to ? endOfDay(to, tz) : "",
      }),
  });
  const err = (path: string) => errorAt(run.error, path);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    run.mutate();
  };
  const r = run.data;
  return (
    <section className="panel" aria-labelledby="backtest-heading">
      <h2 id="backtest-heading" style={{ marginTop: 0 }}>
        Backtest
      </h2>
      <p className="muted">
        Replays the events already received between two days through this campaign (its occurrences if it repeats, audience,
        holdout and budget) and the standing rules. Nothing is saved.
      </p>
      <form onSubmit={submit} noValidate aria-label="Backtest">
        <div className="row">
          <Field label="Backtest from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} error={err("from")} />
          <Field
            label="Backtest to"
            type="date"
            value={to}
            onChange={(e) => setTo(e.target.value)}
            hint="Inclusive"
            error={err("to")}
          />
        </div>
        <ErrorAlert error={run.error} />
        <button type="submit" disabled={run.isPending}>
          {run.isPending ? "Running…" : "Run backtest"}
        </button>
      </form>
      {r && (
        <div aria-live="polite" style={{ marginTop: "1rem" }}>
          <div className="grid">
            <Stat
              label="Members reached"
              value={formatNumber(r.membersReached)}
              hint={`${formatNumber(r.membersHeldOut)} held out`}
            />
            <Stat label="Points" value={formatPoints(r.points)} hint={`${formatPoints(r.pointsNetOfReturns)} net of returns`} />
            <Stat label="Cost" value={formatMoney(r.cost.amount, r.cost.currency)} />
            <Stat
              label="Events rewarded"
              value={formatNumber(r.eventsRewarded)}
              hint={`of ${formatNumber(r.eventsReplayed)} replayed`}
            />
          </div>
          {r.budgetExhaustedAt && <p>The budget would have run out on {formatDay(r.budgetExhaustedAt, tz)}.</p>}
          {r.topRules.length > 0 && (
            <div className="table-wrap" style={{ marginTop: "0.75rem" }}>
              <table>
                <caption className="visually-hidden">Points by rule</caption>
                <thead>
                  <tr>
                    <th scope="col">Rule</th>
                    <th scope="col" className="num">
                      Points
                    </th>
                    <th scope="col" className="num">
                      Events
                    </th>
                    <th scope="col" className="num">
                      Members
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {r.topRules.map((t) => (
                    <tr key={t.ruleId}>
                      <td>{t.ruleName}</td>
                      <td className="num">{formatNumber(t.points)}</td>
                      <td className="num">{formatNumber(t.events)}</td>
                      <td className="num">{formatNumber(t.members)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
