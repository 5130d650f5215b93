import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import type { Sent } from "../../shared/api/client.ts";
import { sendOnce } from "../../shared/api/http.ts";
import {
  CLAWBACK_POLICY_LABELS,
  optionsOf,
  RETURN_POLICY_LABELS,
  UNKNOWN_MEMBER_POLICY_LABELS,
} from "../../shared/api/values.ts";
import { currencyDigits, parseAmount } from "../../shared/money.ts";
import { Checkbox, ErrorAlert, Field, fieldError, Notice, SelectField } from "../../shared/ui.tsx";
import { auditKeys } from "../api/audit.ts";
import { getProgram, type Program, type ProgramChanges, programKeys, updateProgram } from "../api/program.ts";
import { ProgramLinks } from "../setup/ProgramLinks.tsx";

/** The form: every number as typed (a string), so a half-typed value is never rewritten under the cursor. */
interface Form {
  name: string;
  timezone: string;
  country: string;
  expiryPolicy: "none" | "fixed_period";
  expiryMonths: string;
  expiryRoundTo: "none" | "month_end";
  pendingDays: string;
  returnPolicy: Program["returnPolicy"];
  clawbackPolicy: Program["clawbackPolicy"];
  unknownMemberPolicy: Program["unknownMemberPolicy"];
  guestClaimDays: string;
  pointValue: string;
  /** In the currency's major unit, as typed. */
  maxPurchase: string;
  referral: boolean;
  referrerPoints: string;
  refereePoints: string;
  minPurchaseAmount: string;
  maxRewardsPerMonth: string;
  payment: boolean;
  paymentPointValue: string;
  minPoints: string;
  minSharePercent: string;
  maxSharePercent: string;
}

const text = (n: number | undefined | null) => (n === undefined || n === null ? "" : String(n));

function formOf(p: Program): Form {
  const expiry = p.pointsExpiry.policy === "fixed_period" ? p.pointsExpiry : null;
  return {
    name: p.name,
    timezone: p.timezone,
    country: p.country ?? "",
    expiryPolicy: p.pointsExpiry.policy,
    expiryMonths: text(expiry?.months ?? 12),
    expiryRoundTo: expiry?.roundTo ?? "none",
    pendingDays: text(p.pendingDays),
    returnPolicy: p.returnPolicy,
    clawbackPolicy: p.clawbackPolicy,
    unknownMemberPolicy: p.unknownMemberPolicy,
    guestClaimDays: text(p.guestClaimDays),
    pointValue: text(p.pointValue),
    maxPurchase: String(p.maxPurchaseAmount / 10 ** currencyDigits(p.currency)),
    referral: p.referralPolicy !== null,
    referrerPoints: text(p.referralPolicy?.referrerPoints ?? 100),
    refereePoints: text(p.referralPolicy?.refereePoints ?? 50),
    minPurchaseAmount: text(p.referralPolicy?.minPurchaseAmount ?? 0),
    maxRewardsPerMonth: text(p.referralPolicy?.maxRewardsPerMonth ?? 10),
    payment: p.paymentPolicy !== null,
    paymentPointValue: text(p.paymentPolicy?.pointValue ?? 1),
    minPoints: text(p.paymentPolicy?.minPoints ?? 1),
    minSharePercent: text(p.paymentPolicy?.minSharePercent ?? 0),
    maxSharePercent: text(p.paymentPolicy?.maxSharePercent ?? 100),
  };
}

/** A typed number, or null for an empty box (the API then says the field needs a number). */
const num = (s: string): number | null => (s.trim() === "" ? null : Number(s));

/** The PATCH body: the whole form, as the API names it. */
function bodyOf(f: Form, currency: string): Sent<ProgramChanges> {
  return {
    name: f.name,
    timezone: f.timezone,
    country: f.country.trim() === "" ? null : f.country.trim(),
    pointsExpiry:
      f.expiryPolicy === "none"
        ? { policy: "none" as const }
        : { policy: "fixed_period" as const, months: num(f.expiryMonths), roundTo: f.expiryRoundTo },
    pendingDays: num(f.pendingDays),
    returnPolicy: f.returnPolicy,
    clawbackPolicy: f.clawbackPolicy,
    unknownMemberPolicy: f.unknownMemberPolicy,
    guestClaimDays: num(f.guestClaimDays),
    pointValue: num(f.pointValue),
    // Empty: back to the default (the form checks a typed amount parses before saving).
    maxPurchaseAmount: f.maxPurchase.trim() === "" ? null : parseAmount(f.maxPurchase, currency),
    referralPolicy: f.referral
      ? {
          referrerPoints: num(f.referrerPoints),
          refereePoints: num(f.refereePoints),
          minPurchaseAmount: num(f.minPurchaseAmount),
          maxRewardsPerMonth: num(f.maxRewardsPerMonth),
        }
      : null,
    paymentPolicy: f.payment
      ? {
          pointValue: num(f.paymentPointValue),
          minPoints: num(f.minPoints),
          minSharePercent: num(f.minSharePercent),
          maxSharePercent: num(f.maxSharePercent),
        }
      : null,
  };
}

function timeZones(current: string): string[] {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return zones.includes(current) ? zones : [current, ...zones];
}

const RETURN_POLICIES = optionsOf(RETURN_POLICY_LABELS);
const CLAWBACK_POLICIES = optionsOf(CLAWBACK_POLICY_LABELS);
const UNKNOWN_MEMBER_POLICIES = optionsOf(UNKNOWN_MEMBER_POLICY_LABELS);

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="panel" style={{ margin: "0 0 1rem" }}>
      <legend style={{ fontWeight: 650, padding: "0 0.25rem" }}>{title}</legend>
      <div className="grid">{children}</div>
    </fieldset>
  );
}

export default function Settings() {
  const program = useQuery({ queryKey: programKeys.current, queryFn: getProgram });
  if (program.error) return <ErrorAlert error={program.error} />;
  if (!program.data) return <p>Loading…</p>;
  return <SettingsForm key={program.data.id} program={program.data} />;
}

function SettingsForm({ program }: { program: Program }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<Form>(() => formOf(program));
  const [saved, setSaved] = useState(false);
  const set =
    <K extends keyof Form>(key: K) =>
    (value: Form[K]) => {
      setSaved(false);
      setForm((f) => ({ ...f, [key]: value }));
    };
  const input = (key: keyof Form) => ({
    value: form[key] as string,
    onChange: (e: { target: { value: string } }) => set(key)(e.target.value as never),
  });
  const save = useMutation({
    mutationFn: () => sendOnce((opts) => updateProgram(bodyOf(form, program.currency), opts)),
    onSuccess: (updated) => {
      queryClient.setQueryData(programKeys.current, updated);
      void queryClient.invalidateQueries({ queryKey: auditKeys.all });
      // The form starts again from what the server kept (e.g. a country in capitals).
      setForm(formOf(updated));
      setSaved(true);
    },
  });
  const error = save.error;
  const err = (path: string) => fieldError(error, path);
  const [maxPurchaseError, setMaxPurchaseError] = useState<string | undefined>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const typed = form.maxPurchase.trim();
    if (typed !== "" && parseAmount(typed, program.currency) === null) {
      setMaxPurchaseError(`Enter an amount in ${program.currency}, like 10000`);
      return;
    }
    setMaxPurchaseError(undefined);
    save.mutate();
  };

  return (
    <>
      <h1>Settings</h1>
      <ProgramLinks programName={program.name} />
      <form onSubmit={submit} noValidate>
        <Section title="Programme">
          <Field label="Name" {...input("name")} error={err("name")} required />
          <Field label="Currency" value={program.currency} readOnly hint="Set when the programme was created" />
          <SelectField
            label="Time zone"
            {...input("timezone")}
            error={err("timezone")}
            options={timeZones(form.timezone).map((z) => ({ value: z, label: z }))}
          />
          <Field
            label="Country"
            {...input("country")}
            error={err("country")}
            hint="Two letters (US, GB, FR): reads phone numbers written without a country code"
            maxLength={2}
            autoComplete="off"
          />
        </Section>

        <Section title="Points">
          <SelectField
            label="Points expiry"
            value={form.expiryPolicy}
            onChange={(e) => set("expiryPolicy")(e.target.value as Form["expiryPolicy"])}
            error={err("pointsExpiry.policy") ?? err("pointsExpiry")}
            options={[
              { value: "none", label: "Points never expire" },
              { value: "fixed_period", label: "Points expire after a number of months" },
            ]}
          />
          {form.expiryPolicy === "fixed_period" && (
            <>
              <Field
                label="Expiry months"
                type="number"
                min={1}
                max={120}
                {...input("expiryMonths")}
                error={err("pointsExpiry.months")}
                hint="1 to 120 months after the points are credited"
              />
              <SelectField
                label="Expiry rounding"
                value={form.expiryRoundTo}
                onChange={(e) => set("expiryRoundTo")(e.target.value as Form["expiryRoundTo"])}
                error={err("pointsExpiry.roundTo")}
                options={[
                  { value: "none", label: "On the day" },
                  { value: "month_end", label: "At the end of that month" },
                ]}
              />
            </>
          )}
          <Field
            label="Pending days"
            type="number"
            min={0}
            max={365}
            {...input("pendingDays")}
            error={err("pendingDays")}
            hint="Days before credited points can be spent (e.g. past a return window)"
          />
          <Field
            label="Point value"
            type="number"
            min={0}
            step="any"
            {...input("pointValue")}
            error={err("pointValue")}
            hint={`What one point costs the programme, in minor units of ${program.currency} (cost reports)`}
          />
        </Section>

        <Section title="Purchases">
          <Field
            label={`Largest purchase accepted (${program.currency})`}
            inputMode="decimal"
            autoComplete="off"
            {...input("maxPurchase")}
            error={maxPurchaseError ?? err("maxPurchaseAmount")}
            hint="A purchase above it is refused (a mistyped amount at a till). Empty: the default, 10,000"
          />
        </Section>

        <Section title="Returns and reversals">
          <SelectField label="Return policy" {...input("returnPolicy")} error={err("returnPolicy")} options={RETURN_POLICIES} />
          <SelectField
            label="Clawback policy"
            {...input("clawbackPolicy")}
            error={err("clawbackPolicy")}
            options={CLAWBACK_POLICIES}
          />
        </Section>

        <Section title="Events for unknown members">
          <SelectField
            label="Unknown-member policy"
            {...input("unknownMemberPolicy")}
            error={err("unknownMemberPolicy")}
            options={UNKNOWN_MEMBER_POLICIES}
          />
          <Field
            label="Guest claim days"
            type="number"
            min={0}
            max={3650}
            {...input("guestClaimDays")}
            error={err("guestClaimDays")}
            hint="How long after a guest purchase a member may claim it"
          />
        </Section>

        <Section title="Referrals">
          <Checkbox label="Reward referrals" checked={form.referral} onChange={(e) => set("referral")(e.target.checked)} />
          {form.referral && (
            <>
              <Field
                label="Referrer points"
                type="number"
                min={0}
                {...input("referrerPoints")}
                error={err("referralPolicy.referrerPoints")}
              />
              <Field
                label="Referee points"
                type="number"
                min={0}
                {...input("refereePoints")}
                error={err("referralPolicy.refereePoints")}
              />
              <Field
                label="Minimum first purchase"
                type="number"
                min={0}
                {...input("minPurchaseAmount")}
                error={err("referralPolicy.minPurchaseAmount")}
                hint={`In minor units of ${program.currency} (cents)`}
              />
              <Field
                label="Rewarded referrals per month"
                type="number"
                min={1}
                {...input("maxRewardsPerMonth")}
                error={err("referralPolicy.maxRewardsPerMonth")}
              />
            </>
          )}
        </Section>

        <Section title="Paying with points">
          <Checkbox
            label="Members may pay with points"
            checked={form.payment}
            onChange={(e) => set("payment")(e.target.checked)}
          />
          {form.payment && (
            <>
              <Field
                label="Payment value of a point"
                type="number"
                min={0}
                step="any"
                {...input("paymentPointValue")}
                error={err("paymentPolicy.pointValue")}
                hint={`Minor units of ${program.currency} one point pays for`}
              />
              <Field
                label="Smallest payment (points)"
                type="number"
                min={1}
                {...input("minPoints")}
                error={err("paymentPolicy.minPoints")}
              />
              <Field
                label="Least share of an order (%)"
                type="number"
                min={0}
                max={100}
                step="any"
                {...input("minSharePercent")}
                error={err("paymentPolicy.minSharePercent")}
              />
              <Field
                label="Most share of an order (%)"
                type="number"
                min={0}
                max={100}
                step="any"
                {...input("maxSharePercent")}
                error={err("paymentPolicy.maxSharePercent")}
              />
            </>
          )}
        </Section>

        <ErrorAlert error={error} />
        {saved && <Notice>Settings saved.</Notice>}
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save settings"}
        </button>
      </form>
    </>
  );
}
