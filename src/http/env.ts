import type { Logger } from "pino";
import type { Principal } from "../api-keys/api-keys.service.ts";

/** What middleware puts on every request's context. */
export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    principal: Principal;
  };
};
