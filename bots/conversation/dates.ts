/**
 * The date phrases families type: «на завтра», «в пятницу», «к среде», «12.03», «12 марта»,
 * «на следующей неделе». `parseDatePhrase(text, today)` finds the date in a phrase:
 * `{ date }`, `{ error: 'unreadable' }` when something date-like cannot be a date («31.02»,
 * «45 марта»), or null when the text names no date at all.
 *
 * Choices, made for what a parent asking about homework means:
 * - a weekday names the nearest such day AFTER today: «на пятницу» asked on a Friday is next
 *   Friday (today would be «сегодня»; homework for today is rarely asked by its weekday);
 *   «в прошлую пятницу» / «прошлый вторник» counts back instead, never today;
 * - a day and month without a year take the year that puts the date nearest to today
 *   («12.03» in November is next March; «20.11» in December is last month);
 * - «на следующей неделе» is next week's Monday, «на прошлой неделе» last week's Monday,
 *   «на этой неделе» this week's Monday.
 */
import { addDays, weekday } from '../../core/journal/time.ts'

export type DatePhrase = { date: string } | { error: 'unreadable' }

const WEEKDAYS: readonly [RegExp, number][] = [
  [/^(понедельник(а|у|ом|е)?|пн|пнд)$/, 1],
  [/^(вторник(а|у|ом|е)?|вт)$/, 2],
  [/^(сред(а|у|ы|е|ой)|ср)$/, 3],
  [/^(четверг(а|у|ом|е)?|чт)$/, 4],
  [/^(пятниц(а|у|ы|е|ей)|пт)$/, 5],
  [/^(суббот(а|у|ы|е|ой)|сб)$/, 6],
  [/^(воскресень(е|я|ю|ем)|вс|вскр)$/, 7],
]

const MONTHS: readonly [RegExp, number][] = [
  [/^янв(ар[ья]|\.)?$/, 1], [/^фев(рал[ья]|\.)?$/, 2], [/^мар(та?|\.)?$/, 3], [/^апр(ел[ья]|\.)?$/, 4],
  [/^ма[йя]$/, 5], [/^июн[ья]?$/, 6], [/^июл[ья]?$/, 7], [/^авг(уста?|\.)?$/, 8],
  [/^сен(т(ябр[ья])?)?\.?$/, 9], [/^окт(ябр[ья]|\.)?$/, 10], [/^ноя(бр[ья]|\.)?$/, 11], [/^дек(абр[ья]|\.)?$/, 12],
]

const RELATIVE: Record<string, number> = { позавчера: -2, вчера: -1, сегодня: 0, завтра: 1, послезавтра: 2 }
const BACK = /^(прошл|предыдущ)/

function valid(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null
  const date = new Date(Date.UTC(y, m - 1, d))
  if (date.getUTCMonth() !== m - 1) return null
  return date.toISOString().slice(0, 10)
}

/** Day and month with an optional year; without one, the year putting the date nearest to today. */
function dayMonth(d: number, m: number, yearText: string | undefined, today: string): DatePhrase {
  if (yearText !== undefined) {
    const y = yearText.length === 2 ? 2000 + Number(yearText) : Number(yearText)
    const date = yearText.length === 2 || yearText.length === 4 ? valid(y, m, d) : null
    return date ? { date } : { error: 'unreadable' }
  }
  const y0 = Number(today.slice(0, 4))
  const distance = (x: string) => Math.abs(Date.parse(x) - Date.parse(today))
  const candidates = [y0 - 1, y0, y0 + 1].map((y) => valid(y, m, d)).filter((x): x is string => x !== null)
  if (!candidates.length) return { error: 'unreadable' }
  return { date: candidates.reduce((a, b) => (distance(b) < distance(a) ? b : a)) }
}

const monday = (date: string) => addDays(date, 1 - weekday(date))

export function parseDatePhrase(text: string, today: string): DatePhrase | null {
  const s = text.toLowerCase().replace(/ё/g, 'е').trim()
  if (!s) return null

  // numeric: 12.03, 12.03.2027, 12/03, 12-03-27
  const numeric = /(?<![\d.])(\d{1,2})[./-](\d{1,2})(?:[./-](\d+))?(?![\d])/.exec(s)
  if (numeric) return dayMonth(Number(numeric[1]), Number(numeric[2]), numeric[3], today)
  // digits joined by a dot or slash that are no day.month («123.45», «1/123») are a failed attempt
  if (/\d[./-]\d/.test(s)) return { error: 'unreadable' }

  const words = s.split(/[^a-zа-я0-9]+/).filter(Boolean)
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!
    if (w in RELATIVE) return { date: addDays(today, RELATIVE[w]!) }
    // «12 марта», «1 сентября 2027»
    if (/^\d{1,2}$/.test(w) && words[i + 1]) {
      const month = MONTHS.find(([re]) => re.test(words[i + 1]!))?.[1]
      if (month) {
        const year = words[i + 2] && /^\d{4}$/.test(words[i + 2]!) ? words[i + 2] : undefined
        return dayMonth(Number(w), month, year, today)
      }
    }
    if (/^\d{3,}$/.test(w) && words[i + 1] && MONTHS.some(([re]) => re.test(words[i + 1]!))) return { error: 'unreadable' }
    if (/^недел[юеия]$/.test(w) && i > 0) {
      const before = words[i - 1]!
      if (/^следующ/.test(before)) return { date: addDays(monday(today), 7) }
      if (BACK.test(before)) return { date: addDays(monday(today), -7) }
      if (/^(эт|текущ)/.test(before)) return { date: monday(today) }
    }
    const day = WEEKDAYS.find(([re]) => re.test(w))?.[1]
    if (day) {
      const back = i > 0 && BACK.test(words[i - 1]!)
      const diff = day - weekday(today)
      if (back) return { date: addDays(today, diff < 0 ? diff : diff - 7) }
      return { date: addDays(today, diff > 0 ? diff : diff + 7) }
    }
  }
  return null
}

/** The Monday of the ISO week (Monday–Sunday) containing a date. */
export function mondayOf(date: string): string {
  return monday(date)
}
