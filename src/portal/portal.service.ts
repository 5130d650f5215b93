import type { Transaction } from "kysely";
import type { Logger } from "pino";
import { monotonicFactory } from "ulidx";
import { hashSecret } from "../api-keys/api-keys.rules.ts";
import type { CampaignService } from "../campaigns/campaigns.service.ts";
import type { DB } from "../db/schema.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { normalizeEmail } from "../members/members.rules.ts";
import type { MemberService } from "../members/members.service.ts";
import type { ProgramService } from "../programs/programs.service.ts";
import type { RewardService } from "../rewards/rewards.service.ts";
import { DomainError } from "../shared/errors.ts";
import type { Mailer, MailMessage } from "../shared/mailer.ts";
import type { MemberSession } from "../shared/principal.ts";
import type { KeyedDigest } from "../shared/server-key.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { newToken } from "../staff/staff.rules.ts";
import type { TiersService } from "../tiers/tiers.service.ts";
import {
  CODE_TTL_MS,
  CODES_PER_HOUR,
  type CodeMailKind,
  codeMail,
  earningLines,
  hashLoginCode,
  loginCodeMatches,
  MEMBER_SESSION_MS,
  newLoginCode,
  ownView,
} from "./portal.rules.ts";
import type { PortalEnrol } from "./portal.schemas.ts";
import {
  codesSince,
  endMemberSignIns,
  findMemberByEmail,
  findMemberSession,
  insertLoginCode,
  insertMemberSession,
  markCodeUsed,
  revokeMemberSession,
  takeCodeAttempt,
} from "./portal.sql.ts";

// Time-sortable code ids: among codes stamped with the same time, the later one is the newest.
const ulid = monotonicFactory();

export const CODE_SENT_MESSAGE =
  "If this email belongs to a member, a sign-in code is on its way. It works for 10 minutes; at most 5 codes are sent per hour.";

/**
 * The member portal: its public landing page, enrolment, sign-in by a one-time code sent by
 * email, and member sessions. An unknown email is answered exactly like a known one (nothing says
 * who is a member), and mail goes out after the answer, so a known email does not answer slower.
 */
export class PortalService {
  readonly #sending = new Set<Promise<void>>();

  constructor(
    private readonly deps: ServiceDeps & {
      programs: ProgramService;
      members: MemberService;
      tiers: TiersService;
      rewards: RewardService;
      campaigns: CampaignService;
      mailer: Mailer;
      log: Logger;
      /** Hashes sign-in codes under the server's secret key. */
      keyedDigest: KeyedDigest;
    },
  ) {}

  /** What the landing page shows: the programme, its tiers, its rewards and how points are earned. */
  async landing(programId: string) {
    const { db, clock } = this.deps;
    const program = await this.deps.programs.get(programId);
    const ladder = await this.deps.tiers.ladder(programId);
    const rewards = await this.deps.rewards.list(programId, { status: "active", limit: 200 });
    const rules = await this.deps.campaigns.rulesAt(db, programId, clock.now());
    return {
      program: { id: program.id, name: program.name, currency: program.currency },
      tiers: ladder.tiers.map((t) => ({ name: t.name, threshold: t.threshold, benefits: t.benefits })),
      tierMetric: ladder.policy?.metric ?? null,
      rewards: rewards.data
        .map((r) => ({
          id: r.id,
          name: r.name,
          description: r.description,
          costPoints: r.costPoints,
          imageUrl: r.imageUrl,
          category: r.category,
        }))
        .sort((a, b) => a.costPoints - b.costPoints),
      earning: earningLines(rules, clock.now()),
    };
  }

  /**
   * Enrols through the member service (so the sign-up and referral rules fire) and sends a sign-in
   * code. An email that is already a member's is answered the same way and gets a code too (its
   * owner signs in; nobody learns the email was known); other refusals (an invalid referral code,
   * a phone already in use) are the member service's own.
   */
  async enrol(ctx: MutationContext, programId: string, input: PortalEnrol) {
    const program = await this.deps.programs.get(programId);
    const email = normalizeEmail(input.email);
    const existing = await findMemberByEmail(this.deps.db, programId, email);
    if (existing) {
      if (existing.status === "active") await this.#issueCode(programId, program.name, existing.id, email, "already_member");
      return { email, message: CODE_SENT_MESSAGE };
    }
    try {
      const created = await this.deps.members.create(ctx, programId, { ...input, email });
      const member = created.body as { id: string };
      await this.#issueCode(programId, program.name, member.id, email, "welcome");
    } catch (error) {
      const e = error as DomainError;
      // Enrolled by a parallel request a moment ago: the same answer as above.
      if (!(e instanceof DomainError && e.code === "conflict" && (e.details as { field?: string })?.field === "email")) throw e;
      const raced = await findMemberByEmail(this.deps.db, programId, email);
      if (raced?.status === "active") await this.#issueCode(programId, program.name, raced.id, email, "already_member");
    }
    return { email, message: CODE_SENT_MESSAGE };
  }

  /** Sends a sign-in code to a member's email; an unknown (or blocked) email is answered alike and sent nothing. */
  async requestCode(programId: string, rawEmail: string) {
    const program = await this.deps.programs.get(programId);
    const email = normalizeEmail(rawEmail);
    const member = await findMemberByEmail(this.deps.db, programId, email);
    if (member?.status === "active") await this.#issueCode(programId, program.name, member.id, email, "sign_in");
    return { email, message: CODE_SENT_MESSAGE };
  }

  /** A new code for the member (replacing any earlier one), mailed after the answer; nothing past the hourly limit. */
  async #issueCode(programId: string, programName: string, memberId: string, email: string, kind: CodeMailKind) {
    const now = this.deps.clock.now();
    if ((await codesSince(this.deps.db, memberId, new Date(now.getTime() - 60 * 60_000))) >= CODES_PER_HOUR) {
      this.deps.log.info({ memberId, programId }, "sign-in code not sent: the member's hourly limit is reached");
      return;
    }
    const id = `mlc_${ulid().toLowerCase()}`;
    const code = newLoginCode();
    await insertLoginCode(this.deps.db, {
      id,
      programId,
      memberId,
      codeHash: hashLoginCode(this.deps.keyedDigest, id, code),
      expiresAt: new Date(now.getTime() + CODE_TTL_MS),
      now,
    });
    this.#deliver(codeMail(email, programName, code, kind), { memberId, programId });
  }

  #deliver(message: MailMessage, context: Record<string, string>) {
    const sending = this.deps.mailer
      .send(message)
      .catch((error: unknown) => this.deps.log.error({ ...context, err: error }, "sign-in email could not be sent"))
      .finally(() => this.#sending.delete(sending));
    this.#sending.add(sending);
  }

  /** Settles once every email handed to the mailer so far has been sent or has failed (for tests and shutdown). */
  async mailSettled(): Promise<void> {
    while (this.#sending.size > 0) await Promise.allSettled([...this.#sending]);
  }

  /**
   * Exchanges an email and its newest code for a session. Every failure answers the same 401:
   * unknown email, wrong, expired, used or replaced code, or a code out of tries.
   */
  async signIn(programId: string, rawEmail: string, code: string) {
    const now = this.deps.clock.now();
    const refused = () =>
      new DomainError(
        "unauthorized",
        "That code is not right, or it has expired. Check the newest email, or ask for a new code.",
      );
    await this.deps.programs.get(programId);
    const member = await findMemberByEmail(this.deps.db, programId, normalizeEmail(rawEmail));
    if (member?.status !== "active") throw refused();
    const attempt = await takeCodeAttempt(this.deps.db, member.id, now);
    if (!attempt || !loginCodeMatches(this.deps.keyedDigest, attempt.id, code, attempt.code_hash)) throw refused();
    if (!(await markCodeUsed(this.deps.db, attempt.id, now))) throw refused();
    const token = newToken();
    const csrfToken = newToken();
    const expiresAt = new Date(now.getTime() + MEMBER_SESSION_MS);
    await insertMemberSession(this.deps.db, {
      tokenHash: hashSecret(token),
      memberId: member.id,
      programId,
      csrfToken,
      now,
      expiresAt,
    });
    return {
      token,
      session: {
        member: ownView(await this.deps.members.get(programId, member.id)),
        programId,
        csrfToken,
        expiresAt: expiresAt.toISOString(),
      },
    };
  }

  /** The live session a cookie token names, or null (unknown, expired, signed out, or the member blocked). */
  /** Ends a member's sessions and unused sign-in codes, in the caller's transaction (the member was blocked or changed email). */
  endSignIns(trx: Transaction<DB>, memberId: string, now: Date): Promise<void> {
    return endMemberSignIns(trx, memberId, now);
  }

  async session(token: string): Promise<MemberSession | null> {
    const row = await findMemberSession(this.deps.db, hashSecret(token), this.deps.clock.now());
    return row
      ? { memberId: row.member_id, programId: row.program_id, csrfToken: row.csrf_token, expiresAt: row.expires_at }
      : null;
  }

  async describe(session: MemberSession) {
    return {
      member: ownView(await this.deps.members.get(session.programId, session.memberId)),
      programId: session.programId,
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt.toISOString(),
    };
  }

  async signOut(token: string): Promise<void> {
    await revokeMemberSession(this.deps.db, hashSecret(token), this.deps.clock.now());
  }
}
