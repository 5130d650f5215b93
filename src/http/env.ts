import type { Logger } from "pino";
import type { MemberSession, Principal } from "../shared/principal.ts";

/** What middleware puts on every request's context. */
export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    principal: Principal;
    /** Set by the authentication middleware on /v1/me routes only. */
    memberSession: MemberSession;
  };
};
