import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { sendOnce } from "../../shared/api/http.ts";
import { ErrorAlert, Field, fieldError, formatDateTime, Notice, SelectField } from "../../shared/ui.tsx";
import { auditKeys } from "../api/audit.ts";
import { createStaff, listStaff, type StaffAccount, type StaffChanges, staffKeys, updateStaff } from "../api/staff.ts";
import { type Role, useSession } from "../session.tsx";

const ROLES: { value: Role; label: string }[] = [
  { value: "cashier", label: "Cashier: the point of sale" },
  { value: "manager", label: "Manager: programme design, members, reports" },
  { value: "owner", label: "Owner: everything, staff and keys" },
];

const nameOf = (s: Pick<StaffAccount, "name" | "email">) => s.name ?? s.email;

export default function Staff() {
  const queryClient = useQueryClient();
  const { session } = useSession();
  const staff = useQuery({ queryKey: staffKeys.all, queryFn: listStaff });
  const [notice, setNotice] = useState<string | null>(null);
  const changed = (message: string) => {
    setNotice(message);
    void queryClient.invalidateQueries({ queryKey: staffKeys.all });
    void queryClient.invalidateQueries({ queryKey: auditKeys.all });
  };
  const update = useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: Pick<StaffChanges, "role" | "status"> }) =>
      sendOnce((opts) => updateStaff(id, patch, opts)),
    onMutate: () => setNotice(null),
    onSuccess: (s, { patch }) =>
      changed(
        patch.role
          ? `${nameOf(s)} is now ${s.role}; their sessions ended.`
          : s.status === "disabled"
            ? `${nameOf(s)} is disabled and signed out.`
            : `${nameOf(s)} can sign in again.`,
      ),
  });

  return (
    <>
      <h1>Staff</h1>
      <NewStaffForm onCreated={(s) => changed(`${nameOf(s)} was added as ${s.role}.`)} />
      <ErrorAlert error={staff.error ?? update.error} />
      {notice && <Notice>{notice}</Notice>}
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Staff accounts</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {staff.data?.data.map((s) => (
              <tr key={s.id}>
                <td>
                  {s.name ?? "—"}
                  {s.id === session.staff.id && <span className="muted"> (you)</span>}
                </td>
                <td>{s.email}</td>
                <td>
                  <select
                    aria-label={`Role of ${nameOf(s)}`}
                    value={s.role}
                    disabled={update.isPending}
                    onChange={(e) => update.mutate({ id: s.id, patch: { role: e.target.value as Role } })}
                  >
                    {ROLES.map((r) => (
                      <option key={r.value} value={r.value}>
                        {r.value}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <span className={`badge${s.status === "disabled" ? " blocked" : ""}`}>{s.status}</span>
                </td>
                <td>{formatDateTime(s.lastSignInAt)}</td>
                <td>
                  <button
                    type="button"
                    className="secondary"
                    disabled={update.isPending}
                    aria-label={`${s.status === "active" ? "Disable" : "Enable"} ${nameOf(s)}`}
                    onClick={() => update.mutate({ id: s.id, patch: { status: s.status === "active" ? "disabled" : "active" } })}
                  >
                    {s.status === "active" ? "Disable" : "Enable"}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {staff.isPending && <p>Loading…</p>}
      <p className="muted">
        Changing someone's role or disabling them signs them out everywhere at once. The programme always keeps an active owner.
      </p>
    </>
  );
}

function NewStaffForm({ onCreated }: { onCreated: (s: StaffAccount) => void }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("cashier");
  const [password, setPassword] = useState("");
  const headingId = useId();
  const create = useMutation({
    mutationFn: () => sendOnce((opts) => createStaff({ email, role, password, ...(name.trim() && { name: name.trim() }) }, opts)),
    onSuccess: (s) => {
      setEmail("");
      setName("");
      setPassword("");
      onCreated(s);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const error = create.error;
  // A duplicate email is a 409 that names its field.
  const emailError =
    fieldError(error, "email") ??
    ((error as { details?: { field?: string } } | null)?.details?.field === "email" ? (error as Error).message : undefined);
  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby={headingId}>
      <h2 id={headingId}>Add a staff member</h2>
      <div className="grid">
        <Field
          label="Email"
          type="email"
          autoComplete="off"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={emailError}
          required
        />
        <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} error={fieldError(error, "name")} />
        <SelectField
          label="Role"
          value={role}
          onChange={(e) => setRole(e.target.value as Role)}
          error={fieldError(error, "role")}
          options={ROLES}
        />
        <Field
          label="Initial password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fieldError(error, "password")}
          hint="12 characters or more; give it to them in person"
          required
        />
      </div>
      <ErrorAlert error={error} />
      <button type="submit" disabled={create.isPending}>
        {create.isPending ? "Adding…" : "Add staff member"}
      </button>
    </form>
  );
}
