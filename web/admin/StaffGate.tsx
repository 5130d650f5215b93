import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { ErrorAlert } from "../shared/ui.tsx";
import { getProgram, programKeys } from "./api/program.ts";
import { SignIn } from "./SignIn.tsx";
import { SessionProvider, useSessionQuery } from "./session.tsx";

/**
 * What the staff apps (console and point of sale) show before their own pages: the sign-in form
 * when signed out (a till's also asks for its store), then the staff member's session and
 * programme for `useSession()`.
 */
export function StaffGate({ children, till = false }: { children: ReactNode; till?: boolean }) {
  const session = useSessionQuery();
  const program = useQuery({
    queryKey: programKeys.current,
    queryFn: getProgram,
    enabled: Boolean(session.data),
  });
  if (session.isPending) return <p className="centered">Loading…</p>;
  if (session.error) return <ErrorAlert error={session.error} />;
  if (!session.data) return <SignIn till={till} />;
  if (program.error) return <ErrorAlert error={program.error} />;
  if (!program.data) return <p className="centered">Loading…</p>;
  return (
    <SessionProvider session={session.data} program={program.data}>
      {children}
    </SessionProvider>
  );
}
