import { useQuery } from "@tanstack/react-query";
import { ApiError, api, setCsrfToken } from "./api.ts";

/**
 * A cookie session as the pages see it: read from `path` once a minute at most, its CSRF token
 * kept for the changes the page sends, or null when signed out (401). The staff apps read
 * `/auth/session`, the portal `/v1/me/session`.
 */
export function useCookieSession<T extends { csrfToken: string }>(queryKey: string, path: string) {
  return useQuery({
    queryKey: [queryKey],
    queryFn: async () => {
      try {
        const session = await api.get<T>(path);
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
