import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { sendOnce } from "../shared/api/http.ts";
import { Checkbox, ErrorAlert, Field, fieldError, formatDateTime, Notice } from "../shared/ui.tsx";
import { type Me, meKeys, updateProfile } from "./api/me.ts";
import { useMe } from "./Dashboard.tsx";
import { useSignOut } from "./session.tsx";

/** Name, phone, birthday and marketing consent; the email is the sign-in identity and stays as it is. */
export function Profile({ programId }: { programId: string }) {
  const me = useMe();
  const signOut = useSignOut(programId);
  if (me.error) return <ErrorAlert error={me.error} />;
  if (!me.data) return <p>Loading…</p>;
  return (
    <>
      <h1>Profile</h1>
      <ProfileForm me={me.data} />
      <section className="panel" aria-labelledby="account">
        <h2 id="account">Account</h2>
        <p>
          Signed in as <strong>{me.data.email}</strong>.
        </p>
        <button type="button" className="secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </section>
    </>
  );
}

function ProfileForm({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const initial = {
    name: me.name ?? "",
    phone: me.phone ?? "",
    birthDate: me.birthDate ?? "",
    marketingConsent: me.marketingConsent.granted,
  };
  const [form, setForm] = useState(initial);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset the form only when another member's data arrives
  useEffect(() => setForm(initial), [me.id]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    const orNull = (s: string) => (s.trim() === "" ? null : s.trim());
    const body: Record<string, unknown> = {};
    if (orNull(form.name) !== me.name) body.name = orNull(form.name);
    if ((orNull(form.phone) ?? "") !== (me.phone ?? "")) body.phone = orNull(form.phone);
    if (orNull(form.birthDate) !== me.birthDate) body.birthDate = orNull(form.birthDate);
    if (form.marketingConsent !== me.marketingConsent.granted) body.marketingConsent = form.marketingConsent;
    try {
      const member = await sendOnce((opts) => updateProfile(body, opts));
      queryClient.setQueryData<Me>(meKeys.me, (old) => (old ? { ...old, ...member } : old));
      void queryClient.invalidateQueries({ queryKey: meKeys.me });
      setForm({
        name: member.name ?? "",
        phone: member.phone ?? "",
        birthDate: member.birthDate ?? "",
        marketingConsent: member.marketingConsent.granted,
      });
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const consent = me.marketingConsent;
  return (
    <section className="panel" aria-labelledby="details">
      <h2 id="details">Your details</h2>
      <form onSubmit={submit} noValidate>
        <Field
          label="Name"
          autoComplete="name"
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.target.value })}
          error={fieldError(error, "name")}
        />
        <Field
          label="Phone"
          type="tel"
          autoComplete="tel"
          value={form.phone}
          onChange={(e) => setForm({ ...form, phone: e.target.value })}
          error={fieldError(error, "phone")}
        />
        <Field
          label="Birthday"
          type="date"
          autoComplete="bday"
          value={form.birthDate}
          onChange={(e) => setForm({ ...form, birthDate: e.target.value })}
          error={fieldError(error, "birthDate")}
        />
        <Checkbox
          label="Send me news and offers by email"
          checked={form.marketingConsent}
          onChange={(e) => setForm({ ...form, marketingConsent: e.target.checked })}
        />
        {consent.at && (
          <p className="muted" style={{ marginTop: "-0.5rem" }}>
            {consent.granted ? "You agreed" : "You said no"} on {formatDateTime(consent.at)}.
          </p>
        )}
        <ErrorAlert error={error} />
        {saved && <Notice>Saved.</Notice>}
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save"}
        </button>
      </form>
    </section>
  );
}
