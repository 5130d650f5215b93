import { resolve } from "node:path";
import { z } from "zod";

/**
 * Every setting, from the environment, overridable by CLI flags. Listed with defaults in the
 * README; keep the two in step.
 */
export const ConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65_535).default(3000),
  host: z.string().min(1).default("0.0.0.0"),
  dataDir: z.string().min(1).default("./stampbook-data"),
  databaseUrl: z.string().url().optional(),
  databasePoolSize: z.coerce.number().int().min(1).max(500).default(10),
  rootKey: z.string().min(16, "STAMPBOOK_ROOT_KEY must be at least 16 characters").optional(),
  /**
   * The server's secret key for keyed hashes (portal sign-in codes, the secret fields of
   * idempotency fingerprints): kept out of the database, so a copy of the database alone cannot
   * recover what they hide. Unset: a key file in the data directory (see shared/server-key.ts).
   */
  secretKey: z.string().min(32, "STAMPBOOK_SECRET_KEY must be at least 32 characters (e.g. openssl rand -base64 32)").optional(),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  jobsIntervalSeconds: z.coerce.number().min(0).default(60),
  idempotencyRetentionDays: z.coerce.number().int().min(1).default(30),
  bodyLimitBytes: z.coerce.number().int().min(1024).default(1_048_576),
  /** Seed the demo coffee shop on `serve` when the database has no programme yet. */
  demo: z
    .union([z.boolean(), z.enum(["0", "1", "false", "true"], { message: 'must be "1" or "true" (on), "0" or "false" (off)' })])
    .transform((v) => v === true || v === "1" || v === "true")
    .default(true),
  smtpUrl: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, "SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
    .optional(),
  mailFrom: z.string().min(3).default("Stampbook <no-reply@localhost>"),
  /**
   * Where people reach this server (e.g. https://loyalty.example.com): the base of the portal,
   * till and setup links shown in the console and printed at start. Unset: the request's own.
   */
  publicUrl: z
    .string()
    .regex(
      /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
      "STAMPBOOK_PUBLIC_URL must be an http(s) URL such as https://loyalty.example.com",
    )
    .transform((u) => u.replace(/\/+$/, ""))
    .optional(),
});

export type Config = z.infer<typeof ConfigSchema>;

export const ENV_VARS: Record<keyof Config, string> = {
  port: "PORT",
  host: "HOST",
  dataDir: "STAMPBOOK_DATA_DIR",
  databaseUrl: "DATABASE_URL",
  databasePoolSize: "DATABASE_POOL_SIZE",
  rootKey: "STAMPBOOK_ROOT_KEY",
  secretKey: "STAMPBOOK_SECRET_KEY",
  logLevel: "LOG_LEVEL",
  jobsIntervalSeconds: "STAMPBOOK_JOBS_INTERVAL_SECONDS",
  idempotencyRetentionDays: "STAMPBOOK_IDEMPOTENCY_RETENTION_DAYS",
  bodyLimitBytes: "STAMPBOOK_BODY_LIMIT_BYTES",
  demo: "STAMPBOOK_DEMO",
  smtpUrl: "SMTP_URL",
  mailFrom: "STAMPBOOK_MAIL_FROM",
  publicUrl: "STAMPBOOK_PUBLIC_URL",
};

/** Reads the environment, then lets `overrides` (CLI flags) win. Empty variables count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv, overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV_VARS)) {
    const value = env[name];
    if (value !== undefined && value !== "") raw[key] = value;
  }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) raw[key] = value;
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0]) as keyof Config;
      return `  ${ENV_VARS[key] ?? key}: ${i.message}`;
    });
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return { ...parsed.data, dataDir: resolve(parsed.data.dataDir) };
}
