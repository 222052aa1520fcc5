/** CSV files: the encoding, the delimiter and the records. */
import { FileProblem } from './errors.ts'
import type { TableRow } from './table.ts'

/**
 * Text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"),
 * or Windows-1251 when the bytes are not valid UTF-8 (older Russian Excel saves CSV so).
 */
export function decodeText(data: Uint8Array): string {
  if (data[0] === 0xff && data[1] === 0xfe) return new TextDecoder('utf-16le').decode(data.subarray(2))
  if (data[0] === 0xfe && data[1] === 0xff) return new TextDecoder('utf-16be').decode(data.subarray(2))
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data) // drops a BOM
  } catch {
    return new TextDecoder('windows-1251').decode(data)
  }
}

/** `;`, `,` or a tab: whichever occurs most, outside quotes, on the first line (`;` wins a tie). */
function detectDelimiter(text: string): string {
  const counts: Record<string, number> = { ';': 0, ',': 0, '\t': 0 }
  let quoted = false
  for (const ch of text) {
    if (ch === '"') quoted = !quoted
    else if (!quoted && (ch === '\n' || ch === '\r')) break
    else if (!quoted && ch in counts) counts[ch]!++
  }
  if (counts['\t']! > counts[';']! && counts['\t']! > counts[',']!) return '\t'
  return counts[',']! > counts[';']! ? ',' : ';'
}

/**
 * RFC 4180 with the leniency real exports need: quoted fields with `""` for a quote and line
 * breaks inside, CRLF, LF or CR line ends, a BOM, and `;`/`,`/tab detected from the header.
 * A quote inside an unquoted field is kept as it is. Blank lines are skipped; each record
 * carries the line it starts on.
 */
export function parseCsv(text: string): TableRow[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const delimiter = detectDelimiter(text)
  const rows: TableRow[] = []
  let cells: string[] = []
  let field = ''
  let quoted = false
  let wasQuoted = false
  let line = 1
  let start = 1
  const endField = () => {
    cells.push(field)
    field = ''
    wasQuoted = false
  }
  const endRecord = () => {
    endField()
    if (cells.length > 1 || cells[0] !== '') rows.push({ line: start, cells })
    cells = []
  }
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    const newline = ch === '\n' || ch === '\r'
    if (newline && ch === '\r' && text[i + 1] === '\n') i++
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else if (newline) {
        field += '\n'
        line++
      } else field += ch
    } else if (ch === '"' && !wasQuoted && field.trim() === '') {
      field = ''
      quoted = wasQuoted = true
    } else if (ch === delimiter) endField()
    else if (newline) {
      endRecord()
      start = ++line
    } else field += ch
  }
  if (quoted) throw new FileProblem(start, 'кавычка, открытая в этой строке, не закрыта до конца файла')
  if (field !== '' || cells.length) endRecord()
  return rows
}
