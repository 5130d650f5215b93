/**
 * A real SMTP server for tests (smtp-server, user and password checked) that keeps every
 * message it receives, so a test reads what the server really mailed: the portal's sign-in codes.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { expect } from "vitest";

export interface TestSmtp {
  /** SMTP_URL for the server under test. */
  url: string;
  received: { to: string[]; raw: string }[];
  /** The newest sign-in code mailed to `email` after the `after`-th message, waited for. */
  codeMailedTo(email: string, after: number): Promise<string>;
  close(): Promise<void>;
}

export async function startSmtp(user = "portal", password = "mail-pass"): Promise<TestSmtp> {
  const received: TestSmtp["received"] = [];
  const server = new SMTPServer({
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) callback(null, { user });
      else callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      let raw = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        raw += chunk;
      });
      stream.on("end", () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${user}:${password}@127.0.0.1:${port}`,
    received,
    async codeMailedTo(email, after) {
      await expect.poll(() => received.slice(after).some((m) => m.to.includes(email)), { timeout: 15_000 }).toBe(true);
      const message = received
        .slice(after)
        .filter((m) => m.to.includes(email))
        .at(-1);
      const code = message?.raw.match(/Your sign-in code: (\d{6})/)?.[1];
      if (!code) throw new Error(`no code in ${message?.raw}`);
      return code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
