import { QueryClient, useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext } from "react";
import { ApiError, setCsrfToken, whenSessionEnds } from "../shared/api/http.ts";
import { useCookieSession } from "../shared/session.ts";
import { signOut as endSession, getSession, type Session, sessionKeys } from "./api/auth.ts";
import type { Program } from "./api/program.ts";
import type { Role } from "./api/staff.ts";

export type { Program, Role, Session };

interface SessionState {
  session: Session;
  program: Program;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

/** The signed-in staff member and their programme; only rendered inside <SessionGate>. */
export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error("useSession outside SessionGate");
  return state;
}

/** The staff session from the cookie, or null when signed out (401). */
export const useSessionQuery = () => useCookieSession(sessionKeys.current, getSession);

export function SessionProvider({ session, program, children }: { session: Session; program: Program; children: ReactNode }) {
  const queryClient = useQueryClient();
  const signOut = async () => {
    await endSession();
    setCsrfToken(null);
    queryClient.clear();
    queryClient.setQueryData(sessionKeys.current, null);
  };
  return <SessionContext.Provider value={{ session, program, signOut }}>{children}</SessionContext.Provider>;
}

/** Who may open what in the console. Cashiers work at the point of sale. */
export const CAN = {
  design: ["owner", "manager"] as Role[],
  members: ["owner", "manager"] as Role[],
  reports: ["owner", "manager"] as Role[],
  audit: ["owner", "manager"] as Role[],
  settings: ["owner"] as Role[],
  staff: ["owner"] as Role[],
  keys: ["owner"] as Role[],
};

/**
 * The query client of the staff apps (console and point of sale): fresh data without reloads
 * (refetch on focus, and every minute where asked), no retries of 4xx answers, and any 401 (the
 * session ended: expired, signed out elsewhere, account disabled) back to the sign-in form.
 */
export function createStaffQueryClient(refetchInterval: number | false = false): QueryClient {
  const client = new QueryClient({
    defaultOptions: {
      queries: {
        refetchOnWindowFocus: true,
        refetchInterval,
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      },
    },
  });
  whenSessionEnds(() => {
    setCsrfToken(null);
    client.setQueryData(sessionKeys.current, null);
  });
  return client;
}
