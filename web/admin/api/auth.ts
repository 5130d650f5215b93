/** Staff sign-in for the console and the point of sale: a cookie session with a CSRF token. */
import { api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";

export type Session = Schema<"StaffSession">;

export const sessionKeys = {
  current: ["session"] as const,
};

export const getSession = (): Promise<Session> => api.get("/auth/session");

export const signIn = (body: Sent<Body<"/auth/sign-in", "post">>) => api.post("/auth/sign-in", { body });

export const signOut = () => api.post("/auth/sign-out");
