import type { Logger } from "pino";
import type { MemberSession, Principal } from "../shared/principal.ts";
import type { KeyedDigest } from "../shared/server-key.ts";

/** What middleware puts on every request's context. */
export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    principal: Principal;
    /** Set by the authentication middleware on /v1/me routes only. */
    memberSession: MemberSession;
    /** Keyed hashes under the server's secret key (the key itself is never on the context). */
    keyedDigest: KeyedDigest;
  };
};
