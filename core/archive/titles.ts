import { render } from '../render/render.ts'

type PeriodKind = 'quarter' | 'trimester' | 'half' | 'year'

const title = (view: object) => render('archive/entry-title.text', view).replace(/\s+/g, ' ').trim()

/** «Сводная ведомость итоговых отметок за 1 четверть 7А класса, 2025/2026 учебный год» */
export const summarySheetTitle = (c: { grade: number; letter: string }, p: { kind: PeriodKind; number: number }, yearName: string) =>
  title({ journal: false, kind: p.kind, number: p.number, className: `${c.grade}${c.letter}`, yearName })

/** «Классный журнал 7А класса, 2025/2026 учебный год» */
export const classJournalTitle = (c: { grade: number; letter: string }, yearName: string) =>
  title({ journal: true, kind: null, number: null, className: `${c.grade}${c.letter}`, yearName })
