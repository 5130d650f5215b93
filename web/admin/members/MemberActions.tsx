import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { sendOnce } from "../../shared/api/http.ts";
import { Checkbox, ErrorAlert, Field, formatPoints, Notice } from "../../shared/ui.tsx";
import { adjustPoints, type Member, memberKeys, updateMember } from "../api/members.ts";
import { apiFieldError, ConfirmButton } from "./common.tsx";

/** After a change to a member: everything shown about them (and the member list) is read again. */
export function useMemberRefresh(memberId: string) {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: memberKeys.one(memberId) }),
      queryClient.invalidateQueries({ queryKey: memberKeys.all }),
    ]);
}

/** POST /v1/members/{id}/adjustments: credit or debit points by hand, with the reason required. */
export function AdjustPointsForm({ memberId }: { memberId: string }) {
  const [direction, setDirection] = useState<"credit" | "debit">("credit");
  const [points, setPoints] = useState("");
  const [reason, setReason] = useState("");
  const [neverExpire, setNeverExpire] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const refresh = useMemberRefresh(memberId);
  const adjust = useMutation({
    mutationFn: (body: Record<string, unknown>) => sendOnce((opts) => adjustPoints(memberId, body, opts)),
    onSuccess: async (result, body) => {
      setPoints("");
      setReason("");
      setNeverExpire(false);
      setDone(
        `${Number(body.points) > 0 ? "Credited" : "Debited"} ${formatPoints(Math.abs(Number(body.points)))}. Available now: ${formatPoints(result.balance.available)}.`,
      );
      await refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    // What was typed goes to the API as it is, so its own messages explain a mistake.
    const n = points.trim() === "" ? undefined : Number(points);
    adjust.mutate({
      points: n === undefined || Number.isNaN(n) ? points.trim() || undefined : direction === "debit" ? -n : n,
      reason,
      ...(direction === "credit" && neverExpire && { expiresAt: null }),
    });
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="adjust-heading">
      <h2 id="adjust-heading" style={{ marginTop: 0 }}>
        Adjust points
      </h2>
      <ErrorAlert error={adjust.error} />
      {done && <Notice>{done}</Notice>}
      <fieldset className="row" style={{ border: 0, padding: 0, margin: "0 0 0.8rem" }}>
        <legend className="visually-hidden">Credit or debit</legend>
        <label className="check">
          <input type="radio" name="direction" checked={direction === "credit"} onChange={() => setDirection("credit")} />
          Credit (add)
        </label>
        <label className="check">
          <input type="radio" name="direction" checked={direction === "debit"} onChange={() => setDirection("debit")} />
          Debit (take away)
        </label>
      </fieldset>
      <div className="row" style={{ alignItems: "flex-start" }}>
        <Field
          label="Points"
          inputMode="numeric"
          value={points}
          onChange={(e) => setPoints(e.target.value)}
          error={apiFieldError(adjust.error, "points")}
        />
        <div style={{ flex: "1 1 16rem" }}>
          <Field
            label="Reason"
            hint="Kept in the ledger and the audit log"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            error={apiFieldError(adjust.error, "reason")}
          />
        </div>
      </div>
      {direction === "credit" && (
        <Checkbox
          label="These points never expire (otherwise the programme's expiry applies)"
          checked={neverExpire}
          onChange={(e) => setNeverExpire(e.target.checked)}
        />
      )}
      <button type="submit" disabled={adjust.isPending}>
        {adjust.isPending ? "Saving…" : direction === "credit" ? "Credit points" : "Debit points"}
      </button>
    </form>
  );
}

const PROFILE = [
  { key: "name", label: "Name", type: "text" },
  { key: "email", label: "Email", type: "email" },
  { key: "phone", label: "Phone", type: "tel" },
  { key: "birthDate", label: "Birthday", type: "date" },
  { key: "externalId", label: "External id", type: "text" },
] as const;
type ProfileKey = (typeof PROFILE)[number]["key"];

/** PATCH /v1/members/{id}: only the fields that changed are sent; an emptied field is cleared (null). */
export function EditMemberForm({ member, onDone }: { member: Member; onDone: () => void }) {
  const initial = Object.fromEntries(PROFILE.map((f) => [f.key, member[f.key] ?? ""])) as Record<ProfileKey, string>;
  const [values, setValues] = useState(initial);
  const refresh = useMemberRefresh(member.id);
  const save = useMutation({
    mutationFn: (body: Record<string, string | null>) => sendOnce((opts) => updateMember(member.id, body, opts)),
    onSuccess: async () => {
      await refresh();
      onDone();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const changed = Object.fromEntries(
      PROFILE.filter((f) => values[f.key] !== initial[f.key]).map((f) => [
        f.key,
        values[f.key].trim() === "" ? null : values[f.key],
      ]),
    );
    if (Object.keys(changed).length === 0) return onDone();
    save.mutate(changed);
  };
  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby="edit-heading">
      <h2 id="edit-heading" style={{ marginTop: 0 }}>
        Edit profile
      </h2>
      <ErrorAlert error={save.error} />
      <div className="grid">
        {PROFILE.map((f) => (
          <Field
            key={f.key}
            label={f.label}
            type={f.type}
            value={values[f.key]}
            onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
            error={apiFieldError(save.error, f.key)}
          />
        ))}
      </div>
      <div className="row">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save profile"}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Block (no earning, no redeeming) or unblock, after a confirmation. */
export function BlockButton({ member }: { member: Member }) {
  const refresh = useMemberRefresh(member.id);
  const blocking = member.status === "active";
  const change = useMutation({
    mutationFn: () => sendOnce((opts) => updateMember(member.id, { status: blocking ? "blocked" : "active" }, opts)),
    onSuccess: refresh,
  });
  return (
    <div>
      <ConfirmButton
        label={blocking ? "Block member" : "Unblock member"}
        question={
          blocking
            ? "Block this member? They can no longer redeem rewards until unblocked."
            : "Unblock this member? They can redeem rewards again."
        }
        confirmLabel={blocking ? "Yes, block" : "Yes, unblock"}
        danger={blocking}
        pending={change.isPending}
        onConfirm={() => change.mutateAsync()}
      />
      <ErrorAlert error={change.error} />
    </div>
  );
}
