import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { api, setCsrfToken } from "../shared/api.ts";
import { useCookieSession } from "../shared/session.ts";
import type { Landing, MemberSession } from "./types.ts";

/** The member's session from the cookie, or null when signed out (401). */
export const useMemberSession = () => useCookieSession<MemberSession>("member-session", "/v1/me/session");

/** The programme's public landing data: its name on every page, its rewards and tiers. */
export function useLanding(programId: string) {
  return useQuery({
    queryKey: ["landing", programId],
    queryFn: () => api.get<Landing>(`/v1/portal/${encodeURIComponent(programId)}`),
    staleTime: 5 * 60_000,
  });
}

/** Signs out on the server, forgets everything cached and returns to the landing page. */
export function useSignOut(programId: string) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return async () => {
    try {
      await api.post("/v1/me/sign-out");
    } catch {
      // Already signed out on the server (401), or unreachable: forget the session here all the same.
    } finally {
      setCsrfToken(null);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== "landing" });
      queryClient.setQueryData(["member-session"], null);
      navigate(`/${programId}`);
    }
  };
}

/** The link a member shares: new members who join through it are linked to them. */
export const referralLink = (programId: string, code: string) =>
  `${window.location.origin}/portal/${encodeURIComponent(programId)}?ref=${encodeURIComponent(code)}`;
