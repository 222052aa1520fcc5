/** XLSX files, read with exceljs: the first sheet that has rows. */
import { FileProblem } from './errors.ts'
import type { TableRow } from './table.ts'

/** A cell of an XLSX sheet as text: dates as YYYY-MM-DD, formulas by their result, links by their text. */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number') return String(v)
  if (typeof v === 'boolean') return v ? 'да' : 'нет'
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, 10)
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>
    if (Array.isArray(o.richText)) return (o.richText as { text?: string }[]).map((r) => r.text ?? '').join('')
    if ('formula' in o || 'sharedFormula' in o) return cellText(o.result)
    if ('text' in o) return cellText(o.text)
    if ('error' in o) return String(o.error)
  }
  return String(v)
}

export async function readXlsx(data: Uint8Array): Promise<TableRow[]> {
  // loaded on demand: most imports are CSV, and the CLI starts faster without it
  const { default: ExcelJS } = await import('exceljs')
  const wb = new ExcelJS.Workbook()
  try {
    await wb.xlsx.load(Buffer.from(data) as never)
  } catch (err) {
    throw new FileProblem(1, `файл XLSX не читается: ${(err as Error).message}`)
  }
  const sheet = wb.worksheets.find((w) => w.actualRowCount > 0)
  if (!sheet) return []
  const rows: TableRow[] = []
  sheet.eachRow({ includeEmpty: false }, (row, line) => {
    const values = row.values as unknown[] // 1-based
    const cells: string[] = []
    for (let c = 1; c < values.length; c++) cells.push(cellText(values[c]))
    if (cells.some((c) => c.trim() !== '')) rows.push({ line, cells })
  })
  return rows
}
