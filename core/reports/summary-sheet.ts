/**
 * The period summary sheet of final marks of a class (сводная ведомость): students × subjects,
 * with the per-student, per-subject and class tallies of rules.ts. The archive freezes it when
 * a period closes (core/archive calls summarySheet and summarySheetDoc), so both stay plain:
 * no policy check here, the caller has made it.
 */
import type { Db } from '../db/connect.ts'
import { printDoc, type PrintDoc } from '../print/index.ts'
import { classHead, classPeriod, classRoster, ru } from './common.ts'
import { printCount, printNumber } from './format.ts'
import {
  category, finalCode, hasOneThree, isFailing, markCounts, numericValue, percent, sou, subjectTally, type FinalCode,
} from './rules.ts'
import type { SummarySheet } from './schema.ts'

export type { SummarySheet } from './schema.ts'

interface FinalRow {
  studentId: string; subjectId: string
  value: number | null; passed: boolean | null; status: 'exempt' | 'not_attested' | 'ungraded' | null
}

export async function summarySheet(db: Db, classId: string, periodId: string): Promise<SummarySheet> {
  const { school, cls } = await classHead(db, classId)
  const period = await classPeriod(db, cls, periodId)
  const roster = await classRoster(db, classId, period.startsOn, period.endsOn)
  const finals = await db<FinalRow[]>`
    select student_id, subject_id, value, passed, status from final_marks
    where class_id = ${classId} and period_id = ${periodId} and removed_at is null`
  // the subjects taught in the class, and any other a final was given in
  const subjects = (await db<{ id: string; name: string }[]>`
    select sj.id, coalesce(sj.short_name, sj.name) as name from subjects sj
    where sj.id in (select subject_id from teaching_assignments where class_id = ${classId})
       or sj.id in (select subject_id from final_marks where class_id = ${classId} and period_id = ${periodId} and removed_at is null)`)
    .sort((a, b) => ru.compare(a.name, b.name))

  const byStudent = new Map<string, Map<string, FinalCode>>()
  for (const f of finals) {
    let m = byStudent.get(f.studentId)
    if (!m) byStudent.set(f.studentId, m = new Map())
    m.set(f.subjectId, finalCode(f))
  }

  const students = roster.map((s, i) => {
    const mine = byStudent.get(s.id) ?? new Map<string, FinalCode>()
    const cells = subjects.map((sj) => mine.get(sj.id) ?? null)
    const codes = cells.filter((c): c is FinalCode => c !== null)
    const oneThree = hasOneThree(codes)
    return {
      number: i + 1, id: s.id, name: s.name, arrivedOn: s.arrivedOn, leftOn: s.leftOn, onRoll: s.onRoll,
      finals: cells, counts: markCounts(codes), category: category(codes),
      oneThreeSubject: oneThree ? subjects[cells.indexOf('3')]!.name : null,
    }
  })

  // the tallies count the students on the roll at the period's end (rules.ts)
  const counted = students.filter((s) => s.onRoll)
  const subjectTotals = subjects.map((sj, k) => ({
    subjectId: sj.id,
    ...subjectTally(counted.map((s) => s.finals[k]).filter((c): c is FinalCode => c !== null && c !== undefined)),
  }))
  const of = (c: SummarySheet['students'][number]['category']) => counted.filter((s) => s.category === c)
  const excellent = of('excellent'), good = of('good'), satisfactory = of('satisfactory'), failing = of('failing'), none = of('none')
  const oneThree = counted.filter((s) => s.oneThreeSubject !== null)
  const notAttested = counted.filter((s) => s.finals.includes('not_attested'))
  const all = counted.flatMap((s) => s.finals.filter((c): c is FinalCode => c !== null))
  const n = markCounts(all)
  return {
    school, class: cls, period, subjects, students, subjectTotals,
    totals: {
      students: counted.length,
      left: students.length - counted.length,
      excellent: excellent.length,
      good: good.length,
      oneThree: oneThree.length,
      satisfactory: satisfactory.length,
      failing: failing.length,
      notAttested: notAttested.length,
      noMarks: none.length,
      progressPercent: percent(excellent.length + good.length + satisfactory.length, counted.length),
      qualityPercent: percent(excellent.length + good.length, counted.length),
      sou: sou({ ...n, notAttested: all.filter((c) => c === 'not_attested').length }),
      lists: {
        excellent: excellent.map((s) => s.name),
        good: good.map((s) => s.name),
        oneThree: oneThree.map((s) => ({ name: s.name, subject: s.oneThreeSubject! })),
        failing: failing.map((s) => ({
          name: s.name,
          subjects: s.finals.flatMap((c, k) => (c !== null && isFailing(c) ? [{ subject: subjects[k]!.name, final: c }] : [])),
        })),
        notAttested: notAttested.map((s) => s.name),
        noMarks: none.map((s) => s.name),
      },
    },
  }
}

/** A final as the sheet prints it; the template words the codes («осв», «н/а», «зач»…). */
const cell = (c: FinalCode | null) => ({ code: c, n: c === null ? null : numericValue(c) })

/** The summary sheet as a printable document (landscape; XLSX: a worksheet per section). */
export function summarySheetDoc(sheet: SummarySheet): PrintDoc {
  const t = sheet.totals
  return printDoc('report-summary-sheet', {
    ...sheet,
    // the students' table: name column, one per subject, the counts and the category
    widths: ['0.7', '5', ...sheet.subjects.map(() => '1.3'), '0.9', '0.9', '0.9', '0.9', '2.6'].join(','),
    rows: sheet.students.map((s) => ({
      ...s, cells: s.finals.map(cell),
      five: printCount(s.counts.five), four: printCount(s.counts.four), three: printCount(s.counts.three), two: printCount(s.counts.two),
    })),
    subjectRows: sheet.subjects.map((sj, k) => {
      const st = sheet.subjectTotals[k]!
      return {
        name: sj.name, five: printCount(st.five), four: printCount(st.four), three: printCount(st.three), two: printCount(st.two),
        notAttested: printCount(st.notAttested), pass: printCount(st.pass), fail: printCount(st.fail),
        progress: printNumber(st.progressPercent, 1), quality: printNumber(st.qualityPercent, 1),
        average: printNumber(st.average, 2), sou: printNumber(st.sou, 1),
      }
    }),
    print: {
      progress: printNumber(t.progressPercent, 1), quality: printNumber(t.qualityPercent, 1), sou: printNumber(t.sou, 1),
    },
  })
}
