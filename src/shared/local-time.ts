import { DateTime } from "luxon";

/** An instant as wall-clock time in a programme's time zone: calendar periods, days and hours are counted there. */
export const localTime = (at: Date, timezone: string): DateTime => DateTime.fromJSDate(at, { zone: timezone });
