import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import type { Schema, Sent } from "../../shared/api/client.ts";
import { sendOnce } from "../../shared/api/http.ts";
import { optionsOf, TIER_WINDOW_LABELS } from "../../shared/api/values.ts";
import { ErrorAlert, Field, Notice, SelectField } from "../../shared/ui.tsx";
import { getLadder, type Ladder, putLadder, type Tier, type TierPolicy, tierKeys } from "../api/tiers.ts";
import { errorAt, TextArea } from "../design/common.tsx";
import { fromMinor, lines, num, str, toMinor } from "../design/form-values.ts";
import { useSession } from "../session.tsx";

interface TierDraft {
  key: string;
  id?: string;
  name: string;
  threshold: string;
  retainThreshold: string;
  earnMultiplier: string;
  expiry: "default" | "none" | "fixed_period";
  expiryMonths: string;
  benefits: string;
}

interface PolicyDraft {
  metric: TierPolicy["metric"];
  window: TierPolicy["window"]["type"];
  windowMonths: string;
  periodMonths: string;
  graceDays: string;
}

let nextKey = 1;

/** Spend thresholds are money (minor units in the API); points and purchases are counts. */
const toAmount = (text: string, metric: string, currency: string) => (metric === "spend" ? toMinor(text, currency) : num(text));
const fromAmount = (n: number | null, metric: string, currency: string) => (metric === "spend" ? fromMinor(n, currency) : str(n));

function tierDraft(t: Tier | null, metric: string, currency: string): TierDraft {
  return {
    key: t?.id ?? `new-${nextKey++}`,
    ...(t && { id: t.id }),
    name: t?.name ?? "",
    threshold: t ? fromAmount(t.threshold, metric, currency) : "",
    retainThreshold: t ? fromAmount(t.retainThreshold, metric, currency) : "",
    earnMultiplier: str(t?.earnMultiplier ?? 1),
    expiry: t?.pointsExpiry ? t.pointsExpiry.policy : "default",
    expiryMonths: t?.pointsExpiry?.policy === "fixed_period" ? str(t.pointsExpiry.months) : "12",
    benefits: (t?.benefits ?? []).join("\n"),
  };
}

function policyDraft(p: TierPolicy | null): PolicyDraft {
  return {
    metric: p?.metric ?? "points_earned",
    window: p?.window.type ?? "rolling_months",
    windowMonths: p?.window.type === "rolling_months" ? str(p.window.months) : "12",
    periodMonths: str(p?.periodMonths ?? 12),
    graceDays: str(p?.graceDays ?? 0),
  };
}

const METRIC_UNIT = {
  points_earned: () => "points earned",
  spend: (c) => c,
  purchases: () => "purchases",
} satisfies Record<TierPolicy["metric"], (currency: string) => string>;

/** The tier ladder and its policy, replaced as a whole with PUT /v1/tiers. */
export default function Tiers() {
  const ladder = useQuery({
    queryKey: tierKeys.ladder,
    queryFn: getLadder,
    refetchInterval: false,
    refetchOnWindowFocus: false,
  });
  if (ladder.error) return <ErrorAlert error={ladder.error} />;
  if (!ladder.data) return <p>Loading…</p>;
  return <TiersForm ladder={ladder.data} />;
}

function TiersForm({ ladder }: { ladder: Ladder }) {
  const { program } = useSession();
  const currency = program.currency;
  const queryClient = useQueryClient();
  const [policy, setPolicy] = useState(() => policyDraft(ladder.policy));
  const [tiers, setTiers] = useState<TierDraft[]>(() => ladder.tiers.map((t) => tierDraft(t, policy.metric, currency)));
  const setP = <K extends keyof PolicyDraft>(key: K, value: PolicyDraft[K]) => setPolicy((prev) => ({ ...prev, [key]: value }));
  const setT = (key: string, patch: Partial<TierDraft>) =>
    setTiers((prev) => prev.map((t) => (t.key === key ? { ...t, ...patch } : t)));
  const move = (index: number, by: number) =>
    setTiers((prev) => {
      const next = [...prev];
      const [row] = next.splice(index, 1);
      if (row) next.splice(index + by, 0, row);
      return next;
    });
  const save = useMutation({
    mutationFn: () => {
      const window: TierPolicy["window"] =
        policy.window === "rolling_months"
          ? { type: "rolling_months", months: num(policy.windowMonths) as number }
          : { type: policy.window };
      const body = {
        policy: {
          metric: policy.metric,
          window,
          periodMonths: num(policy.periodMonths),
          graceDays: num(policy.graceDays) ?? 0,
        },
        tiers: tiers.map((t) => {
          const expiry: Sent<Schema<"ExpiryPolicy">> | undefined =
            t.expiry === "default"
              ? undefined
              : t.expiry === "none"
                ? { policy: "none" }
                : { policy: "fixed_period", months: num(t.expiryMonths) as number };
          const retain = toAmount(t.retainThreshold, policy.metric, currency);
          return {
            ...(t.id && { id: t.id }),
            name: t.name,
            threshold: toAmount(t.threshold, policy.metric, currency) ?? 0,
            ...(retain !== undefined && { retainThreshold: retain }),
            earnMultiplier: num(t.earnMultiplier) ?? 1,
            pointsExpiry: expiry ?? null,
            benefits: lines(t.benefits),
          };
        }),
      };
      return sendOnce((o) => putLadder(body, o));
    },
    onSuccess: (saved) => {
      queryClient.setQueryData(tierKeys.ladder, saved);
      // New tiers got ids: later saves update them in place.
      setTiers(saved.tiers.map((t) => tierDraft(t, policy.metric, currency)));
    },
  });
  const err = (path: string) => errorAt(save.error, path);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const unit = METRIC_UNIT[policy.metric](currency);
  return (
    <form onSubmit={submit} noValidate aria-label="Tier ladder">
      <h1>Tiers</h1>
      <div className="panel">
        <h2 style={{ marginTop: 0 }}>Policy</h2>
        <div className="grid">
          <SelectField
            label="Tiers are reached by"
            value={policy.metric}
            onChange={(e) => setP("metric", e.target.value as PolicyDraft["metric"])}
            options={[
              { value: "points_earned", label: "Points earned" },
              { value: "spend", label: `Spend (${currency})` },
              { value: "purchases", label: "Number of purchases" },
            ]}
            error={err("policy.metric")}
          />
          <SelectField
            label="Counted over"
            value={policy.window}
            onChange={(e) => setP("window", e.target.value as PolicyDraft["window"])}
            options={optionsOf(TIER_WINDOW_LABELS)}
            error={err("policy.window.type") ?? err("policy.window")}
          />
          {policy.window === "rolling_months" && (
            <Field
              label="Months counted"
              inputMode="numeric"
              value={policy.windowMonths}
              onChange={(e) => setP("windowMonths", e.target.value)}
              error={err("policy.window.months")}
            />
          )}
          <Field
            label="Tier held for (months)"
            inputMode="numeric"
            value={policy.periodMonths}
            onChange={(e) => setP("periodMonths", e.target.value)}
            hint="Until its review"
            error={err("policy.periodMonths")}
          />
          <Field
            label="Grace days"
            inputMode="numeric"
            value={policy.graceDays}
            onChange={(e) => setP("graceDays", e.target.value)}
            hint="To requalify after a review falls short"
            error={err("policy.graceDays")}
          />
        </div>
      </div>

      <h2>Ladder (bottom tier first)</h2>
      {tiers.length === 0 && <p className="muted">No tiers: the programme has no ladder. Add the bottom tier first.</p>}
      {tiers.map((t, i) => (
        <fieldset key={t.key} className="panel">
          <legend>
            Tier {i + 1}
            {t.name ? `: ${t.name}` : ""}
          </legend>
          <div className="grid">
            <Field
              label="Tier name"
              value={t.name}
              onChange={(e) => setT(t.key, { name: e.target.value })}
              error={err(`tiers.${i}.name`)}
            />
            <Field
              label={`Threshold (${unit})`}
              inputMode="decimal"
              value={t.threshold}
              onChange={(e) => setT(t.key, { threshold: e.target.value })}
              hint={i === 0 ? "The bottom tier's is 0" : undefined}
              error={err(`tiers.${i}.threshold`)}
            />
            <Field
              label={`Keep it with (${unit})`}
              inputMode="decimal"
              value={t.retainThreshold}
              onChange={(e) => setT(t.key, { retainThreshold: e.target.value })}
              hint="At a review; blank: the threshold"
              error={err(`tiers.${i}.retainThreshold`)}
            />
            <Field
              label="Earn multiplier"
              inputMode="decimal"
              value={t.earnMultiplier}
              onChange={(e) => setT(t.key, { earnMultiplier: e.target.value })}
              hint="1.5: half as many points again"
              error={err(`tiers.${i}.earnMultiplier`)}
            />
            <SelectField
              label="Points expiry"
              value={t.expiry}
              onChange={(e) => setT(t.key, { expiry: e.target.value as TierDraft["expiry"] })}
              options={[
                { value: "default", label: "The programme's" },
                { value: "none", label: "Never expire" },
                { value: "fixed_period", label: "After some months" },
              ]}
              error={err(`tiers.${i}.pointsExpiry`)}
            />
            {t.expiry === "fixed_period" && (
              <Field
                label="Expire after months"
                inputMode="numeric"
                value={t.expiryMonths}
                onChange={(e) => setT(t.key, { expiryMonths: e.target.value })}
                error={err(`tiers.${i}.pointsExpiry.months`)}
              />
            )}
          </div>
          <TextArea
            label="Benefits (one per line)"
            value={t.benefits}
            onChange={(e) => setT(t.key, { benefits: e.target.value })}
            error={err(`tiers.${i}.benefits`)}
          />
          {err(`tiers.${i}.id`) && <p style={{ color: "var(--danger)" }}>{err(`tiers.${i}.id`)}</p>}
          <div className="row">
            <button type="button" className="secondary" disabled={i === 0} onClick={() => move(i, -1)}>
              Move tier {i + 1} down the ladder
            </button>
            <button type="button" className="secondary" disabled={i === tiers.length - 1} onClick={() => move(i, 1)}>
              Move tier {i + 1} up the ladder
            </button>
            <button type="button" className="danger" onClick={() => setTiers((prev) => prev.filter((x) => x.key !== t.key))}>
              Remove tier {i + 1}
            </button>
          </div>
        </fieldset>
      ))}
      <p>
        <button
          type="button"
          className="secondary"
          onClick={() => setTiers((prev) => [...prev, tierDraft(null, policy.metric, currency)])}
        >
          Add a tier
        </button>
      </p>
      <ErrorAlert error={save.error} />
      {save.isSuccess && <Notice>Tier ladder saved.</Notice>}
      <button type="submit" disabled={save.isPending}>
        {save.isPending ? "Saving…" : "Save tiers"}
      </button>
    </form>
  );
}
