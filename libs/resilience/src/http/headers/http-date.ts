/**
 * Strict HTTP-date parsing (RFC 9110 §5.6.7): IMF-fixdate and the two obsolete forms a
 * recipient must accept. Anything else — `Date.parse`'s lenient guesses included — is not a
 * date.
 */

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
const DAY = '(Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const DAY_LONG = '(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
/** `Sun, 06 Nov 1994 08:49:37 GMT` */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
/** `Sunday, 06-Nov-94 08:49:37 GMT` */
const RFC850 = new RegExp(`^${DAY_LONG}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
/** `Sun Nov  6 08:49:37 1994` */
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

function build(year: number, month: string, day: string, hh: string, mm: string, ss: string): number | undefined {
  const m = MONTHS[month]!;
  const d = Number(day);
  const h = Number(hh);
  const min = Number(mm);
  const s = Number(ss);
  if (d < 1 || h > 23 || min > 59 || s > 60) return undefined; // 60: a leap second
  const at = Date.UTC(year, m, d, h, min, Math.min(s, 59));
  // Date.UTC rolls 31 Feb over into March: such a date does not exist.
  if (new Date(at).getUTCDate() !== d) return undefined;
  return s === 60 ? at + 1000 : at;
}

/**
 * Parses an HTTP-date in one of the three forms RFC 9110 allows, as epoch ms, or `undefined`
 * for anything else (an unknown day or month name, a 5-digit year, a missing `GMT`, ISO 8601,
 * impossible calendar dates). A two-digit RFC 850 year more than 50 years after `now` is read
 * as the previous century, as RFC 9110 requires.
 * @param now epoch ms, for the RFC 850 century only.
 * @publicApi
 */
export function parseHttpDate(value: string, now: number = Date.now()): number | undefined {
  const v = value.trim();
  let m = IMF_FIXDATE.exec(v);
  if (m !== null) return build(Number(m[4]), m[3]!, m[2]!, m[5]!, m[6]!, m[7]!);
  m = RFC850.exec(v);
  if (m !== null) {
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(m[4]);
    if (year > thisYear + 50) year -= 100;
    return build(year, m[3]!, m[2]!, m[5]!, m[6]!, m[7]!);
  }
  m = ASCTIME.exec(v);
  if (m !== null) return build(Number(m[7]), m[2]!, m[3]!.trim(), m[4]!, m[5]!, m[6]!);
  return undefined;
}
