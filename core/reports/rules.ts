/**
 * The tallies of a summary sheet (сводная ведомость), in one place, as the deputy director
 * counts them in Russian school practice. Pure functions over final-mark codes; the SQL lives
 * in summary-sheet.ts.
 *
 * A final mark (core/journal/final-marks.ts, migration 0005) is one of:
 *   '5' … '1'      a numeric mark;
 *   'pass'/'fail'  зачёт / незачёт;
 *   'exempt'       освобождён («осв»);
 *   'not_attested' не аттестован («н/а»);
 *   'ungraded'     безотметочное обучение.
 *
 * Per student (over the finals they have in the period):
 * - failing (неуспевающий): any 2 or 1, any незачёт, any н/а;
 * - excellent (отличник): not failing, every numeric final is 5 and there is at least one;
 *   зачёт, освобождён and безотметочное do not spoil it;
 * - good (хорошист): not failing, numeric finals only 4 and 5, at least one 4;
 * - satisfactory (успевающий): not failing otherwise (some 3, or only зачёт/осв/безотметочное);
 * - none («нет отметок»): no final at all yet; counted in the roll, never as успевающий.
 * «С одной „3“» (the reserve of хорошисты): not failing, exactly one 3, every other numeric
 * final 4 or 5; such a student's category is satisfactory.
 *
 * Class percentages are over the students on the roll at the period's end (those who left
 * during the period are listed but not counted; those who arrived are counted):
 * - успеваемость = (excellent + good + satisfactory) / on roll;
 * - качество     = (excellent + good) / on roll.
 * Per subject, over the on-roll students' finals in that subject:
 * - успеваемость = (numeric ≥ 3 + зачёт) / (numeric + н/а + зачёт/незачёт);
 * - качество     = (5 + 4) / (numeric + н/а), none when the subject has no numeric finals;
 * - average      = the mean of the numeric finals, two decimals;
 * - СОУ (степень обученности, В. П. Симонов) = (100·n5 + 64·n4 + 36·n3 + 16·n2 + 7·nн/а) / (n5 + n4 + n3 + n2 + nн/а),
 *   a 1 counted as a 2; the class's СОУ is the same over all its on-roll numeric and н/а finals.
 * Освобождён and безотметочное are outside every denominator. Percentages have one decimal,
 * rounded half up; a share of nothing is null.
 */

export const FINAL_CODES = ['5', '4', '3', '2', '1', 'pass', 'fail', 'exempt', 'not_attested', 'ungraded'] as const
export type FinalCode = (typeof FINAL_CODES)[number]

export const CATEGORIES = ['excellent', 'good', 'satisfactory', 'failing', 'none'] as const
export type Category = (typeof CATEGORIES)[number]

/** The code of a final_marks row: exactly one of value, passed, status is set. */
export function finalCode(row: { value: number | null; passed: boolean | null; status: 'exempt' | 'not_attested' | 'ungraded' | null }): FinalCode {
  if (row.value !== null) return String(row.value) as FinalCode
  if (row.passed !== null) return row.passed ? 'pass' : 'fail'
  return row.status!
}

export const numericValue = (c: FinalCode): number | null => (/^[1-5]$/.test(c) ? Number(c) : null)

/** A 2 or 1, незачёт or н/а. */
export const isFailing = (c: FinalCode): boolean => c === '2' || c === '1' || c === 'fail' || c === 'not_attested'

export interface MarkCounts { five: number; four: number; three: number; two: number }

/** Counts of numeric finals; the «2» column also counts a 1. */
export function markCounts(codes: readonly FinalCode[]): MarkCounts {
  const n = { five: 0, four: 0, three: 0, two: 0 }
  for (const c of codes) {
    if (c === '5') n.five++
    else if (c === '4') n.four++
    else if (c === '3') n.three++
    else if (c === '2' || c === '1') n.two++
  }
  return n
}

export function category(codes: readonly FinalCode[]): Category {
  if (codes.length === 0) return 'none'
  if (codes.some(isFailing)) return 'failing'
  const n = markCounts(codes)
  if (n.five > 0 && n.four === 0 && n.three === 0) return 'excellent'
  if (n.four > 0 && n.three === 0) return 'good'
  return 'satisfactory'
}

/** With exactly one 3 and otherwise only 4 and 5 (and no failing final). */
export function hasOneThree(codes: readonly FinalCode[]): boolean {
  return !codes.some(isFailing) && markCounts(codes).three === 1
}

/** part / whole in percent with one decimal, rounded half up; null for an empty whole. */
export function percent(part: number, whole: number): number | null {
  if (whole === 0) return null
  return Math.round((part * 1000) / whole) / 10
}

/** Rounds to `digits` decimals, half up (for the non-negative values of a report). */
export function round(x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f + 1e-9) / f
}

/** СОУ weights (Симонов): 5 → 100 %, 4 → 64 %, 3 → 36 %, 2 (and 1) → 16 %, н/а → 7 %. */
export const SOU_WEIGHTS = { five: 100, four: 64, three: 36, two: 16, notAttested: 7 } as const

export function sou(n: MarkCounts & { notAttested: number }): number | null {
  const total = n.five + n.four + n.three + n.two + n.notAttested
  if (total === 0) return null
  const w = SOU_WEIGHTS
  return round((w.five * n.five + w.four * n.four + w.three * n.three + w.two * n.two + w.notAttested * n.notAttested) / total, 1)
}

export interface SubjectTally extends MarkCounts {
  notAttested: number
  pass: number
  fail: number
  exempt: number
  ungraded: number
  /** numeric + н/а + зачёт/незачёт: the students assessed in the subject */
  assessed: number
  progressPercent: number | null
  qualityPercent: number | null
  average: number | null
  sou: number | null
}

/** The tally of one subject over the on-roll students' finals in it. */
export function subjectTally(codes: readonly FinalCode[]): SubjectTally {
  const n = markCounts(codes)
  const count = (c: FinalCode) => codes.filter((x) => x === c).length
  const notAttested = count('not_attested'), pass = count('pass'), fail = count('fail')
  const numeric = codes.map(numericValue).filter((v): v is number => v !== null)
  const assessed = numeric.length + notAttested + pass + fail
  const progressing = numeric.filter((v) => v >= 3).length + pass
  return {
    ...n, notAttested, pass, fail, exempt: count('exempt'), ungraded: count('ungraded'), assessed,
    progressPercent: percent(progressing, assessed),
    qualityPercent: numeric.length === 0 ? null : percent(n.five + n.four, numeric.length + notAttested),
    average: numeric.length === 0 ? null : round(numeric.reduce((a, b) => a + b, 0) / numeric.length, 2),
    sou: sou({ ...n, notAttested }),
  }
}
