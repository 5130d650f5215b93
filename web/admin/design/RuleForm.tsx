/**
 * The earn rule editor, shared by the rules page and a campaign's rules: when (event type,
 * conditions, schedule, eligible items) -> what (points per amount, per item, fixed, a
 * multiplier or stamps) -> within which limits. Built from form fields, never typed JSON; each
 * field shows the API's own message for its path (`conditions.0.amount`, `effect.points`, ...).
 * The draft <-> body mapping is rule-draft.ts; each section is a component of its own.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { sendOnce } from "../../shared/api/http.ts";
import { optionsOf, RULE_STATUS_LABELS } from "../../shared/api/values.ts";
import { ErrorAlert, Field, Notice, SelectField } from "../../shared/ui.tsx";
import { campaignKeys } from "../api/campaigns.ts";
import { createRule, type Rule, ruleKeys, updateRule } from "../api/rules.ts";
import { getLadder, tierKeys } from "../api/tiers.ts";
import { useSession } from "../session.tsx";
import { errorAt, TextArea } from "./common.tsx";
import { RuleConditions } from "./RuleConditions.tsx";
import { RuleEffect } from "./RuleEffect.tsx";
import { RuleItems } from "./RuleItems.tsx";
import { RuleLimits } from "./RuleLimits.tsx";
import { RuleSchedule } from "./RuleSchedule.tsx";
import { RuleTiming } from "./RuleTiming.tsx";
import { type DraftFields, type RuleDraft, ruleBody, ruleDraft } from "./rule-draft.ts";

export function RuleForm({
  rule,
  campaignId,
  onSaved,
  onCancel,
}: {
  rule: Rule | null;
  campaignId?: string | undefined;
  onSaved: (rule: Rule) => void;
  onCancel?: () => void;
}) {
  const { program } = useSession();
  const currency = program.currency;
  const queryClient = useQueryClient();
  const [d, setD] = useState<RuleDraft>(() => ruleDraft(rule, currency));
  const set: DraftFields["set"] = (key, value) => setD((prev) => ({ ...prev, [key]: value }));
  const tiers = useQuery({ queryKey: tierKeys.ladder, queryFn: getLadder });
  const save = useMutation({
    mutationFn: () => {
      const body = ruleBody(d, currency, rule !== null);
      return sendOnce((o) =>
        rule ? updateRule(rule.id, body, o) : createRule({ ...body, ...(campaignId && { campaignId }) }, o),
      );
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ruleKeys.all });
      void queryClient.invalidateQueries({ queryKey: campaignKeys.all });
      queryClient.setQueryData(ruleKeys.one(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: ruleKeys.versions(saved.id) });
      onSaved(saved);
    },
  });
  const err = (path: string) => errorAt(save.error, path);
  const fields = { d, set, err };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const tierOptions = (tiers.data?.tiers ?? []).map((t) => ({ value: t.name, label: t.name }));

  return (
    <form onSubmit={submit} noValidate aria-label={rule ? `Edit rule ${rule.name}` : "New rule"}>
      <div className="panel">
        <h2 style={{ marginTop: 0 }}>When</h2>
        <div className="grid">
          <Field label="Rule name" value={d.name} onChange={(e) => set("name", e.target.value)} error={err("name")} required />
          <Field
            label="Event type"
            list="rule-event-types"
            value={d.trigger}
            onChange={(e) => set("trigger", e.target.value)}
            hint="purchase, return, or an action such as signup, review, birthday"
            error={err("trigger")}
          />
          <SelectField
            label="Status"
            value={d.status}
            onChange={(e) => set("status", e.target.value as Rule["status"])}
            options={optionsOf(RULE_STATUS_LABELS)}
            error={err("status")}
          />
        </div>
        <datalist id="rule-event-types">
          {["purchase", "return", "signup", "birthday", "review", "survey", "app_download"].map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        <TextArea
          label="Description"
          value={d.description}
          onChange={(e) => set("description", e.target.value)}
          error={err("description")}
        />

        <RuleConditions {...fields} update={setD} currency={currency} tierOptions={tierOptions} />

        <RuleSchedule {...fields} timezone={program.timezone} />

        <RuleItems {...fields} />
      </div>

      <div className="panel">
        <RuleEffect {...fields} currency={currency} />

        <RuleLimits {...fields} />

        <RuleTiming {...fields} />
      </div>

      <ErrorAlert error={save.error} />
      {save.isSuccess && rule && <Notice>Saved: version {save.data.version}.</Notice>}
      <div className="row">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : rule ? "Save rule" : "Create rule"}
        </button>
        {onCancel && (
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
