import nodemailer from "nodemailer";
import type { Logger } from "pino";

/** One email. `text` always; `html` when a richer version helps. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Sends email: SMTP in production, the server log in development, a capture in tests. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** Sends through an SMTP server named by a URL: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465. */
export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      await transport.sendMail({ from, ...message });
    },
  };
}

/**
 * With no SMTP server configured (development), each message goes to the server log at warn
 * level, so a sign-in code can be read there.
 */
export function logMailer(log: Logger): Mailer {
  return {
    async send(message) {
      log.warn(
        { mail: { to: message.to, subject: message.subject, text: message.text } },
        "No SMTP server is configured (SMTP_URL): this email was written to the log instead of being sent",
      );
    },
  };
}

export function createMailer(config: { smtpUrl?: string | undefined; mailFrom?: string | undefined }, log: Logger): Mailer {
  return config.smtpUrl ? smtpMailer(config.smtpUrl, config.mailFrom ?? DEFAULT_MAIL_FROM) : logMailer(log);
}

export const DEFAULT_MAIL_FROM = "Stampbook <no-reply@localhost>";
