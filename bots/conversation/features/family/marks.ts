/**
 * /marks: the chosen child's marks of a period per subject, in order, with the weighted
 * average and the forecast (as the diary computes them) and the final mark once set. Buttons
 * open a subject's details (`marks:s:<period index>:<subjectId>`) and switch the period
 * (`marks:p:<periodId>`); the period index keeps the data under 64 bytes.
 */
import { forecast } from '../../../../core/journal/index.ts'
import { studentMarks, studentPeriods, type StudentMark, type StudentPeriod } from '../../../../core/journal/index.ts'
import { problem } from '../../errors.ts'
import type { Button, Child, Reply, Turn } from '../../types.ts'
import { currentPeriod, decimal, keyboard, markLabel, nameOf, periodName, requireChild, switchRow, todayOf, weightedAverage } from './common.ts'
import { finalLabel } from './finals.ts'

interface SubjectMarks {
  subjectId: string
  subject: string
  marks: StudentMark[]
}

function bySubject(marks: readonly StudentMark[], period: StudentPeriod): SubjectMarks[] {
  const map = new Map<string, SubjectMarks>()
  for (const m of marks) {
    let s = map.get(m.subjectId)
    if (!s) map.set(m.subjectId, (s = { subjectId: m.subjectId, subject: m.subject, marks: [] }))
    s.marks.push(m)
  }
  for (const f of period.finals) if (!map.has(f.subjectId)) map.set(f.subjectId, { subjectId: f.subjectId, subject: f.subject, marks: [] })
  return [...map.values()].sort((a, b) => a.subject.localeCompare(b.subject, 'ru'))
}

function summary(s: SubjectMarks, period: StudentPeriod) {
  const average = weightedAverage(s.marks)
  const graded = s.marks.filter((m) => m.value !== null).length
  const next = forecast(average, graded)
  const final = period.finals.find((f) => f.subjectId === s.subjectId)
  return {
    subject: s.subject,
    marks: s.marks.map(markLabel).join(' '),
    count: s.marks.length,
    average: average === null ? '' : decimal(average),
    forecast: next === null ? '' : String(next),
    final: final ? finalLabel(final) : '',
  }
}

async function load(turn: Turn, child: Child, periodId?: string) {
  const periods = await studentPeriods(turn.sql, child.id)
  const period = periodId ? periods.find((p) => p.id === periodId) : currentPeriod(periods, todayOf(turn, child))
  if (periodId && !period) throw problem('expired')
  const marks = period ? await studentMarks(turn.sql, child.id, period.startsOn, period.endsOn) : []
  return { periods, period, subjects: period ? bySubject(marks, period) : [] }
}

export async function marksReply(turn: Turn, child: Child, periodId?: string, edit = false): Promise<Reply> {
  const { periods, period, subjects } = await load(turn, child, periodId)
  if (!period) return { template: 'marks', view: { name: nameOf(turn, child) ?? '', noPeriod: true }, buttons: keyboard(...switchRow(turn, child, 'marks')), edit }
  const index = periods.indexOf(period)
  const buttons: Button[][] = []
  for (let i = 0; i < subjects.length; i += 2)
    buttons.push(subjects.slice(i, i + 2).map((s) => ({ label: s.subject, data: `marks:s:${index}:${s.subjectId}` })))
  const others = periods.filter((p) => p.academicYearId === period.academicYearId && p.id !== period.id)
  if (others.length) buttons.push(others.map((p) => ({ label: periodName(p), data: `marks:p:${p.id}` })))
  buttons.push(...switchRow(turn, child, 'marks'))
  return {
    template: 'marks',
    view: {
      name: nameOf(turn, child) ?? '', period: periodName(period), from: period.startsOn, to: period.endsOn,
      subjects: subjects.map((s) => summary(s, period)),
    },
    buttons: keyboard(...buttons),
    edit,
  }
}

async function subjectReply(turn: Turn, child: Child, periodIndex: number, subjectId: string): Promise<Reply> {
  const periods = await studentPeriods(turn.sql, child.id)
  const period = periods[periodIndex]
  if (!period) throw problem('expired')
  const marks = await studentMarks(turn.sql, child.id, period.startsOn, period.endsOn)
  const s = bySubject(marks, period).find((x) => x.subjectId === subjectId)
  if (!s) throw problem('expired')
  return {
    template: 'marks-subject',
    view: {
      name: nameOf(turn, child) ?? '', period: periodName(period), ...summary(s, period),
      entries: s.marks.map((m) => ({ date: m.date, mark: markLabel(m), workType: m.workType, weight: String(m.weight).replace('.', ','), comment: m.comment ?? '' })),
    },
    buttons: [[{ label: '« Все предметы', data: `marks:p:${period.id}` }]],
    edit: true,
  }
}

export const marks = async (turn: Turn): Promise<Reply[]> => [await marksReply(turn, requireChild(turn))]

/** `marks` (current period), `marks:p:<periodId>`, `marks:s:<period index>:<subjectId>`. */
export async function marksButton(turn: Turn): Promise<Reply[]> {
  const child = requireChild(turn)
  const [, kind, a, b] = turn.input.button!.split(':')
  if (kind === 'p' && a) return [await marksReply(turn, child, a, true)]
  if (kind === 's' && a && b && /^\d+$/.test(a)) return [await subjectReply(turn, child, Number(a), b)]
  return [await marksReply(turn, child, undefined, true)]
}
