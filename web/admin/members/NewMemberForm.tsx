import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router";
import { sendOnce } from "../../shared/api/http.ts";
import { ErrorAlert, Field } from "../../shared/ui.tsx";
import { createMember, memberKeys } from "../api/members.ts";
import { apiFieldError } from "./common.tsx";

const FIELDS = [
  { key: "name", label: "Name", type: "text", autoComplete: "off" },
  { key: "email", label: "Email", type: "email", autoComplete: "off" },
  { key: "phone", label: "Phone", type: "tel", autoComplete: "off", hint: "Any common format" },
  { key: "birthDate", label: "Birthday", type: "date" },
  { key: "externalId", label: "External id", type: "text", hint: "Your system's id for this customer" },
  { key: "referralCode", label: "Referral code", type: "text", hint: "Another member's code, if they referred this one" },
] as const;

type Values = Record<(typeof FIELDS)[number]["key"], string>;
const EMPTY: Values = { name: "", email: "", phone: "", birthDate: "", externalId: "", referralCode: "" };

/** Enrols a member as POST /v1/members does; the API's messages appear at each field. */
export function NewMemberForm({ onCancel }: { onCancel: () => void }) {
  const [values, setValues] = useState<Values>(EMPTY);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: (body: Partial<Values>) => sendOnce((opts) => createMember(body, opts)),
    onSuccess: async (member) => {
      await queryClient.invalidateQueries({ queryKey: memberKeys.all });
      navigate(`/members/${member.id}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // Empty fields are left out: the API takes only what is given.
    const body = Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== "")) as Partial<Values>;
    create.mutate(body);
  };
  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby="new-member-heading">
      <h2 id="new-member-heading" style={{ marginTop: 0 }}>
        New member
      </h2>
      <ErrorAlert error={create.error} />
      <div className="grid">
        {FIELDS.map((f) => (
          <Field
            key={f.key}
            label={f.label}
            type={f.type}
            hint={"hint" in f ? f.hint : undefined}
            autoComplete={"autoComplete" in f ? f.autoComplete : undefined}
            value={values[f.key]}
            onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
            error={apiFieldError(create.error, f.key)}
          />
        ))}
      </div>
      <div className="row">
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? "Enrolling…" : "Enrol member"}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
