import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { sendOnce } from "../../shared/api/http.ts";
import { ErrorAlert, Field, fieldError, formatDateTime, Notice, SelectField } from "../../shared/ui.tsx";
import { type ApiKey, apiKeyKeys, type CreatedApiKey, createApiKey, listApiKeys, revokeApiKey } from "../api/api-keys.ts";
import { auditKeys } from "../api/audit.ts";

type Scope = ApiKey["scope"];

const SCOPES: { value: Scope; label: string }[] = [
  { value: "pos", label: "pos: members, balances, purchases and redemptions at the till" },
  { value: "read", label: "read: read-only" },
  { value: "admin", label: "admin: everything in the programme" },
];

export default function ApiKeys() {
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: apiKeyKeys.all, queryFn: listApiKeys });
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const changed = () => {
    void queryClient.invalidateQueries({ queryKey: apiKeyKeys.all });
    void queryClient.invalidateQueries({ queryKey: auditKeys.all });
  };
  const revoke = useMutation({
    mutationFn: (id: string) => sendOnce((opts) => revokeApiKey(id, opts)),
    onSuccess: () => {
      setConfirming(null);
      changed();
    },
  });

  return (
    <>
      <h1>API keys</h1>
      <p className="muted">
        Keys let other systems (a till, a website, a script) use the Stampbook API for this programme. A key's secret is shown
        once, when it is made.
      </p>
      <NewKeyForm
        onCreated={(key) => {
          setCreated(key);
          changed();
        }}
      />
      {created && <SecretOnce apiKey={created} onDone={() => setCreated(null)} />}
      <ErrorAlert error={keys.error ?? revoke.error} />
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">API keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scope</th>
              <th scope="col">Starts with</th>
              <th scope="col">Created</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data?.data.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>{k.scope}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{formatDateTime(k.createdAt)}</td>
                <td>
                  {k.revokedAt ? (
                    <span className="badge blocked">revoked {formatDateTime(k.revokedAt)}</span>
                  ) : (
                    <span className="badge">active</span>
                  )}
                </td>
                <td>
                  {!k.revokedAt &&
                    (confirming === k.id ? (
                      <span className="row" style={{ alignItems: "center" }}>
                        <span>Revoke {k.name}? It stops working at once.</span>
                        <button type="button" className="danger" disabled={revoke.isPending} onClick={() => revoke.mutate(k.id)}>
                          Yes, revoke
                        </button>
                        <button type="button" className="secondary" onClick={() => setConfirming(null)}>
                          Keep it
                        </button>
                      </span>
                    ) : (
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Revoke ${k.name}`}
                        onClick={() => setConfirming(k.id)}
                      >
                        Revoke
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {keys.isPending && <p>Loading…</p>}
    </>
  );
}

function NewKeyForm({ onCreated }: { onCreated: (key: CreatedApiKey) => void }) {
  const [name, setName] = useState("");
  const [scope, setScope] = useState<Scope>("pos");
  const create = useMutation({
    mutationFn: () => sendOnce((opts) => createApiKey({ name, scope }, opts)),
    onSuccess: (key) => {
      setName("");
      onCreated(key);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="panel" onSubmit={submit} noValidate>
      <h2>New key</h2>
      <div className="row" style={{ alignItems: "flex-start" }}>
        <Field
          label="Key name"
          hint="Where it is used, e.g. Till 1"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={fieldError(create.error, "name")}
          required
        />
        <SelectField
          label="Scope"
          value={scope}
          onChange={(e) => setScope(e.target.value as Scope)}
          error={fieldError(create.error, "scope")}
          options={SCOPES}
        />
      </div>
      <ErrorAlert error={create.error} />
      <button type="submit" disabled={create.isPending}>
        {create.isPending ? "Creating…" : "Create key"}
      </button>
    </form>
  );
}

/** The new key's secret, shown this once, with a copy button. */
function SecretOnce({ apiKey, onDone }: { apiKey: CreatedApiKey; onDone: () => void }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const { secret } = apiKey;
  // A retry whose first answer was lost is answered without the secret: it was shown once, and only its hash is kept.
  if (secret === null) {
    return (
      <section className="panel" aria-labelledby="new-secret">
        <h2 id="new-secret">Secret of {apiKey.name}</h2>
        <Notice kind="error">
          The key was made, but its secret was shown once already and cannot be shown again: revoke this key and create another.
        </Notice>
        <button type="button" className="secondary" onClick={onDone}>
          Done
        </button>
      </section>
    );
  }
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  };
  return (
    <section className="panel" aria-labelledby="new-secret">
      <h2 id="new-secret">Secret of {apiKey.name}</h2>
      <Notice kind="info">Copy it now and keep it safe: it is shown only this once.</Notice>
      <p>
        <code className="code" data-testid="api-key-secret" style={{ wordBreak: "break-all" }}>
          {secret}
        </code>
      </p>
      <div className="row">
        <button type="button" onClick={() => void copy()}>
          Copy secret
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Done
        </button>
      </div>
      {copied === "yes" && <Notice>Copied.</Notice>}
      {copied === "failed" && <Notice kind="error">The browser did not allow copying: select the secret and copy it.</Notice>}
    </section>
  );
}
