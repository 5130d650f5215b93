/**
 * The reward editor: type and the terms each type needs, cost, stock, per-member limit, window,
 * tier and segment gates, voucher validity and code format, and an image with a live preview;
 * and the import of a pool reward's codes (typed one per line, or from a CSV file).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ChangeEvent, type FormEvent, useState } from "react";
import { api, sendOnce } from "../../shared/api.ts";
import { ErrorAlert, Field, formatNumber, Notice, SelectField } from "../../shared/ui.tsx";
import { useSession } from "../session.tsx";
import { dayOf, errorAt, fromMinor, lastDayOf, lines, list, num, str, TextArea, toMinor } from "./common.tsx";
import { type Ladder, REWARD_TYPES, type Reward, type RewardType } from "./types.ts";

export const REWARD_TYPE_LABEL: Record<RewardType, string> = {
  discount_amount: "Discount (amount)",
  discount_percent: "Discount (percent)",
  free_product: "Free product",
  store_credit: "Store credit",
  experience: "Experience",
  donation: "Donation",
};

interface RewardDraft {
  type: RewardType;
  name: string;
  description: string;
  amount: string;
  percent: string;
  maxAmount: string;
  sku: string;
  productName: string;
  details: string;
  charity: string;
  costPoints: string;
  category: string;
  imageUrl: string;
  status: Reward["status"];
  stock: string;
  limitCount: string;
  limitPeriod: string;
  availableFrom: string;
  availableUntil: string;
  minTierId: string;
  segments: string;
  voucherValidDays: string;
  codeType: "generated" | "pool" | "none";
  codePrefix: string;
  codeLength: string;
}

function rewardDraft(r: Reward | null, currency: string, timezone: string): RewardDraft {
  const v = (r?.value ?? {}) as Record<string, unknown>;
  const money = (key: string) => fromMinor(v[key] as number | undefined, currency);
  return {
    type: r?.type ?? "discount_amount",
    name: r?.name ?? "",
    description: r?.description ?? "",
    amount: money("amount"),
    percent: str(v.percent as number | undefined),
    maxAmount: money("maxAmount"),
    sku: (v.sku as string) ?? "",
    productName: (v.productName as string) ?? "",
    details: (v.details as string) ?? "",
    charity: (v.charity as string) ?? "",
    costPoints: str(r?.costPoints),
    category: r?.category ?? "",
    imageUrl: r?.imageUrl ?? "",
    status: r?.status ?? "active",
    stock: str(r?.stock?.total),
    limitCount: str(r?.memberLimit?.count),
    limitPeriod: r?.memberLimit?.period ?? "month",
    availableFrom: dayOf(r?.availableFrom, timezone),
    availableUntil: lastDayOf(r?.availableUntil, timezone),
    minTierId: r?.minTierId ?? "",
    segments: (r?.segments ?? []).join(", "),
    voucherValidDays: str(r?.voucherValidDays),
    codeType: r?.codeFormat.type ?? "generated",
    codePrefix: r?.codeFormat.type === "generated" ? (r.codeFormat.prefix ?? "") : "",
    codeLength: r?.codeFormat.type === "generated" ? str(r.codeFormat.length) : "12",
  };
}

function termsOf(d: RewardDraft, currency: string): Record<string, unknown> {
  const opt = (key: string, v: unknown) => (v === undefined || v === "" ? {} : { [key]: v });
  switch (d.type) {
    case "discount_amount":
    case "store_credit":
      return { amount: toMinor(d.amount, currency) };
    case "discount_percent":
      return { percent: num(d.percent), ...opt("maxAmount", toMinor(d.maxAmount, currency)) };
    case "free_product":
      return { sku: d.sku, ...opt("productName", d.productName.trim()) };
    case "experience":
      return opt("details", d.details.trim());
    case "donation":
      return { charity: d.charity, ...opt("amount", toMinor(d.amount, currency)) };
  }
}

/** The body: a new reward omits what is blank; an edit sends null to clear it. */
function rewardBody(d: RewardDraft, currency: string, editing: boolean): Record<string, unknown> {
  const blank = editing ? null : undefined;
  const body: Record<string, unknown> = {
    name: d.name,
    description: d.description.trim() ? d.description : blank,
    value: termsOf(d, currency),
    costPoints: num(d.costPoints),
    category: d.category.trim() ? d.category.trim() : blank,
    imageUrl: d.imageUrl.trim() ? d.imageUrl.trim() : blank,
    status: d.status,
    stock: num(d.stock) ?? blank,
    memberLimit: d.limitCount.trim() ? { count: num(d.limitCount), period: d.limitPeriod } : blank,
    availableFrom: d.availableFrom || blank,
    availableUntil: d.availableUntil || blank,
    minTierId: d.minTierId || blank,
    segments: list(d.segments),
    voucherValidDays: num(d.voucherValidDays) ?? blank,
  };
  if (!editing) {
    body.type = d.type;
    body.codeFormat =
      d.codeType === "generated"
        ? { type: "generated", ...(d.codePrefix.trim() && { prefix: d.codePrefix.trim() }), length: num(d.codeLength) ?? 12 }
        : { type: d.codeType };
  }
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

export function RewardForm({ reward, onSaved }: { reward: Reward | null; onSaved: (reward: Reward) => void }) {
  const { program } = useSession();
  const { currency, timezone } = program;
  const queryClient = useQueryClient();
  const [d, setD] = useState(() => rewardDraft(reward, currency, timezone));
  const set = <K extends keyof RewardDraft>(key: K, value: RewardDraft[K]) => setD((prev) => ({ ...prev, [key]: value }));
  const tiers = useQuery({ queryKey: ["tiers"], queryFn: () => api.get<Ladder>("/v1/tiers") });
  const save = useMutation({
    mutationFn: () => {
      const body = rewardBody(d, currency, reward !== null);
      return sendOnce((o) =>
        reward ? api.patch<Reward>(`/v1/rewards/${reward.id}`, body, o) : api.post<Reward>("/v1/rewards", body, o),
      );
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ["rewards"] });
      queryClient.setQueryData(["reward", saved.id], saved);
      onSaved(saved);
    },
  });
  const err = (path: string) => errorAt(save.error, path);
  // A union the body did not fit is reported on `value` as a whole: shown on the type's first field.
  const valueErr = (key: string) => err(`value.${key}`) ?? err("value");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const money = `(${currency})`;
  return (
    <form onSubmit={submit} noValidate aria-label={reward ? `Edit reward ${reward.name}` : "New reward"}>
      <div className="panel">
        <div className="grid">
          <Field label="Reward name" value={d.name} onChange={(e) => set("name", e.target.value)} error={err("name")} required />
          <SelectField
            label="Reward type"
            value={d.type}
            disabled={reward !== null}
            onChange={(e) => set("type", e.target.value as RewardType)}
            options={REWARD_TYPES.map((t) => ({ value: t, label: REWARD_TYPE_LABEL[t] }))}
            error={err("type")}
          />
          <Field
            label="Cost (points)"
            inputMode="numeric"
            value={d.costPoints}
            onChange={(e) => set("costPoints", e.target.value)}
            error={err("costPoints")}
          />
          <SelectField
            label="Status"
            value={d.status}
            onChange={(e) => set("status", e.target.value as Reward["status"])}
            options={[
              { value: "active", label: "Active (can be redeemed)" },
              { value: "inactive", label: "Inactive" },
              { value: "archived", label: "Archived" },
            ]}
            error={err("status")}
          />
        </div>
        <TextArea
          label="Description"
          value={d.description}
          onChange={(e) => set("description", e.target.value)}
          error={err("description")}
        />

        <h2>What the member gets</h2>
        <div className="grid">
          {(d.type === "discount_amount" || d.type === "store_credit") && (
            <Field
              label={`${d.type === "store_credit" ? "Credit" : "Discount"} amount ${money}`}
              inputMode="decimal"
              value={d.amount}
              onChange={(e) => set("amount", e.target.value)}
              error={valueErr("amount")}
            />
          )}
          {d.type === "discount_percent" && (
            <>
              <Field
                label="Discount (%)"
                inputMode="decimal"
                value={d.percent}
                onChange={(e) => set("percent", e.target.value)}
                error={valueErr("percent")}
              />
              <Field
                label={`At most ${money}`}
                inputMode="decimal"
                value={d.maxAmount}
                onChange={(e) => set("maxAmount", e.target.value)}
                hint="Blank: no cap"
                error={err("value.maxAmount")}
              />
            </>
          )}
          {d.type === "free_product" && (
            <>
              <Field label="Product SKU" value={d.sku} onChange={(e) => set("sku", e.target.value)} error={valueErr("sku")} />
              <Field
                label="Product name"
                value={d.productName}
                onChange={(e) => set("productName", e.target.value)}
                error={err("value.productName")}
              />
            </>
          )}
          {d.type === "experience" && (
            <TextArea
              label="Details"
              value={d.details}
              onChange={(e) => set("details", e.target.value)}
              error={valueErr("details")}
            />
          )}
          {d.type === "donation" && (
            <>
              <Field
                label="Charity"
                value={d.charity}
                onChange={(e) => set("charity", e.target.value)}
                error={valueErr("charity")}
              />
              <Field
                label={`Given per redemption ${money}`}
                inputMode="decimal"
                value={d.amount}
                onChange={(e) => set("amount", e.target.value)}
                hint="Blank: not stated"
                error={err("value.amount")}
              />
            </>
          )}
          <Field
            label="Category"
            value={d.category}
            onChange={(e) => set("category", e.target.value)}
            hint="Matched against purchase categories for recommendations"
            error={err("category")}
          />
        </div>

        <h2>Image</h2>
        <div className="row" style={{ alignItems: "flex-start" }}>
          <div style={{ flex: "1 1 20rem" }}>
            <Field
              label="Image URL"
              type="url"
              value={d.imageUrl}
              onChange={(e) => set("imageUrl", e.target.value)}
              hint="https: or data: URL"
              error={err("imageUrl")}
            />
          </div>
          {d.imageUrl.trim() && (
            <figure style={{ margin: 0 }}>
              <img
                src={d.imageUrl.trim()}
                alt={`Preview of ${d.name || "the reward"}`}
                width={120}
                height={120}
                style={{ objectFit: "cover", borderRadius: 8, border: "1px solid var(--border)" }}
              />
              <figcaption className="muted">Preview</figcaption>
            </figure>
          )}
        </div>

        <h2>Availability</h2>
        <div className="grid">
          <Field
            label="Stock"
            inputMode="numeric"
            value={d.stock}
            onChange={(e) => set("stock", e.target.value)}
            hint={
              reward?.stock ? `${reward.stock.remaining} left of ${reward.stock.total}; blank: unlimited` : "Blank: unlimited"
            }
            error={err("stock")}
          />
          <Field
            label="Per-member limit"
            inputMode="numeric"
            value={d.limitCount}
            onChange={(e) => set("limitCount", e.target.value)}
            hint="Blank: no limit"
            error={err("memberLimit.count") ?? err("memberLimit")}
          />
          <SelectField
            label="Limit period"
            value={d.limitPeriod}
            onChange={(e) => set("limitPeriod", e.target.value)}
            options={["day", "week", "month", "year", "lifetime"].map((p) => ({ value: p, label: `per ${p}` }))}
            error={err("memberLimit.period")}
          />
          <Field
            label="Available from"
            type="date"
            value={d.availableFrom}
            onChange={(e) => set("availableFrom", e.target.value)}
            hint={`Programme time (${timezone})`}
            error={err("availableFrom")}
          />
          <Field
            label="Available until"
            type="date"
            value={d.availableUntil}
            onChange={(e) => set("availableUntil", e.target.value)}
            hint="Inclusive"
            error={err("availableUntil")}
          />
          <SelectField
            label="Minimum tier"
            value={d.minTierId}
            onChange={(e) => set("minTierId", e.target.value)}
            options={[
              { value: "", label: "Any member" },
              ...(tiers.data?.tiers ?? []).map((t) => ({ value: t.id, label: `${t.name} and above` })),
            ]}
            error={err("minTierId")}
          />
          <Field
            label="Segments"
            value={d.segments}
            onChange={(e) => set("segments", e.target.value)}
            hint="Comma-separated; blank: everyone"
            error={err("segments")}
          />
        </div>

        <h2>Vouchers</h2>
        <div className="grid">
          <Field
            label="Voucher valid for (days)"
            inputMode="numeric"
            value={d.voucherValidDays}
            onChange={(e) => set("voucherValidDays", e.target.value)}
            hint="Blank: never expires"
            error={err("voucherValidDays")}
          />
          <SelectField
            label="Voucher codes"
            value={d.codeType}
            disabled={reward !== null}
            onChange={(e) => set("codeType", e.target.value as RewardDraft["codeType"])}
            options={[
              { value: "generated", label: "Generated" },
              { value: "pool", label: "From imported codes" },
              { value: "none", label: "No voucher" },
            ]}
            error={err("codeFormat.type") ?? err("codeFormat")}
          />
          {d.codeType === "generated" && (
            <>
              <Field
                label="Code prefix"
                value={d.codePrefix}
                disabled={reward !== null}
                onChange={(e) => set("codePrefix", e.target.value.toUpperCase())}
                hint="Optional, capital letters or digits"
                error={err("codeFormat.prefix")}
              />
              <Field
                label="Code length"
                inputMode="numeric"
                value={d.codeLength}
                disabled={reward !== null}
                onChange={(e) => set("codeLength", e.target.value)}
                error={err("codeFormat.length")}
              />
            </>
          )}
        </div>
      </div>
      <ErrorAlert error={save.error} />
      {save.isSuccess && reward && <Notice>Saved: version {save.data.version}.</Notice>}
      <button type="submit" disabled={save.isPending}>
        {save.isPending ? "Saving…" : reward ? "Save reward" : "Create reward"}
      </button>
    </form>
  );
}

/** Codes from a CSV or text file: the first column of each line, without a "code" header. */
export function codesFromCsv(text: string): string[] {
  return lines(text)
    .map((line) => (line.split(/[,;\t]/)[0] ?? "").replace(/^"|"$/g, "").trim())
    .filter((code, i) => code && !(i === 0 && /^codes?$/i.test(code)));
}

export function CodesImport({ reward }: { reward: Reward }) {
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const importCodes = useMutation({
    mutationFn: () =>
      sendOnce((o) =>
        api.post<{ imported: number; skipped: string[]; codesAvailable: number }>(
          `/v1/rewards/${reward.id}/codes`,
          { codes: lines(text) },
          o,
        ),
      ),
    onSuccess: () => {
      setText("");
      void queryClient.invalidateQueries({ queryKey: ["rewards"] });
      void queryClient.invalidateQueries({ queryKey: ["reward", reward.id] });
    },
  });
  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    const codes = codesFromCsv(await file.text());
    setText((prev) => [...lines(prev), ...codes].join("\n"));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    importCodes.mutate();
  };
  const firstBad = importCodes.error ? errorAt(importCodes.error, "codes") : undefined;
  const r = importCodes.data;
  return (
    <section className="panel" aria-labelledby="codes-heading" style={{ marginTop: "1.5rem" }}>
      <h2 id="codes-heading" style={{ marginTop: 0 }}>
        Voucher codes
      </h2>
      <p>{formatNumber(reward.codesAvailable ?? 0)} imported codes not yet handed out.</p>
      <form onSubmit={submit} noValidate aria-label="Import codes">
        <TextArea
          label="Codes to import (one per line)"
          rows={6}
          value={text}
          onChange={(e) => setText(e.target.value)}
          error={firstBad}
        />
        <div className="field">
          <label htmlFor="codes-file">Or read them from a CSV file (first column)</label>
          <input id="codes-file" type="file" accept=".csv,.txt,text/csv,text/plain" onChange={(e) => void onFile(e)} />
        </div>
        <ErrorAlert error={importCodes.error} />
        {r && (
          <Notice>
            Imported {formatNumber(r.imported)} codes
            {r.skipped.length > 0 && ` (${r.skipped.length} already known, skipped: ${r.skipped.slice(0, 5).join(", ")})`}.{" "}
            {formatNumber(r.codesAvailable)} available.
          </Notice>
        )}
        <button type="submit" disabled={importCodes.isPending || lines(text).length === 0}>
          {importCodes.isPending ? "Importing…" : "Import codes"}
        </button>
      </form>
    </section>
  );
}
