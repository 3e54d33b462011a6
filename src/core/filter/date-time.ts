// Reading a filter's dateTime literal (RFC 7643 §2.3.5: xsd:dateTime, as in RFC 3339).

/**
 * An instant to the millisecond, and whether the literal went past the millisecond with a digit other than
 * 0 (".2231"): every stored instant is whole milliseconds, so such a literal equals none of them and lies
 * strictly between two of them.
 */
export interface FilterInstant {
  readonly ms: number;
  readonly subMillisecond: boolean;
}

// A date, optionally its time after "T" or a space (RFC 3339 §5.6; seconds and fraction optional), optionally an offset. "+0200" (no colon) is
// read as "+02:00"; without an offset the time is taken as UTC, the zone every scimd timestamp is in.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (year: number, month: number): number => (month === 2 && leap(year) ? 29 : DAYS[month - 1]!);

/**
 * The literal as an instant, or undefined when it is not a date that exists ("2026-02-30", "2026-13-01",
 * "25:00", "yesterday"). Date.parse is not used: it rolls "February 30" over to March and reads a missing
 * offset as the server's local time.
 */
export function parseFilterInstant(text: string): FilterInstant | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = m[7] ?? "";
  const millis = Number(fraction.slice(0, 3).padEnd(3, "0"));
  let offsetMinutes = 0;
  if (m[9]) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 14 || om > 59) return undefined;
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return { ms: date.getTime() - offsetMinutes * 60_000, subMillisecond: /[1-9]/.test(fraction.slice(3)) };
}
