/** A file of either kind to its records, and the header found among them. */
import { decodeText, parseCsv } from './csv.ts'
import { FileProblem } from './errors.ts'
import { findHeader, type ColumnSpec, type Header, type TableRow } from './table.ts'
import type { ImportIssue } from './types.ts'
import { readXlsx } from './xlsx.ts'

/** The records of a CSV or XLSX file (told apart by their first bytes, not the file name). */
export async function readTable(data: Uint8Array): Promise<TableRow[]> {
  if (data[0] === 0x50 && data[1] === 0x4b && data[2] === 0x03 && data[3] === 0x04) return readXlsx(data)
  if (data[0] === 0xd0 && data[1] === 0xcf && data[2] === 0x11 && data[3] === 0xe0)
    throw new FileProblem(1, 'файл в старом формате Excel (.xls): сохраните его как .xlsx или CSV')
  return parseCsv(decodeText(data))
}

interface Parsed<F extends string> {
  readonly rows: TableRow[]
  readonly header: Header<F>
}

/** Reads the file and its header; a problem with either ends the import with that one issue. */
export async function readWithHeader<F extends string>(data: Uint8Array, spec: Record<F, ColumnSpec>): Promise<Parsed<F> | { issues: ImportIssue[] }> {
  let rows: TableRow[]
  try {
    rows = await readTable(data)
  } catch (err) {
    if (err instanceof FileProblem) return { issues: [{ line: err.line, message: err.message }] }
    throw err
  }
  const { header, problems } = findHeader(rows, spec)
  if (problems.length) return { issues: [{ line: header.line, message: problems.join('; ') }] }
  const body = rows.filter((r) => r.line > header.line)
  if (!body.length) return { issues: [{ line: header.line, message: 'после строки заголовков нет ни одной строки с данными' }] }
  return { rows: body, header }
}
