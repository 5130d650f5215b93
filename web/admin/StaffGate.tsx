import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { api } from "../shared/api.ts";
import { ErrorAlert } from "../shared/ui.tsx";
import { SignIn } from "./SignIn.tsx";
import { type Program, SessionProvider, useSessionQuery } from "./session.tsx";

/**
 * What the staff apps (console and point of sale) show before their own pages: the sign-in form
 * when signed out, then the staff member's session and programme for `useSession()`.
 */
export function StaffGate({ children }: { children: ReactNode }) {
  const session = useSessionQuery();
  const program = useQuery({
    queryKey: ["program"],
    queryFn: () => api.get<Program>("/v1/programs/current"),
    enabled: Boolean(session.data),
  });
  if (session.isPending) return <p className="centered">Loading…</p>;
  if (session.error) return <ErrorAlert error={session.error} />;
  if (!session.data) return <SignIn />;
  if (program.error) return <ErrorAlert error={program.error} />;
  if (!program.data) return <p className="centered">Loading…</p>;
  return (
    <SessionProvider session={session.data} program={program.data}>
      {children}
    </SessionProvider>
  );
}
