import { useQuery } from "@tanstack/react-query";
import { ApiError, setCsrfToken } from "./api/http.ts";

/**
 * A cookie session as the pages see it: read with `read` once a minute at most, its CSRF token
 * kept for the changes the page sends, or null when signed out (401). The staff apps read
 * the staff session (admin/api/auth.ts), the portal the member's (portal/api/me.ts).
 */
export function useCookieSession<T extends { csrfToken: string }>(queryKey: readonly string[], read: () => Promise<T>) {
  return useQuery({
    queryKey,
    queryFn: async () => {
      try {
        const session = await read();
        setCsrfToken(session.csrfToken);
        return session;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          setCsrfToken(null);
          return null;
        }
        throw error;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
}
