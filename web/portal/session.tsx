import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { setCsrfToken } from "../shared/api/http.ts";
import { useCookieSession } from "../shared/session.ts";
import { getSession, meKeys, signOut } from "./api/me.ts";
import { getLanding, isLandingKey, portalKeys } from "./api/portal.ts";

/** The member's session from the cookie, or null when signed out (401). */
export const useMemberSession = () => useCookieSession(meKeys.session, getSession);

/** The programme's public landing data: its name on every page, its rewards and tiers. */
export function useLanding(programId: string) {
  return useQuery({
    queryKey: portalKeys.landing(programId),
    queryFn: () => getLanding(programId),
    staleTime: 5 * 60_000,
  });
}

/** Signs out on the server, forgets everything cached and returns to the landing page. */
export function useSignOut(programId: string) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return async () => {
    try {
      await signOut();
    } catch {
      // Already signed out on the server (401), or unreachable: forget the session here all the same.
    } finally {
      setCsrfToken(null);
      queryClient.removeQueries({ predicate: (q) => !isLandingKey(q.queryKey) });
      queryClient.setQueryData(meKeys.session, null);
      navigate(`/${programId}`);
    }
  };
}

/** The link a member shares: new members who join through it are linked to them. */
export const referralLink = (programId: string, code: string) =>
  `${window.location.origin}/portal/${encodeURIComponent(programId)}?ref=${encodeURIComponent(code)}`;
