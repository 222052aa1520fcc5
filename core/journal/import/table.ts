/** Records of a file, its header found by the columns' aliases, and the cells of a row. */
/** One record of the file: its cells and the line it starts on (the header is line 1). */
export interface TableRow {
  readonly line: number
  readonly cells: readonly string[]
}

export interface ColumnSpec {
  readonly label: string
  readonly required?: boolean
  readonly aliases: readonly string[]
}

/** A header as compared: lower case, ё as е, no notes in brackets, punctuation as spaces. */
const normHeader = (s: string) =>
  s.toLowerCase().replace(/ё/g, 'е').replace(/\(.*?\)/g, ' ').replace(/[*:.\-–—_/\\…,]+/g, ' ').replace(/\s+/g, ' ').trim()

/** Columns a register usually carries that the import has no use for: skipped without a word. */
const IGNORED = new Set(['№', 'n', 'no', 'nn', '№ п п', 'п п', 'номер', 'примечание', 'примечания', 'комментарий', 'note', 'notes', 'comment'].map(normHeader))

export interface Header<F extends string> {
  readonly line: number
  readonly index: Partial<Record<F, number>>
  readonly unknown: string[]
}

/**
 * Finds the header among the first ten records (an export may start with a title line):
 * the first record that names every required column. Problems are reported at its line.
 */
export function findHeader<F extends string>(rows: readonly TableRow[], spec: Record<F, ColumnSpec>): { header: Header<F>; problems: string[] } {
  const byAlias = new Map<string, F>()
  for (const [field, c] of Object.entries(spec) as [F, ColumnSpec][]) for (const a of c.aliases) byAlias.set(normHeader(a), field)
  const required = (Object.keys(spec) as F[]).filter((f) => spec[f].required)
  let best: { header: Header<F>; problems: string[]; found: number } | null = null
  for (const row of rows.slice(0, 10)) {
    const index: Partial<Record<F, number>> = {}
    const unknown: string[] = []
    const problems: string[] = []
    row.cells.forEach((raw, i) => {
      const name = normHeader(raw)
      if (!name || IGNORED.has(name)) return
      const field = byAlias.get(name)
      if (!field) unknown.push(raw.trim())
      else if (index[field] !== undefined) problems.push(`столбец «${raw.trim()}» повторяет столбец «${row.cells[index[field]!]!.trim()}»`)
      else index[field] = i
    })
    const missing = required.filter((f) => index[f] === undefined)
    for (const f of missing) problems.push(`нет обязательного столбца «${spec[f].label}»`)
    const found = Object.keys(index).length
    if (!missing.length) return { header: { line: row.line, index, unknown }, problems }
    if (!best || found > best.found) best = { header: { line: row.line, index, unknown }, problems, found }
  }
  if (!best) return { header: { line: 1, index: {}, unknown: [] }, problems: ['файл пуст: нет строки заголовков'] }
  return best
}

const clean = (s: string | undefined) => (s ?? '').replace(/[\u00a0\u2007\u202f]/g, ' ').replace(/\s+/g, ' ').trim()
export const cellOf = <F extends string>(h: Header<F>, row: TableRow, field: F): string =>
  h.index[field] === undefined ? '' : clean(row.cells[h.index[field]!])

/** Reading one row's cells: `get` a cell, or `required` one, noting «не заполнен столбец …» in problems. */
export function rowReader<F extends string>(h: Header<F>, row: TableRow, spec: Record<F, ColumnSpec>, problems: string[]) {
  const get = (f: F) => cellOf(h, row, f)
  const required = (f: F) => {
    const v = get(f)
    if (!v) problems.push(`не заполнен столбец «${spec[f].label}»`)
    return v
  }
  return { get, required }
}
