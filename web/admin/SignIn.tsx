import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { ApiError, setCsrfToken } from "../shared/api/http.ts";
import { ErrorAlert, Field, fieldError } from "../shared/ui.tsx";
import { sessionKeys, signIn } from "./api/auth.ts";

/** Where a till remembers its store between sign-ins: a till stays in one store. */
const STORE_KEY = "stampbook.till.store";

/**
 * Email and password; the programme is asked for only when the email has accounts in several.
 * A till also names its store (optional, remembered on the device): what the session records is
 * counted there in the staff report.
 */
export function SignIn({ till = false }: { till?: boolean }) {
  const queryClient = useQueryClient();
  const params = new URLSearchParams(window.location.search);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [programId, setProgramId] = useState(params.get("program") ?? "");
  const [storeId, setStoreId] = useState(() => (till ? (localStorage.getItem(STORE_KEY) ?? "") : ""));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const store = storeId.trim();
      const session = await signIn({ email, password, ...(programId && { programId }), ...(store && { storeId: store }) });
      if (till) localStorage.setItem(STORE_KEY, store);
      setCsrfToken(session.csrfToken);
      queryClient.setQueryData(sessionKeys.current, session);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const needsProgram = error instanceof ApiError && error.fieldError("programId") !== undefined;
  return (
    <main className="centered">
      <div className="panel">
        <h1>Sign in to Stampbook</h1>
        <form onSubmit={submit} noValidate>
          <Field
            label="Email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={fieldError(error, "email")}
            required
            autoFocus
          />
          <Field
            label="Password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={fieldError(error, "password")}
            required
          />
          {till && (
            <Field
              label="Store"
              hint="Optional: the store this till is in (e.g. main-st). Sales, sign-ups and redemptions are counted there."
              value={storeId}
              onChange={(e) => setStoreId(e.target.value)}
              error={fieldError(error, "storeId")}
            />
          )}
          {(programId || needsProgram) && (
            <Field
              label="Programme id"
              value={programId}
              onChange={(e) => setProgramId(e.target.value)}
              error={fieldError(error, "programId")}
            />
          )}
          {!(error instanceof ApiError && error.code === "validation_error") && <ErrorAlert error={error} />}
          <button type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
      </div>
    </main>
  );
}
