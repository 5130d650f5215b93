/**
 * The reward editor: type and the terms each type needs, cost, stock, per-member limit, window,
 * tier and segment gates, voucher validity and code format, and an image with a live preview.
 * The draft <-> body mapping is reward-draft.ts; a pool reward's codes are RewardCodes.tsx.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { sendOnce } from "../../shared/api/http.ts";
import { optionsOf, REWARD_TYPE_LABELS } from "../../shared/api/values.ts";
import { ErrorAlert, Field, Notice, SelectField } from "../../shared/ui.tsx";
import { createReward, type Reward, type RewardType, rewardKeys, updateReward } from "../api/rewards.ts";
import { getLadder, tierKeys } from "../api/tiers.ts";
import { useSession } from "../session.tsx";
import { errorAt, TextArea } from "./common.tsx";
import { type RewardDraft, rewardBody, rewardDraft, rewardDraftErrors } from "./reward-draft.ts";

export function RewardForm({ reward, onSaved }: { reward: Reward | null; onSaved: (reward: Reward) => void }) {
  const { program } = useSession();
  const { currency, timezone } = program;
  const queryClient = useQueryClient();
  const [d, setD] = useState(() => rewardDraft(reward, currency, timezone));
  // Problems the form finds before sending (money typed as money); the API's own come back on save.
  const [checked, setChecked] = useState<ReturnType<typeof rewardDraftErrors>>({});
  const set = <K extends keyof RewardDraft>(key: K, value: RewardDraft[K]) => setD((prev) => ({ ...prev, [key]: value }));
  const tiers = useQuery({ queryKey: tierKeys.ladder, queryFn: getLadder });
  const save = useMutation({
    mutationFn: () => {
      const body = rewardBody(d, currency, reward !== null);
      return sendOnce((o) => (reward ? updateReward(reward.id, body, o) : createReward(body, o)));
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: rewardKeys.all });
      queryClient.setQueryData(rewardKeys.one(saved.id), saved);
      onSaved(saved);
    },
  });
  const err = (path: string) => errorAt(save.error, path);
  // A union the body did not fit is reported on `value` as a whole: shown on the type's first field.
  const valueErr = (key: string) => err(`value.${key}`) ?? err("value");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problems = rewardDraftErrors(d, currency);
    setChecked(problems);
    if (Object.keys(problems).length === 0) save.mutate();
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
            options={optionsOf(REWARD_TYPE_LABELS)}
            error={err("type")}
          />
          <Field
            label="Cost (points)"
            inputMode="numeric"
            value={d.costPoints}
            onChange={(e) => set("costPoints", e.target.value)}
            error={err("costPoints")}
          />
          <Field
            label={`Unit cost ${money}`}
            inputMode="decimal"
            value={d.unitCost}
            onChange={(e) => set("unitCost", e.target.value)}
            hint="What one unit costs the business (for the programme-cost report); blank: not recorded"
            error={checked.unitCost ?? err("unitCost")}
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
