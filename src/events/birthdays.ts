import type { Kysely } from "kysely";
import { DateTime } from "luxon";
import type { DB } from "../db/schema.ts";
import type { EventAnswer } from "./answers.ts";
import { addJobMarker, hasJobMarker, membersBornOn, programsWithBirthdayRules } from "./birthdays.sql.ts";
import { programForEvents } from "./events.sql.ts";
import type { IngestOptions } from "./ingest-events.ts";

/** Events are sent in chunks of this many. */
const CHUNK = 1000;

/** The day's birthday: 29 February counts on the 28th in other years. */
export function birthdayDays(today: DateTime): { month: number; day: number; alsoDay: number | null } {
  const leapDay = today.month === 2 && today.day === 28 && !today.isInLeapYear;
  return { month: today.month, day: leapDay ? 28 : today.day, alsoDay: leapDay ? 29 : null };
}

/**
 * Sends a `birthday` event for every member whose birthday it is today in their programme's
 * time zone, in programmes with a live birthday rule. Event ids name the member and year, so
 * reruns and parallel runners post once; a marker row skips the scan once a programme's day is done.
 */
export async function emitBirthdays(
  db: Kysely<DB>,
  ingest: (programId: string, raw: unknown[], options: IngestOptions) => Promise<EventAnswer[]>,
  asOf: Date,
  programId?: string,
): Promise<number> {
  let sent = 0;
  for (const id of await programsWithBirthdayRules(db, programId)) {
    const program = await programForEvents(db, id);
    if (!program) continue;
    const today = DateTime.fromJSDate(asOf, { zone: program.timezone });
    const marker = `birthdays:${id}:${today.toISODate()}`;
    if (await hasJobMarker(db, marker)) continue;
    const { month, day, alsoDay } = birthdayDays(today);
    const members = await membersBornOn(db, id, month, day, alsoDay);
    for (let i = 0; i < members.length; i += CHUNK) {
      const events = members.slice(i, i + CHUNK).map((m) => ({
        id: `birthday:${m.id}:${today.year}`,
        type: "birthday",
        memberId: m.id,
        occurredAt: asOf.toISOString(),
      }));
      const answers = await ingest(id, events, { actor: "system:jobs", requestId: "-", dryRun: false, asOf: null, system: true });
      sent += answers.filter((a) => a.status === 201 && !a.replayed).length;
    }
    await addJobMarker(db, marker, today.plus({ days: 2 }).toJSDate());
  }
  return sent;
}
