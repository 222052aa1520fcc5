/**
 * `zvonok import`: a class roster (students, their guardians, contacts, relation) or a weekly
 * timetable, from CSV or XLSX. The whole file is checked first — against itself and against
 * the school's data — and every bad row is reported with its line in the file. While any row
 * is bad nothing is written, unless `partial` is asked for: then the good rows go in and the
 * bad ones are reported. Writes take the services' audit and outbox path (writeAudit for
 * persons, recordChanges for journal entities), in one transaction, or one per chunk of rows
 * with `partial` so that a long import does not hold the school's audit chain for its whole run.
 */
import { randomUUID } from 'node:crypto'
import { writeAudit, type AuditEntry } from '../audit/audit.ts'
import type { Db, Sql, Tx } from '../db/connect.ts'
import type { RequestContext } from '../people/service.ts'
import { recordChanges, type Change } from './changes.ts'
import { localDate, zonedInstant } from './time.ts'

// ================================================================ reading files

/** One record of the file: its cells and the line it starts on (the header is line 1). */
export interface TableRow {
  readonly line: number
  readonly cells: readonly string[]
}

/** A problem with the file as a whole (not readable, no header …), reported at a line. */
class FileProblem extends Error {
  constructor(readonly line: number, message: string) {
    super(message)
  }
}

/** A problem that stops the import before the file is looked at: unknown school, no open year. */
export class ImportSetupError extends Error {}

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

async function readXlsx(data: Uint8Array): Promise<TableRow[]> {
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

/** The records of a CSV or XLSX file (told apart by their first bytes, not the file name). */
export async function readTable(data: Uint8Array): Promise<TableRow[]> {
  if (data[0] === 0x50 && data[1] === 0x4b && data[2] === 0x03 && data[3] === 0x04) return readXlsx(data)
  if (data[0] === 0xd0 && data[1] === 0xcf && data[2] === 0x11 && data[3] === 0xe0)
    throw new FileProblem(1, 'файл в старом формате Excel (.xls): сохраните его как .xlsx или CSV')
  return parseCsv(decodeText(data))
}

// ================================================================ headers

interface ColumnSpec {
  readonly label: string
  readonly required?: boolean
  readonly aliases: readonly string[]
}

/** A header as compared: lower case, ё as е, no notes in brackets, punctuation as spaces. */
const normHeader = (s: string) =>
  s.toLowerCase().replace(/ё/g, 'е').replace(/\(.*?\)/g, ' ').replace(/[*:.\-–—_/\\…,]+/g, ' ').replace(/\s+/g, ' ').trim()

/** Columns a register usually carries that the import has no use for: skipped without a word. */
const IGNORED = new Set(['№', 'n', 'no', 'nn', '№ п п', 'п п', 'номер', 'примечание', 'примечания', 'комментарий', 'note', 'notes', 'comment'].map(normHeader))

interface Header<F extends string> {
  readonly line: number
  readonly index: Partial<Record<F, number>>
  readonly unknown: string[]
}

/**
 * Finds the header among the first ten records (an export may start with a title line):
 * the first record that names every required column. Problems are reported at its line.
 */
function findHeader<F extends string>(rows: readonly TableRow[], spec: Record<F, ColumnSpec>): { header: Header<F>; problems: string[] } {
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
const cellOf = <F extends string>(h: Header<F>, row: TableRow, field: F): string =>
  h.index[field] === undefined ? '' : clean(row.cells[h.index[field]!])

// ================================================================ values

/** +7XXXXXXXXXX from 8XXXXXXXXXX, 7XXXXXXXXXX, XXXXXXXXXX, +7 (XXX) XXX-XX-XX …; other countries' E.164 kept. */
export function normalizePhone(raw: string): string | null {
  const s = raw.trim()
  if (!s || /[^\d\s()+\-.]/.test(s) || s.lastIndexOf('+') > 0) return null
  const d = s.replace(/\D/g, '')
  if (s.startsWith('+')) {
    if (d.startsWith('7')) return d.length === 11 ? `+${d}` : null
    return d.length >= 10 && d.length <= 15 ? `+${d}` : null
  }
  if (d.length === 11 && (d[0] === '8' || d[0] === '7')) return `+7${d.slice(1)}`
  if (d.length === 10) return `+7${d}`
  return null
}

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:".]{2,}$/
export function normalizeEmail(raw: string): string | null {
  const s = raw.trim().replace(/^mailto:/i, '')
  return s.length <= 254 && EMAIL.test(s) ? s : null
}

/** Latin letters that look like Cyrillic ones, as a class letter is typed on the wrong layout. */
const LOOKALIKE: Readonly<Record<string, string>> = {
  A: 'А', B: 'В', C: 'С', E: 'Е', H: 'Н', K: 'К', M: 'М', O: 'О', P: 'Р', T: 'Т', X: 'Х', Y: 'У',
}

/** «5А», «5 А», «5-а», «5 "А"», «5a» (a Latin look-alike) → {grade 5, letter 'А'}; otherwise the reason. */
export function parseClassLabel(raw: string): { grade: number; letter: string } | { problem: string } {
  const m = /^(\d{1,2})\s*[-–]?\s*["«'“]?([A-Za-zА-Яа-яЁё]{1,3})["»'”]?$/.exec(raw.trim())
  if (!m) return { problem: `класс «${raw}»: ожидается параллель и буква, например «5А»` }
  const grade = Number(m[1])
  if (grade < 1 || grade > 11) return { problem: `класс «${raw}»: параллель должна быть от 1 до 11` }
  let letter = ''
  for (const ch of m[2]!.toUpperCase()) {
    if (/[A-Z]/.test(ch)) {
      const cyr = Object.hasOwn(LOOKALIKE, ch) ? LOOKALIKE[ch] : undefined
      if (!cyr) return { problem: `класс «${raw}»: буква «${ch}» латинская, укажите русскую` }
      letter += cyr
    } else letter += ch
  }
  return { grade, letter }
}

/** YYYY-MM-DD or DD.MM.YYYY (DD/MM/YYYY) of a real calendar date. */
export function parseDate(raw: string): string | null {
  const s = raw.trim()
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s)
  const ru = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/.exec(s)
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : ru ? [ru[3], ru[2], ru[1]] : []
  if (!y || !m || !d) return null
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)))
  if (date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(m) - 1 || date.getUTCDate() !== Number(d)) return null
  return date.toISOString().slice(0, 10)
}

const NAME = /^\p{L}[\p{L}\p{M}'’ -]*$/u
function checkName(value: string, what: string, problems: string[]): string {
  if (value.length > 100) problems.push(`${what} длиннее 100 символов`)
  else if (!NAME.test(value)) problems.push(`${what} «${value}» содержит недопустимые символы`)
  return value
}

type Gender = 'male' | 'female'
// Maps, not objects: a cell saying "constructor" must not find Object.prototype's
const GENDERS: ReadonlyMap<string, Gender> = new Map(Object.entries({
  м: 'male', 'м.': 'male', муж: 'male', 'муж.': 'male', мужской: 'male', m: 'male', male: 'male',
  ж: 'female', 'ж.': 'female', жен: 'female', 'жен.': 'female', женский: 'female', f: 'female', female: 'female',
} as Record<string, Gender>))
/** A Russian patronymic tells the gender: -вич/-ич/оглы male, -вна/-чна/кызы female. */
function genderFromPatronymic(middle: string | null): Gender | null {
  if (!middle) return null
  const m = middle.toLowerCase()
  if (/(ич|оглы|улы)$/.test(m)) return 'male'
  if (/(вна|чна|шна|кызы|гызы)$/.test(m)) return 'female'
  return null
}

export const RELATIONS = [
  'mother', 'father', 'grandmother', 'grandfather', 'stepmother', 'stepfather',
  'sister', 'brother', 'aunt', 'uncle', 'guardian', 'trustee', 'other',
] as const
export type Relation = (typeof RELATIONS)[number]
/** Степень родства → the guardian_relation enum (migrations/0001). */
const RELATION_WORDS: ReadonlyMap<string, Relation> = new Map(Object.entries({
  мать: 'mother', мама: 'mother', отец: 'father', папа: 'father', бабушка: 'grandmother', дедушка: 'grandfather',
  мачеха: 'stepmother', отчим: 'stepfather', сестра: 'sister', брат: 'brother', тетя: 'aunt', дядя: 'uncle',
  опекун: 'guardian', опекунша: 'guardian', попечитель: 'trustee', 'законный представитель': 'other',
  'приемная мать': 'other', 'приемный отец': 'other', другое: 'other', иное: 'other', 'другой родственник': 'other',
  ...Object.fromEntries(RELATIONS.map((r) => [r, r])),
} as Record<string, Relation>))
const FEMALE_RELATIONS = new Set<Relation>(['mother', 'grandmother', 'stepmother', 'sister', 'aunt'])
const MALE_RELATIONS = new Set<Relation>(['father', 'grandfather', 'stepfather', 'brother', 'uncle'])

const WEEKDAYS: ReadonlyMap<string, number> = new Map(Object.entries({
  пн: 1, пнд: 1, понедельник: 1, вт: 2, втр: 2, вторник: 2, ср: 3, срд: 3, среда: 3, чт: 4, чтв: 4, четверг: 4,
  пт: 5, птн: 5, пятница: 5, сб: 6, сбт: 6, суббота: 6, вс: 7, вск: 7, воскресенье: 7,
  mon: 1, monday: 1, tue: 2, tuesday: 2, wed: 3, wednesday: 3, thu: 4, thursday: 4, fri: 5, friday: 5,
  sat: 6, saturday: 6, sun: 7, sunday: 7, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7,
} as Record<string, number>))
const WEEKDAY_SHORT = ['', 'пн', 'вт', 'ср', 'чт', 'пт', 'сб', 'вс']

const normName = (s: string) => s.toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ').trim()
const fullKey = (p: { lastName: string; firstName: string; middleName: string | null }) =>
  `${normName(p.lastName)}|${normName(p.firstName)}|${normName(p.middleName ?? '')}`
const fullName = (p: { lastName: string; firstName: string; middleName: string | null }) =>
  [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ')

// ================================================================ shared machinery

export interface ImportOptions {
  readonly schoolId: string
  /** admission date (roster) or first day of the timetable; default: today in the school's time zone */
  readonly date?: string | undefined
  /** the admission order (приказ о зачислении), recorded in the movement book */
  readonly orderNumber?: string | undefined
  /** write the good rows even when some rows are bad */
  readonly partial?: boolean | undefined
  /** check and count everything, write nothing */
  readonly dryRun?: boolean | undefined
  /** called after each chunk of rows is written (awaited, so a caller may pace or observe the import) */
  readonly onProgress?: ((done: number, total: number) => void | Promise<void>) | undefined
}

export interface ImportIssue {
  readonly line: number
  readonly message: string
}

export interface RosterCounts {
  studentsCreated: number
  /** already enrolled in the class under the same full name: left as they are */
  studentsExisting: number
  guardiansCreated: number
  /** found in the school by phone, by full name and email, or among the student's guardians */
  guardiansExisting: number
  links: number
  admissions: number
  consents: number
  birthDates: number
  classesCreated: string[]
}

export interface TimetableCounts {
  slotsCreated: number
  /** the same lesson already in the timetable from that date: left as it is */
  slotsExisting: number
  subjectsCreated: string[]
  subgroupsCreated: number
  assignmentsCreated: number
}

export interface ImportResult<C> {
  readonly kind: 'roster' | 'timetable'
  readonly school: { id: string; name: string }
  readonly year: { id: string; name: string }
  readonly date: string
  readonly orderNumber: string | null
  /** data rows in the file (the header not counted) */
  readonly rows: number
  /** rows written (or, in a dry run, that would be) */
  readonly imported: number
  /** every bad row, in file order */
  readonly errors: ImportIssue[]
  readonly warnings: string[]
  readonly counts: C
  /** false when errors stopped the import, and in a dry run */
  readonly written: boolean
  readonly dryRun: boolean
  /** whom the audit rows name: the school's first admin account, or null (the system) */
  readonly actorAccountId: string | null
}

interface Setup {
  readonly school: { id: string; name: string; timezone: string }
  readonly year: { id: string; name: string }
  readonly date: string
  readonly today: string
  readonly ctx: RequestContext
  readonly actorAccountId: string | null
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The import acts as the system on behalf of the school: the audit rows and outbox events
 * name the school's first admin account that is not locked (the one who set the school up,
 * usually) so that a reader of the log knows whom to ask; with no admin account they name
 * no one (null). A locked account is skipped: its later operations are voided on a
 * compromise report, and an import must not be swept away with them.
 */
async function loadSetup(sql: Sql, opts: ImportOptions): Promise<Setup> {
  if (!UUID.test(opts.schoolId)) throw new ImportSetupError(`школа «${opts.schoolId}»: ожидается идентификатор (UUID)`)
  const [school] = await sql<{ id: string; name: string; timezone: string }[]>`
    select id, name, timezone from schools where id = ${opts.schoolId}`
  if (!school) throw new ImportSetupError(`школа ${opts.schoolId} не найдена`)
  const today = localDate(new Date(), school.timezone)
  const date = opts.date ?? today
  if (parseDate(date) !== date) throw new ImportSetupError(`дата «${date}»: ожидается ГГГГ-ММ-ДД`)
  if (opts.orderNumber !== undefined && (opts.orderNumber.trim().length < 1 || opts.orderNumber.length > 50))
    throw new ImportSetupError('номер приказа: от 1 до 50 символов')
  const [year] = await sql<{ id: string; name: string; closedAt: Date | null }[]>`
    select id, name, closed_at from academic_years
    where school_id = ${school.id} and starts_on <= ${date} and ends_on >= ${date} order by starts_on limit 1`
  if (!year) throw new ImportSetupError(`в школе нет учебного года, в который попадает ${date}: создайте год или укажите другую --date`)
  if (year.closedAt) throw new ImportSetupError(`учебный год ${year.name} закрыт`)
  const [admin] = await sql<{ accountId: string }[]>`
    select r.account_id from account_roles r join accounts a on a.id = r.account_id
    where r.role = 'admin' and r.school_id = ${school.id} and a.locked_at is null
    order by r.granted_at, a.created_at limit 1`
  const actorAccountId = admin?.accountId ?? null
  const ctx: RequestContext = {
    // no policy is asked on this path (the operator runs the command on the server); the
    // actor only names who the audit rows and events are attributed to. accountId may be
    // null here — audit_log and outbox keep a null actor for the system.
    actor: { accountId: actorAccountId as string, sessionId: 'import', personIds: [], roles: [] },
    // one id for every audit row and event of this run
    requestId: `import:${randomUUID()}`,
  }
  return { school, year: { id: year.id, name: year.name }, date, today, ctx, actorAccountId }
}

/** Multi-row inserts in chunks that keep under PostgreSQL's 65,535 bind parameters. */
async function insertRows(tx: Tx, table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
  if (!rows.length) return
  const perChunk = Math.max(1, Math.floor(30_000 / Object.keys(rows[0]!).length))
  for (let i = 0; i < rows.length; i += perChunk) await tx`insert into ${tx(table)} ${tx(rows.slice(i, i + perChunk) as never[])}`
}

/** Audit rows of one chunk, sent pipelined on the transaction's connection (the trigger chains them in order). */
async function writeAudits(tx: Tx, entries: readonly AuditEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 500) await Promise.all(entries.slice(i, i + 500).map((e) => writeAudit(tx, e)))
}

const ROWS_PER_CHUNK = 100
class Rollback extends Error {}

/**
 * Writes the planned rows chunk by chunk: all in one transaction; with `partial`, one
 * transaction per chunk (a chunk the database refuses — after the checks, only a concurrent
 * writer makes it — is rolled back and its rows reported, as are later rows that needed what
 * it would have created); in a dry run, everything in one transaction that is rolled back.
 * Returns the lines written.
 */
async function execute<Op extends { line: number }>(
  sql: Sql, opts: ImportOptions, ops: readonly Op[], write: (tx: Tx, chunk: readonly Op[]) => Promise<void>, errors: ImportIssue[],
): Promise<Set<number>> {
  const chunks: Op[][] = []
  for (let i = 0; i < ops.length; i += ROWS_PER_CHUNK) chunks.push(ops.slice(i, i + ROWS_PER_CHUNK))
  const written = new Set<number>()
  let done = 0
  const progress = async (chunk: readonly Op[]) => {
    done += chunk.length
    await opts.onProgress?.(done, ops.length)
  }
  if (opts.partial && !opts.dryRun) {
    for (const chunk of chunks) {
      try {
        await sql.begin((tx) => write(tx, chunk))
        for (const op of chunk) written.add(op.line)
      } catch (err) {
        const range = `${chunk[0]!.line}–${chunk[chunk.length - 1]!.line}`
        for (const op of chunk) errors.push({ line: op.line, message: `не записана: база данных отклонила блок строк ${range}: ${(err as Error).message}` })
      }
      await progress(chunk)
    }
    errors.sort((a, b) => a.line - b.line)
    return written
  }
  try {
    await sql.begin(async (tx) => {
      for (const chunk of chunks) {
        await write(tx, chunk)
        await progress(chunk)
      }
      if (opts.dryRun) throw new Rollback()
    })
  } catch (err) {
    if (!(err instanceof Rollback)) throw err
  }
  for (const op of ops) written.add(op.line)
  return written
}

/** Problems by line; a row's problems are joined into one `строка N: …` line. */
class Problems {
  private readonly byLine = new Map<number, string[]>()
  add(line: number, message: string) {
    const list = this.byLine.get(line)
    if (list) list.push(message)
    else this.byLine.set(line, [message])
  }
  has(line: number) {
    return this.byLine.has(line)
  }
  get size() {
    return this.byLine.size
  }
  issues(): ImportIssue[] {
    return [...this.byLine].sort((a, b) => a[0] - b[0]).map(([line, m]) => ({ line, message: m.join('; ') }))
  }
}

/** «2, 5, 7–9»: lines compressed into ranges for a warning. */
function lineList(lines: number[]): string {
  const parts: string[] = []
  for (let i = 0; i < lines.length; i++) {
    let j = i
    while (j + 1 < lines.length && lines[j + 1] === lines[j]! + 1) j++
    parts.push(j > i ? `${lines[i]}–${lines[j]}` : `${lines[i]}`)
    i = j
  }
  return parts.join(', ')
}

interface Parsed<F extends string> {
  readonly rows: TableRow[]
  readonly header: Header<F>
}

/** Reads the file and its header; a problem with either ends the import with that one issue. */
async function readWithHeader<F extends string>(data: Uint8Array, spec: Record<F, ColumnSpec>): Promise<Parsed<F> | { issues: ImportIssue[] }> {
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

function emptyResult<C>(kind: 'roster' | 'timetable', setup: Setup, opts: ImportOptions, counts: C, errors: ImportIssue[], rows = 0): ImportResult<C> {
  return {
    kind, school: { id: setup.school.id, name: setup.school.name }, year: setup.year, date: setup.date,
    orderNumber: opts.orderNumber ?? null, rows, imported: 0, errors, warnings: [], counts, written: false,
    dryRun: !!opts.dryRun, actorAccountId: setup.actorAccountId,
  }
}

// ================================================================ roster

const ROSTER_COLUMNS = {
  classLabel: { label: 'Класс', required: true, aliases: ['класс', 'класс ученика', 'class', 'form', 'grade'] },
  lastName: { label: 'Фамилия', required: true, aliases: ['фамилия', 'фамилия ученика', 'last name', 'lastname', 'surname', 'family name', 'student last name'] },
  firstName: { label: 'Имя', required: true, aliases: ['имя', 'имя ученика', 'first name', 'firstname', 'given name', 'student first name'] },
  middleName: { label: 'Отчество', aliases: ['отчество', 'отчество ученика', 'middle name', 'patronymic', 'student middle name'] },
  gender: { label: 'Пол', aliases: ['пол', 'gender', 'sex'] },
  birthDate: { label: 'Дата рождения', aliases: ['дата рождения', 'birth date', 'date of birth', 'birthdate', 'dob'] },
  phone: { label: 'Телефон', aliases: ['телефон', 'телефон ученика', 'мобильный телефон', 'phone', 'mobile', 'student phone'] },
  email: { label: 'Email', aliases: ['email', 'e mail', 'email ученика', 'электронная почта', 'эл почта', 'почта', 'student email'] },
  gLastName: { label: 'Представитель: фамилия', aliases: ['представитель фамилия', 'фамилия представителя', 'родитель фамилия', 'фамилия родителя', 'guardian last name', 'parent last name'] },
  gFirstName: { label: 'Представитель: имя', aliases: ['представитель имя', 'имя представителя', 'родитель имя', 'имя родителя', 'guardian first name', 'parent first name'] },
  gMiddleName: { label: 'Представитель: отчество', aliases: ['представитель отчество', 'отчество представителя', 'родитель отчество', 'отчество родителя', 'guardian middle name', 'parent middle name'] },
  gPhone: { label: 'Представитель: телефон', aliases: ['представитель телефон', 'телефон представителя', 'родитель телефон', 'телефон родителя', 'guardian phone', 'parent phone'] },
  gEmail: { label: 'Представитель: email', aliases: ['представитель email', 'email представителя', 'представитель e mail', 'родитель email', 'email родителя', 'guardian email', 'parent email'] },
  relation: { label: 'Степень родства', aliases: ['степень родства', 'родство', 'кем приходится', 'представитель степень родства', 'relation', 'relationship'] },
  consent: { label: 'Согласие на обработку ПДн', aliases: ['согласие на обработку пдн', 'согласие на обработку персональных данных', 'согласие пдн', 'согласие', 'consent', 'pd consent'] },
  consentDate: { label: 'Дата согласия', aliases: ['дата согласия', 'consent date'] },
} satisfies Record<string, ColumnSpec>
type RosterField = keyof typeof ROSTER_COLUMNS

interface PersonInput {
  lastName: string
  firstName: string
  middleName: string | null
  gender: Gender | null
  phone: string | null
  email: string | null
}

interface RosterRow {
  line: number
  grade: number
  letter: string
  classLabel: string
  student: PersonInput
  birthDate: string | null
  guardian: (PersonInput & { relation: Relation }) | null
  /** the date of the consent to process personal data, when the row says «да» */
  consentOn: string | null
}

/**
 * What a row of the roster file says, and what is wrong with it. The value is there whenever
 * the class and the names could be read — also for a row with other problems, so that the
 * checks across rows see it (a row repeating a bad row is reported too); a bad field is null.
 */
function readRosterRow(h: Header<RosterField>, row: TableRow, today: string): { value: RosterRow | null; problems: string[] } {
  const problems: string[] = []
  const get = (f: RosterField) => cellOf(h, row, f)
  const required = (f: RosterField) => {
    const v = get(f)
    if (!v) problems.push(`не заполнен столбец «${ROSTER_COLUMNS[f].label}»`)
    return v
  }
  const phoneOf = (f: RosterField, who: string) => {
    const v = get(f)
    if (!v) return null
    const p = normalizePhone(v)
    if (!p) problems.push(`${who} «${v}»: ожидается номер вида +7XXXXXXXXXX или 8XXXXXXXXXX`)
    return p
  }
  const emailOf = (f: RosterField, who: string) => {
    const v = get(f)
    if (!v) return null
    const e = normalizeEmail(v)
    if (!e) problems.push(`${who} «${v}» не похож на адрес электронной почты`)
    return e
  }
  const dateOf = (v: string, what: string) => {
    const d = parseDate(v)
    if (!d) problems.push(`${what} «${v}»: ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД`)
    else if (d > today) problems.push(`${what} ${d} ещё не наступила`)
    else if (d < '1900-01-01') problems.push(`${what} ${d} раньше 1900 года`)
    return d && d <= today && d >= '1900-01-01' ? d : null
  }

  const classRaw = required('classLabel')
  const cls = classRaw ? parseClassLabel(classRaw) : null
  if (cls && 'problem' in cls) problems.push(cls.problem)
  const lastName = required('lastName')
  const firstName = required('firstName')
  if (lastName) checkName(lastName, 'фамилия', problems)
  if (firstName) checkName(firstName, 'имя', problems)
  const middleName = get('middleName') || null
  if (middleName) checkName(middleName, 'отчество', problems)
  const genderRaw = get('gender')
  const gender = genderRaw ? GENDERS.get(genderRaw.toLowerCase()) ?? null : genderFromPatronymic(middleName)
  if (genderRaw && !gender) problems.push(`пол «${genderRaw}»: ожидается «м» или «ж»`)
  const birthRaw = get('birthDate')
  const birthDate = birthRaw ? dateOf(birthRaw, 'дата рождения') : null
  const student: PersonInput = {
    lastName, firstName, middleName, gender, phone: phoneOf('phone', 'телефон ученика'), email: emailOf('email', 'email ученика'),
  }

  let guardian: RosterRow['guardian'] = null
  const gFields: RosterField[] = ['gLastName', 'gFirstName', 'gMiddleName', 'gPhone', 'gEmail']
  const relationRaw = get('relation')
  if (gFields.some((f) => get(f))) {
    const gLast = get('gLastName')
    const gFirst = get('gFirstName')
    if (!gLast) problems.push('не заполнена фамилия представителя')
    else checkName(gLast, 'фамилия представителя', problems)
    if (!gFirst) problems.push('не заполнено имя представителя')
    else checkName(gFirst, 'имя представителя', problems)
    const gMiddle = get('gMiddleName') || null
    if (gMiddle) checkName(gMiddle, 'отчество представителя', problems)
    const relation = relationRaw ? RELATION_WORDS.get(normName(relationRaw)) : undefined
    if (!relationRaw) problems.push('не указана степень родства представителя')
    else if (!relation) problems.push(`степень родства «${relationRaw}» неизвестна: мать, отец, бабушка, дедушка, отчим, мачеха, брат, сестра, тётя, дядя, опекун, попечитель, другое`)
    const g: Gender | null = relation && FEMALE_RELATIONS.has(relation) ? 'female' : relation && MALE_RELATIONS.has(relation) ? 'male' : genderFromPatronymic(gMiddle)
    const phone = phoneOf('gPhone', 'телефон представителя')
    const email = emailOf('gEmail', 'email представителя')
    if (gLast && gFirst) guardian = { lastName: gLast, firstName: gFirst, middleName: gMiddle, gender: g, phone, email, relation: relation ?? 'other' }
  } else if (relationRaw) problems.push('степень родства указана, а представитель — нет')

  let consentOn: string | null = null
  const consentRaw = get('consent').toLowerCase()
  const yes = /^(да|yes|есть|\+)(?=$|[\s,;:])/.exec(consentRaw)
  if (yes) {
    const inCell = consentRaw.slice(yes[0].length).replace(/^[\s,;:]+/, '').replace(/^от\s+/, '')
    const dateRaw = inCell || get('consentDate')
    if (!dateRaw) problems.push('согласие на обработку ПДн «да», но без даты')
    else consentOn = dateOf(dateRaw, 'дата согласия')
  } else if (consentRaw && !/^(нет|no|-|—|–)$/.test(consentRaw)) {
    problems.push(`согласие на обработку ПДн «${get('consent')}»: ожидается «да» с датой или «нет»`)
  }

  if (!cls || 'problem' in cls || !lastName || !firstName) return { value: null, problems }
  return {
    value: { line: row.line, grade: cls.grade, letter: cls.letter, classLabel: `${cls.grade}${cls.letter}`, student, birthDate, guardian, consentOn },
    problems,
  }
}

interface RosterSnapshot {
  /** the year's classes: label → id */
  classes: Map<string, string>
  /** students enrolled now in the year's classes: classId|full name → id */
  students: Map<string, string>
  guardians: { id: string; key: string; name: string; phone: string | null; email: string | null }[]
  /** guardian|student */
  links: Set<string>
  /** a student's guardians by full name, for guardians given without phone or email */
  guardiansOf: Map<string, Map<string, string>>
  /** active consents: subject|given by */
  consents: Set<string>
}

async function loadRosterSnapshot(db: Db, setup: Setup): Promise<RosterSnapshot> {
  const schoolId = setup.school.id
  const [classes, students, guardians, links, consents] = await Promise.all([
    db<{ id: string; grade: number; letter: string }[]>`select id, grade, letter from classes where academic_year_id = ${setup.year.id}`,
    db<{ id: string; classId: string; lastName: string; firstName: string; middleName: string | null }[]>`
      select p.id, e.class_id, p.last_name, p.first_name, p.middle_name
      from enrolments e join persons p on p.id = e.student_id join classes c on c.id = e.class_id
      where c.academic_year_id = ${setup.year.id} and e.ended_on is null`,
    db<{ id: string; lastName: string; firstName: string; middleName: string | null; phone: string | null; email: string | null }[]>`
      select id, last_name, first_name, middle_name, phone, email from persons where school_id = ${schoolId} and kind = 'guardian'`,
    db<{ guardianId: string; studentId: string }[]>`
      select g.guardian_id, g.student_id from guardianships g join persons p on p.id = g.student_id where p.school_id = ${schoolId}`,
    db<{ subjectPersonId: string; givenByPersonId: string }[]>`
      select subject_person_id, given_by_person_id from pd_consents where school_id = ${schoolId} and revoked_at is null`,
  ])
  const guardianList = guardians.map((g) => ({ id: g.id, key: fullKey(g), name: fullName(g), phone: g.phone, email: g.email }))
  const byId = new Map(guardianList.map((g) => [g.id, g]))
  const guardiansOf = new Map<string, Map<string, string>>()
  for (const l of links) {
    const g = byId.get(l.guardianId)
    if (!g) continue
    const m = guardiansOf.get(l.studentId) ?? new Map<string, string>()
    m.set(g.key, g.id)
    guardiansOf.set(l.studentId, m)
  }
  return {
    classes: new Map(classes.map((c) => [`${c.grade}${c.letter.toUpperCase()}`, c.id])),
    students: new Map(students.map((s) => [`${s.classId}|${fullKey(s)}`, s.id])),
    guardians: guardianList,
    links: new Set(links.map((l) => `${l.guardianId}|${l.studentId}`)),
    guardiansOf,
    consents: new Set(consents.map((c) => `${c.subjectPersonId}|${c.givenByPersonId}`)),
  }
}

type PersonRow = PersonInput & { id: string; schoolId: string; kind: 'student' | 'guardian' }

/** What one good row writes; entities are created by the first row that needs them. */
interface RosterOp {
  line: number
  newClass: { id: string; schoolId: string; academicYearId: string; grade: number; letter: string } | null
  newStudent: (PersonRow & { classId: string; movementId: string }) | null
  studentExisting: boolean
  newGuardian: PersonRow | null
  guardianExisting: boolean
  link: { guardianId: string; studentId: string; relation: Relation } | null
  consents: { id: string; subjectPersonId: string; givenByPersonId: string; givenAt: Date }[]
  birthDate: { personId: string; birthDate: string } | null
}

/** A guardian's identity in the file: phone, else full name + email, else full name beside the student. */
const guardianKey = (g: PersonInput) => (g.phone ? `tel:${g.phone}` : g.email ? `mail:${fullKey(g)}|${g.email.toLowerCase()}` : `name:${fullKey(g)}`)

/**
 * Checks that need the other rows and the school's data, then plans the writes of the good
 * rows. Checks: a student twice with the same guardian (a duplicate row), a student's details
 * differing between rows, one phone given for two differently named guardians, a guardian's
 * name and email given with two phones — in the file and against the guardians already in the school.
 */
function planRoster(rows: readonly RosterRow[], snap: RosterSnapshot, setup: Setup, problems: Problems) {
  // ---- checks over the whole file
  const studentFirst = new Map<string, RosterRow>()
  const guardianSeen = new Map<string, number>() // student key + guardian key → line
  const phoneOwner = new Map<string, { key: string; name: string; line: number }>()
  const nameEmailPhone = new Map<string, { phone: string | null; line: number }>()
  const dbByPhone = new Map<string, (typeof snap.guardians)[number]>()
  const dbByNameEmail = new Map<string, (typeof snap.guardians)[number]>()
  for (const g of snap.guardians) {
    if (g.phone && !dbByPhone.has(g.phone)) dbByPhone.set(g.phone, g)
    if (g.email && !dbByNameEmail.has(`${g.key}|${g.email.toLowerCase()}`)) dbByNameEmail.set(`${g.key}|${g.email.toLowerCase()}`, g)
  }
  for (const r of rows) {
    const sKey = `${r.classLabel}|${fullKey(r.student)}`
    const first = studentFirst.get(sKey)
    if (!first) studentFirst.set(sKey, r)
    else {
      const differs = (['gender', 'phone', 'email'] as const).filter((f) => r.student[f] && first.student[f] && r.student[f] !== first.student[f])
        .map((f) => ({ gender: 'пол', phone: 'телефон', email: 'email' })[f])
      if (r.birthDate && first.birthDate && r.birthDate !== first.birthDate) differs.push('дата рождения')
      if (differs.length) problems.add(r.line, `сведения об ученике (${differs.join(', ')}) расходятся со строкой ${first.line}`)
    }
    const gk = `${sKey}#${r.guardian ? guardianKey(r.guardian) : '-'}`
    const dup = guardianSeen.get(gk)
    if (dup !== undefined) problems.add(r.line, `повторяет строку ${dup}`)
    else guardianSeen.set(gk, r.line)
    const g = r.guardian
    if (!g) continue
    const key = fullKey(g)
    if (g.phone) {
      const owner = phoneOwner.get(g.phone)
      if (owner && owner.key !== key) problems.add(r.line, `телефон представителя ${g.phone} уже указан в строке ${owner.line} для «${owner.name}»`)
      else if (!owner) phoneOwner.set(g.phone, { key, name: fullName(g), line: r.line })
      const inDb = dbByPhone.get(g.phone)
      if (inDb && inDb.key !== key) problems.add(r.line, `телефон представителя ${g.phone} уже записан в школе за «${inDb.name}»`)
    }
    if (g.email) {
      const ne = `${key}|${g.email.toLowerCase()}`
      const seen = nameEmailPhone.get(ne)
      if (seen && seen.phone && g.phone && seen.phone !== g.phone)
        problems.add(r.line, `представитель «${fullName(g)}» с тем же email указан в строке ${seen.line} с другим телефоном (${seen.phone})`)
      else if (!seen) nameEmailPhone.set(ne, { phone: g.phone, line: r.line })
      const inDb = dbByNameEmail.get(ne)
      if (g.phone && inDb?.phone && inDb.phone !== g.phone && !dbByPhone.has(g.phone))
        problems.add(r.line, `представитель «${fullName(g)}» с тем же email уже записан в школе с другим телефоном (${inDb.phone})`)
    }
  }

  // ---- the plan of the good rows
  const schoolId = setup.school.id
  const classes = new Map(snap.classes)
  const students = new Map(snap.students)
  const byPhone = new Map([...dbByPhone].map(([k, g]) => [k, g.id]))
  const byNameEmail = new Map([...dbByNameEmail].map(([k, g]) => [k, g.id]))
  const guardiansOf = new Map([...snap.guardiansOf].map(([k, m]) => [k, new Map(m)]))
  const links = new Set(snap.links)
  const consents = new Set(snap.consents)
  const counted = new Set<string>()
  const known = new Set(snap.guardians.map((g) => g.id))
  const createdStudents = new Map<string, { birthDate: string | null; consent: boolean; stored: boolean; lines: number[] }>()
  const givenAt = new Map<string, Date>() // Intl-based and slow: once per date
  const givenAtOf = (date: string) => givenAt.get(date) ?? givenAt.set(date, zonedInstant(date, '00:00', setup.school.timezone)).get(date)!
  const ops: RosterOp[] = []
  for (const r of rows) {
    if (problems.has(r.line)) continue
    const op: RosterOp = {
      line: r.line, newClass: null, newStudent: null, studentExisting: false, newGuardian: null, guardianExisting: false,
      link: null, consents: [], birthDate: null,
    }
    let classId = classes.get(r.classLabel)
    if (!classId) {
      classId = randomUUID()
      classes.set(r.classLabel, classId)
      op.newClass = { id: classId, schoolId, academicYearId: setup.year.id, grade: r.grade, letter: r.letter }
    }
    const sKey = `${classId}|${fullKey(r.student)}`
    let studentId = students.get(sKey)
    if (!studentId) {
      studentId = randomUUID()
      students.set(sKey, studentId)
      op.newStudent = { id: studentId, schoolId, kind: 'student', ...r.student, classId, movementId: randomUUID() }
      createdStudents.set(studentId, { birthDate: null, consent: false, stored: false, lines: [] })
    } else if (snap.students.get(sKey) === studentId && !counted.has(studentId)) {
      op.studentExisting = true
      counted.add(studentId)
    }
    let guardianId: string | null = null
    const g = r.guardian
    if (g) {
      const key = fullKey(g)
      // the same person: by phone, else by full name and email, else a guardian of this student by full name
      guardianId = (g.phone && byPhone.get(g.phone)) || (g.email && byNameEmail.get(`${key}|${g.email.toLowerCase()}`)) ||
        guardiansOf.get(studentId)?.get(key) || null
      if (!guardianId) {
        guardianId = randomUUID()
        op.newGuardian = { id: guardianId, schoolId, kind: 'guardian', lastName: g.lastName, firstName: g.firstName, middleName: g.middleName, gender: g.gender, phone: g.phone, email: g.email }
        if (g.phone) byPhone.set(g.phone, guardianId)
        if (g.email) byNameEmail.set(`${key}|${g.email.toLowerCase()}`, guardianId)
      } else if (!counted.has(guardianId) && known.has(guardianId)) {
        op.guardianExisting = true
        counted.add(guardianId)
      }
      if (!links.has(`${guardianId}|${studentId}`)) {
        links.add(`${guardianId}|${studentId}`)
        op.link = { guardianId, studentId, relation: g.relation }
        const m = guardiansOf.get(studentId) ?? new Map<string, string>()
        m.set(key, guardianId)
        guardiansOf.set(studentId, m)
      }
    }
    if (r.consentOn) {
      // the guardian signs for the child and for themselves; with no guardian, the student signs
      const givenBy = guardianId ?? studentId
      for (const subject of guardianId ? [studentId, guardianId] : [studentId]) {
        if (consents.has(`${subject}|${givenBy}`)) continue
        consents.add(`${subject}|${givenBy}`)
        op.consents.push({ id: randomUUID(), subjectPersonId: subject, givenByPersonId: givenBy, givenAt: givenAtOf(r.consentOn) })
      }
    }
    // a birth date is sensitive: stored only for a student created here, once a consent is on record
    const created = createdStudents.get(studentId)
    if (created) {
      created.birthDate ??= r.birthDate
      created.consent ||= !!r.consentOn
      if (r.birthDate) created.lines.push(r.line)
      if (created.birthDate && created.consent && !created.stored) {
        created.stored = true
        op.birthDate = { personId: studentId, birthDate: created.birthDate }
      }
    }
    ops.push(op)
  }
  const unstored = [...createdStudents.values()].filter((s) => s.birthDate && !s.stored).flatMap((s) => s.lines).sort((a, b) => a - b)
  const warnings = unstored.length
    ? [`дата рождения не сохранена без согласия на обработку ПДн (строки ${lineList(unstored)}) / birth dates not stored without a recorded consent`]
    : []
  return { ops, warnings }
}

async function writeRosterChunk(tx: Tx, setup: Setup, orderNumber: string | null, chunk: readonly RosterOp[]): Promise<void> {
  const { ctx, date } = setup
  const schoolId = setup.school.id
  const actor = setup.actorAccountId
  const requestId = ctx.requestId ?? null
  const classes = chunk.flatMap((o) => (o.newClass ? [o.newClass] : []))
  const students = chunk.flatMap((o) => (o.newStudent ? [o.newStudent] : []))
  const guardians = chunk.flatMap((o) => (o.newGuardian ? [o.newGuardian] : []))
  const links = chunk.flatMap((o) => (o.link ? [o.link] : []))
  const consents = chunk.flatMap((o) => o.consents)
  const sensitive = chunk.flatMap((o) => (o.birthDate ? [o.birthDate] : []))
  const person = ({ id, schoolId, kind, lastName, firstName, middleName, gender, phone, email }: PersonRow) =>
    ({ id, schoolId, kind, lastName, firstName, middleName, gender, phone, email })

  await insertRows(tx, 'classes', classes)
  await insertRows(tx, 'persons', [...students, ...guardians].map(person))
  await insertRows(tx, 'enrolments', students.map((s) => ({ studentId: s.id, classId: s.classId, startedOn: date })))
  const movements = students.length
    ? await tx<{ id: string; studentId: string; kind: string; occurredOn: string; orderNumber: string | null; fromClassId: string | null; toClassId: string; note: string | null; recordedAt: Date }[]>`
        insert into movements ${tx(students.map((s) => ({
          id: s.movementId, schoolId, studentId: s.id, kind: 'admission', occurredOn: date, orderNumber, toClassId: s.classId, recordedBy: actor,
        })))}
        returning id, student_id, kind, occurred_on, order_number, from_class_id, to_class_id, note, recorded_at`
    : []
  await insertRows(tx, 'guardianships', links)
  await insertRows(tx, 'person_sensitive', sensitive)
  await insertRows(tx, 'pd_consents', consents.map((c) => ({
    ...c, schoolId, purpose: 'Организация образовательного процесса', recordedBy: actor,
  })))

  const audit = (action: string, entityType: string, entityId: string, after: unknown): AuditEntry =>
    ({ schoolId, actorAccountId: actor, action, entityType, entityId, after, requestId })
  await writeAudits(tx, [
    ...classes.map((c) => audit('class.created', 'class', c.id, { grade: c.grade, letter: c.letter, academicYearId: c.academicYearId, source: 'import' })),
    ...students.map((s) => audit('person.created', 'person', s.id, { kind: 'student', classId: s.classId, source: 'import' })),
    ...guardians.map((g) => audit('person.created', 'person', g.id, { kind: 'guardian', classId: null, source: 'import' })),
    ...links.map((l) => audit('guardianship.created', 'person', l.studentId, l)),
    ...consents.map((c) => audit('consent.recorded', 'person', c.subjectPersonId, { consentId: c.id, givenBy: c.givenByPersonId, givenAt: c.givenAt.toISOString() })),
    // the names of the fields, never their values: the log is read more widely
    ...sensitive.map((s) => audit('person.sensitive_updated', 'person', s.personId, { fields: ['birthDate'] })),
  ])
  await recordChanges(tx, ctx, movements.map((m): Change => ({
    schoolId, kind: 'movement.recorded', entityType: 'movement', entityId: m.id, before: null, after: m,
    studentId: m.studentId, classId: m.toClassId, payload: { movementId: m.id, kind: 'admission' },
  })))
}

/**
 * Imports a class roster: one row is one student with at most one guardian (a student with
 * two guardians takes two rows). New students are admitted into the class of the year that
 * contains the date (created when missing) with a movement under the order number.
 */
export async function importRoster(sql: Sql, data: Uint8Array, opts: ImportOptions): Promise<ImportResult<RosterCounts>> {
  const setup = await loadSetup(sql, opts)
  const counts: RosterCounts = {
    studentsCreated: 0, studentsExisting: 0, guardiansCreated: 0, guardiansExisting: 0, links: 0, admissions: 0,
    consents: 0, birthDates: 0, classesCreated: [],
  }
  const parsed = await readWithHeader(data, ROSTER_COLUMNS)
  if ('issues' in parsed) return emptyResult('roster', setup, opts, counts, parsed.issues)
  const problems = new Problems()
  const rows: RosterRow[] = []
  for (const row of parsed.rows) {
    const { value, problems: p } = readRosterRow(parsed.header, row, setup.today)
    for (const m of p) problems.add(row.line, m)
    if (value) rows.push(value)
  }
  const snap = await loadRosterSnapshot(sql, setup)
  const { ops, warnings } = planRoster(rows, snap, setup, problems)
  const errors = problems.issues()
  if (parsed.header.unknown.length) warnings.unshift(`столбцы не распознаны и пропущены: ${parsed.header.unknown.map((u) => `«${u}»`).join(', ')} / unknown columns skipped`)
  const base = { ...emptyResult('roster', setup, opts, counts, errors, parsed.rows.length), warnings }
  if ((errors.length && !opts.partial) || !ops.length) return base
  const written = await execute(sql, opts, ops, (tx, chunk) => writeRosterChunk(tx, setup, opts.orderNumber ?? null, chunk), errors)
  for (const op of ops) {
    if (!written.has(op.line)) continue
    if (op.newClass) counts.classesCreated.push(`${op.newClass.grade}${op.newClass.letter}`)
    if (op.newStudent) counts.studentsCreated++, counts.admissions++
    if (op.studentExisting) counts.studentsExisting++
    if (op.newGuardian) counts.guardiansCreated++
    if (op.guardianExisting) counts.guardiansExisting++
    if (op.link) counts.links++
    counts.consents += op.consents.length
    if (op.birthDate) counts.birthDates++
  }
  return { ...base, imported: written.size, written: !opts.dryRun && written.size > 0 }
}

// ================================================================ timetable

const TIMETABLE_COLUMNS = {
  classLabel: { label: 'Класс', required: true, aliases: ['класс', 'class', 'form'] },
  weekday: { label: 'День недели', required: true, aliases: ['день недели', 'день', 'weekday', 'day', 'day of week'] },
  lesson: { label: 'Урок', required: true, aliases: ['урок', 'номер урока', '№ урока', 'lesson', 'lesson number', 'period'] },
  subject: { label: 'Предмет', required: true, aliases: ['предмет', 'subject'] },
  teacher: { label: 'Учитель', required: true, aliases: ['учитель', 'преподаватель', 'фио учителя', 'teacher'] },
  subgroup: { label: 'Подгруппа', aliases: ['подгруппа', 'группа', 'subgroup', 'group'] },
  room: { label: 'Кабинет', aliases: ['кабинет', 'каб', 'аудитория', 'room'] },
  shift: { label: 'Смена', aliases: ['смена', 'shift'] },
} satisfies Record<string, ColumnSpec>
type TimetableField = keyof typeof TIMETABLE_COLUMNS

interface Staff {
  id: string
  lastName: string
  firstName: string
  middleName: string | null
}
const initials = (s: Staff) => `${s.lastName} ${s.firstName[0]}.${s.middleName ? ` ${s.middleName[0]}.` : ''}`

/** A teacher by «Фамилия Имя Отчество», «Фамилия И. О.», «Фамилия ИО» or «И. О. Фамилия». */
export function matchTeacher(staff: readonly Staff[], raw: string): { id: string } | { problem: string } {
  const isInitial = (t: string) => /^\p{L}\.?$/u.test(t)
  let tokens = raw.replace(/\./g, '. ').split(/\s+/).filter(Boolean)
  if (tokens.length === 2 && /^\p{Lu}\p{Lu}$/u.test(tokens[1]!)) tokens = [tokens[0]!, tokens[1]![0]!, tokens[1]![1]!]
  if (tokens.length > 1 && isInitial(tokens[0]!) && !isInitial(tokens[tokens.length - 1]!)) tokens = [tokens[tokens.length - 1]!, ...tokens.slice(0, -1)]
  const [last, ...rest] = tokens
  if (!last || isInitial(last) || rest.length > 2) return { problem: `учитель «${raw}»: ожидается ФИО, например «Иванова Мария Петровна» или «Иванова М. П.»` }
  const found = staff.filter((s) => normName(s.lastName) === normName(last) && rest.every((t, i) => {
    const part = i === 0 ? s.firstName : s.middleName
    if (!part) return false
    return isInitial(t) ? normName(part)[0] === normName(t)[0] : normName(part) === normName(t)
  }))
  if (found.length === 1) return { id: found[0]!.id }
  if (!found.length) return { problem: `учитель «${raw}» не найден среди сотрудников школы` }
  return { problem: `учитель «${raw}»: подходят несколько сотрудников школы (${found.map(fullName).join(', ')}), укажите полное ФИО` }
}

interface SlotRow {
  line: number
  classLabel: string
  classId: string
  weekday: number
  lesson: number
  shift: number
  subject: string
  teacherId: string
  subgroup: string | null
  room: string | null
}

interface TimetableSnapshot {
  classes: Map<string, string>
  staff: Staff[]
  bells: Set<string>
  subjects: Map<string, string>
  subgroups: Map<string, string>
  assignments: Map<string, string>
  /** slots valid on the date or later */
  slots: {
    classId: string; subjectName: string; teacherId: string; teacherName: string; subgroupName: string | null
    weekday: number; lessonNumber: number; shift: number; validFrom: string; className: string
  }[]
}

async function loadTimetableSnapshot(db: Db, setup: Setup): Promise<TimetableSnapshot> {
  const schoolId = setup.school.id
  const [classes, staff, bells, subjects, subgroups, assignments, slots] = await Promise.all([
    db<{ id: string; grade: number; letter: string }[]>`select id, grade, letter from classes where academic_year_id = ${setup.year.id}`,
    db<Staff[]>`select id, last_name, first_name, middle_name from persons where school_id = ${schoolId} and kind = 'staff'`,
    db<{ shift: number; number: number }[]>`select shift, number from bells where school_id = ${schoolId}`,
    db<{ id: string; name: string }[]>`select id, name from subjects where school_id = ${schoolId}`,
    db<{ id: string; classId: string; subjectId: string; name: string }[]>`
      select g.id, g.class_id, g.subject_id, g.name from subgroups g join classes c on c.id = g.class_id where c.academic_year_id = ${setup.year.id}`,
    db<{ id: string; classId: string; subjectId: string; teacherId: string; subgroupId: string | null }[]>`
      select a.id, a.class_id, a.subject_id, a.teacher_id, a.subgroup_id from teaching_assignments a
      join classes c on c.id = a.class_id where c.academic_year_id = ${setup.year.id}`,
    db<(TimetableSnapshot['slots'][number] & { lastName: string; firstName: string; middleName: string | null })[]>`
      select a.class_id, c.grade || c.letter as class_name, sj.name as subject_name, a.teacher_id, t.last_name, t.first_name, t.middle_name,
        g.name as subgroup_name, s.weekday, s.lesson_number, s.shift, s.valid_from
      from timetable_slots s join teaching_assignments a on a.id = s.assignment_id join classes c on c.id = a.class_id
      join subjects sj on sj.id = a.subject_id join persons t on t.id = a.teacher_id left join subgroups g on g.id = a.subgroup_id
      where s.school_id = ${schoolId} and (s.valid_to is null or s.valid_to >= ${setup.date})`,
  ])
  const subjectByName = new Map(subjects.map((s) => [normName(s.name), s.id]))
  return {
    classes: new Map(classes.map((c) => [`${c.grade}${c.letter.toUpperCase()}`, c.id])),
    staff,
    bells: new Set(bells.map((b) => `${b.shift}/${b.number}`)),
    subjects: subjectByName,
    subgroups: new Map(subgroups.map((g) => [`${g.classId}|${g.subjectId}|${normName(g.name)}`, g.id])),
    assignments: new Map(assignments.map((a) => [`${a.classId}|${a.subjectId}|${a.teacherId}|${a.subgroupId ?? ''}`, a.id])),
    slots: slots.map(({ lastName, firstName, middleName, ...s }) => ({ ...s, teacherName: initials({ id: '', lastName, firstName, middleName }) })),
  }
}

function readSlotRow(h: Header<TimetableField>, row: TableRow, snap: TimetableSnapshot, yearName: string): { value: SlotRow | null; problems: string[] } {
  const problems: string[] = []
  const get = (f: TimetableField) => cellOf(h, row, f)
  const required = (f: TimetableField) => {
    const v = get(f)
    if (!v) problems.push(`не заполнен столбец «${TIMETABLE_COLUMNS[f].label}»`)
    return v
  }
  const classRaw = required('classLabel')
  let classId: string | undefined
  let classLabel = ''
  if (classRaw) {
    const c = parseClassLabel(classRaw)
    if ('problem' in c) problems.push(c.problem)
    else {
      classLabel = `${c.grade}${c.letter}`
      classId = snap.classes.get(classLabel)
      if (!classId) problems.push(`класса ${classLabel} нет в учебном году ${yearName}: сначала импортируйте список класса`)
    }
  }
  const weekdayRaw = required('weekday')
  const weekday = weekdayRaw ? WEEKDAYS.get(normName(weekdayRaw).replace(/\.$/, '')) : undefined
  if (weekdayRaw && !weekday) problems.push(`день недели «${weekdayRaw}»: ожидается пн, вт, …, вс, полное название или число 1–7`)
  const lessonRaw = required('lesson')
  const lm = /^(\d{1,2})(?:[.,]0+)?(?:\s*-?\s*(?:й|ой|ий))?(?:\s*урок)?$/.exec(lessonRaw.toLowerCase())
  const lesson = lm ? Number(lm[1]) : undefined
  if (lessonRaw && (lesson === undefined || lesson > 12)) problems.push(`урок «${lessonRaw}»: ожидается номер от 0 до 12`)
  const shiftRaw = get('shift')
  const shift = shiftRaw ? Number(shiftRaw) : 1
  if (![1, 2, 3].includes(shift)) problems.push(`смена «${shiftRaw}»: ожидается 1, 2 или 3`)
  const subject = required('subject')
  if (subject.length > 100) problems.push('название предмета длиннее 100 символов')
  const teacherRaw = required('teacher')
  let teacherId: string | undefined
  if (teacherRaw) {
    const t = matchTeacher(snap.staff, teacherRaw)
    if ('problem' in t) problems.push(t.problem)
    else teacherId = t.id
  }
  const subgroup = get('subgroup') || null
  if (subgroup && subgroup.length > 60) problems.push('название подгруппы длиннее 60 символов')
  const room = get('room') || null
  if (room && room.length > 30) problems.push('кабинет длиннее 30 символов')
  if (lesson !== undefined && lesson <= 12 && [1, 2, 3].includes(shift) && !snap.bells.has(`${shift}/${lesson}`))
    problems.push(`нет звонка на ${lesson}-й урок ${shift}-й смены: сначала задайте расписание звонков`)
  if (problems.length || !classId || !weekday || lesson === undefined || !teacherId) return { value: null, problems }
  return { value: { line: row.line, classLabel, classId, weekday, lesson, shift, subject, teacherId, subgroup, room }, problems }
}

interface SlotOp {
  line: number
  newSubject: { id: string; schoolId: string; name: string } | null
  newSubgroup: { id: string; classId: string; subjectId: string; name: string } | null
  newAssignment: { id: string; schoolId: string; classId: string; subgroupId: string | null; subjectId: string; teacherId: string } | null
  slot: { id: string; schoolId: string; assignmentId: string; weekday: number; lessonNumber: number; shift: number; room: string | null; validFrom: string; classId: string } | null
}

/**
 * Checks across rows and against the timetable in force from the date: a repeated row; a class
 * given two lessons at one time (unless both are different subgroups); a lesson clashing with
 * one already in the timetable. A teacher in two classes at once is a warning (a joined lesson
 * is possible). A row equal to a lesson already in the timetable is left as it is.
 */
function planTimetable(rows: SlotRow[], snap: TimetableSnapshot, setup: Setup, problems: Problems) {
  const when = (r: { weekday: number; lesson: number; shift: number }) => `${r.weekday}/${r.lesson}/${r.shift}`
  const at = (r: SlotRow) => `${WEEKDAY_SHORT[r.weekday]} ${r.lesson}-й урок${r.shift === 1 ? '' : ` (${r.shift}-я смена)`}`
  const same = (r: SlotRow) => `${r.classId}|${when(r)}|${normName(r.subject)}|${r.teacherId}|${normName(r.subgroup ?? '')}`
  const clash = (a: string | null, b: string | null) => !a || !b || normName(a) === normName(b)
  const existing = new Set(snap.slots.map((s) => `${s.classId}|${s.weekday}/${s.lessonNumber}/${s.shift}|${normName(s.subjectName)}|${s.teacherId}|${normName(s.subgroupName ?? '')}`))
  const seen = new Map<string, number>()
  const byClassTime = new Map<string, SlotRow[]>()
  const byTeacherTime = new Map<string, SlotRow[]>()
  const teacherWarnings: string[] = []
  const alreadyThere = new Set<number>()
  for (const r of rows) {
    const key = same(r)
    const dup = seen.get(key)
    if (dup !== undefined) {
      problems.add(r.line, `повторяет строку ${dup}`)
      continue
    }
    seen.set(key, r.line)
    if (existing.has(key)) {
      alreadyThere.add(r.line)
      continue
    }
    const ct = `${r.classId}|${when(r)}`
    const other = (byClassTime.get(ct) ?? []).find((o) => clash(o.subgroup, r.subgroup))
    if (other) problems.add(r.line, `у ${r.classLabel} ${at(r)} уже занят строкой ${other.line}`)
    byClassTime.set(ct, [...(byClassTime.get(ct) ?? []), r])
    const inDb = snap.slots.find((s) => s.classId === r.classId && when({ weekday: s.weekday, lesson: s.lessonNumber, shift: s.shift }) === when(r) && clash(s.subgroupName, r.subgroup))
    if (inDb) problems.add(r.line, `у ${r.classLabel} ${at(r)} с ${inDb.validFrom} уже стоит «${inDb.subjectName}» (${inDb.teacherName}${inDb.subgroupName ? `, ${inDb.subgroupName}` : ''})`)
    const tt = `${r.teacherId}|${when(r)}`
    const busy = (byTeacherTime.get(tt) ?? []).find((o) => o.classId !== r.classId)
    const busyDb = snap.slots.find((s) => s.teacherId === r.teacherId && s.classId !== r.classId && when({ weekday: s.weekday, lesson: s.lessonNumber, shift: s.shift }) === when(r))
    if (busy) teacherWarnings.push(`строка ${r.line}: учитель ведёт в то же время урок в другом классе (строка ${busy.line})`)
    else if (busyDb) teacherWarnings.push(`строка ${r.line}: учитель в то же время ведёт «${busyDb.subjectName}» в ${busyDb.className}`)
    byTeacherTime.set(tt, [...(byTeacherTime.get(tt) ?? []), r])
  }

  const schoolId = setup.school.id
  const subjects = new Map(snap.subjects)
  const subgroups = new Map(snap.subgroups)
  const assignments = new Map(snap.assignments)
  const ops: SlotOp[] = []
  for (const r of rows) {
    if (problems.has(r.line)) continue
    const op: SlotOp = { line: r.line, newSubject: null, newSubgroup: null, newAssignment: null, slot: null }
    ops.push(op)
    if (alreadyThere.has(r.line)) continue
    let subjectId = subjects.get(normName(r.subject))
    if (!subjectId) {
      subjectId = randomUUID()
      subjects.set(normName(r.subject), subjectId)
      op.newSubject = { id: subjectId, schoolId, name: r.subject }
    }
    let subgroupId: string | null = null
    if (r.subgroup) {
      const gk = `${r.classId}|${subjectId}|${normName(r.subgroup)}`
      subgroupId = subgroups.get(gk) ?? null
      if (!subgroupId) {
        subgroupId = randomUUID()
        subgroups.set(gk, subgroupId)
        op.newSubgroup = { id: subgroupId, classId: r.classId, subjectId, name: r.subgroup }
      }
    }
    const ak = `${r.classId}|${subjectId}|${r.teacherId}|${subgroupId ?? ''}`
    let assignmentId = assignments.get(ak)
    if (!assignmentId) {
      assignmentId = randomUUID()
      assignments.set(ak, assignmentId)
      op.newAssignment = { id: assignmentId, schoolId, classId: r.classId, subgroupId, subjectId, teacherId: r.teacherId }
    }
    op.slot = {
      id: randomUUID(), schoolId, assignmentId, weekday: r.weekday, lessonNumber: r.lesson, shift: r.shift, room: r.room,
      validFrom: setup.date, classId: r.classId,
    }
  }
  return { ops, warnings: teacherWarnings }
}

async function writeTimetableChunk(tx: Tx, setup: Setup, chunk: readonly SlotOp[]): Promise<void> {
  const schoolId = setup.school.id
  const subjects = chunk.flatMap((o) => (o.newSubject ? [o.newSubject] : []))
  const subgroups = chunk.flatMap((o) => (o.newSubgroup ? [o.newSubgroup] : []))
  const assignments = chunk.flatMap((o) => (o.newAssignment ? [o.newAssignment] : []))
  const slots = chunk.flatMap((o) => (o.slot ? [o.slot] : []))
  await insertRows(tx, 'subjects', subjects)
  await insertRows(tx, 'subgroups', subgroups)
  await insertRows(tx, 'teaching_assignments', assignments)
  await insertRows(tx, 'timetable_slots', slots.map(({ classId: _c, ...s }) => s))
  // the same events, with the same views, as the setup services (core/journal/setup.ts, movement.ts)
  const created = (kind: Change['kind'], entityType: string, after: { id: string } & Record<string, unknown>, classId: string | null = null): Change =>
    ({ schoolId, kind, entityType, entityId: after.id, before: null, after, classId, payload: { id: after.id } })
  await recordChanges(tx, setup.ctx, [
    ...subjects.map((s) => created('subject.created', 'subject', { ...s, shortName: null })),
    ...subgroups.map((g) => ({ ...created('subgroup.created', 'subgroup', g, g.classId), payload: { subgroupId: g.id } })),
    ...assignments.map(({ schoolId: _s, ...a }) => created('assignment.created', 'teaching_assignment', a, a.classId)),
    ...slots.map(({ schoolId: _s, classId, ...s }) => created('timetable.created', 'timetable_slot', { ...s, validTo: null }, classId)),
  ])
}

/**
 * Imports the weekly timetable of the year that contains the date: subjects, subgroups and
 * teaching assignments are created as needed, and slots valid from the date. Subgroups are
 * created empty; the class teacher puts students into them.
 */
export async function importTimetable(sql: Sql, data: Uint8Array, opts: ImportOptions): Promise<ImportResult<TimetableCounts>> {
  const setup = await loadSetup(sql, opts)
  const counts: TimetableCounts = { slotsCreated: 0, slotsExisting: 0, subjectsCreated: [], subgroupsCreated: 0, assignmentsCreated: 0 }
  const parsed = await readWithHeader(data, TIMETABLE_COLUMNS)
  if ('issues' in parsed) return emptyResult('timetable', setup, { ...opts, orderNumber: undefined }, counts, parsed.issues)
  const snap = await loadTimetableSnapshot(sql, setup)
  const problems = new Problems()
  const good: SlotRow[] = []
  for (const row of parsed.rows) {
    const { value, problems: p } = readSlotRow(parsed.header, row, snap, setup.year.name)
    for (const m of p) problems.add(row.line, m)
    if (value) good.push(value)
  }
  const { ops, warnings } = planTimetable(good, snap, setup, problems)
  const errors = problems.issues()
  if (parsed.header.unknown.length) warnings.unshift(`столбцы не распознаны и пропущены: ${parsed.header.unknown.map((u) => `«${u}»`).join(', ')} / unknown columns skipped`)
  const base = { ...emptyResult('timetable', setup, { ...opts, orderNumber: undefined }, counts, errors, parsed.rows.length), warnings }
  if ((errors.length && !opts.partial) || !ops.length) return base
  const written = await execute(sql, opts, ops, (tx, chunk) => writeTimetableChunk(tx, setup, chunk), errors)
  for (const op of ops) {
    if (!written.has(op.line)) continue
    if (op.slot) counts.slotsCreated++
    else counts.slotsExisting++
    if (op.newSubject) counts.subjectsCreated.push(op.newSubject.name)
    if (op.newSubgroup) counts.subgroupsCreated++
    if (op.newAssignment) counts.assignmentsCreated++
  }
  return { ...base, imported: written.size, written: !opts.dryRun && written.size > 0 }
}

// ================================================================ reporting

/** The summary a person reads after an import, Russian first with English beside. */
export function formatSummary(r: ImportResult<RosterCounts> | ImportResult<TimetableCounts>): string {
  const lines: string[] = []
  const what = r.kind === 'roster' ? 'Список классов / roster' : 'Расписание / timetable'
  lines.push(`${what}: «${r.school.name}», учебный год ${r.year.name}, ${r.kind === 'roster' ? 'зачисление' : 'действует с'} ${r.date}`)
  lines.push(`  строк в файле: ${r.rows}, ${r.dryRun ? 'годных к записи' : 'записано'}: ${r.imported}, с ошибками: ${r.errors.length}` +
    ` / rows: ${r.rows}, ${r.dryRun ? 'would import' : 'imported'}: ${r.imported}, with errors: ${r.errors.length}`)
  if (r.kind === 'roster') {
    const c = r.counts as RosterCounts
    lines.push(`  ученики: создано ${c.studentsCreated}, уже были в классе (пропущены) ${c.studentsExisting}` +
      ` / students: ${c.studentsCreated} created, ${c.studentsExisting} already enrolled (skipped)`)
    lines.push(`  представители: создано ${c.guardiansCreated}, уже были в школе ${c.guardiansExisting}; новых связей с учениками ${c.links}` +
      ` / guardians: ${c.guardiansCreated} created, ${c.guardiansExisting} already known; ${c.links} new links`)
    if (c.classesCreated.length) lines.push(`  классы созданы: ${c.classesCreated.join(', ')} / classes created`)
    lines.push(`  книга движения: записей о зачислении ${c.admissions}, приказ ${r.orderNumber ? `№ ${r.orderNumber}` : 'не указан (--order)'}` +
      ` / movement book: ${c.admissions} admissions, order ${r.orderNumber ?? 'not given'}`)
    lines.push(`  согласия на обработку ПДн: ${c.consents}, даты рождения сохранены: ${c.birthDates} / consents recorded: ${c.consents}, birth dates stored: ${c.birthDates}`)
  } else {
    const c = r.counts as TimetableCounts
    lines.push(`  уроки в расписании: создано ${c.slotsCreated}, уже были (пропущены) ${c.slotsExisting} / slots: ${c.slotsCreated} created, ${c.slotsExisting} already there (skipped)`)
    lines.push(`  нагрузка: новых назначений ${c.assignmentsCreated}, подгрупп создано ${c.subgroupsCreated} / assignments: ${c.assignmentsCreated} created, subgroups: ${c.subgroupsCreated}`)
    if (c.subjectsCreated.length) lines.push(`  предметы созданы: ${c.subjectsCreated.join(', ')} / subjects created`)
    if (c.subgroupsCreated) lines.push('  подгруппы созданы пустыми: классный руководитель распределяет в них учеников / new subgroups are empty')
  }
  if (r.dryRun) lines.push('  пробный запуск: ничего не записано / dry run: nothing written')
  else if (!r.written && r.errors.length) lines.push('  ничего не импортировано: исправьте строки выше или запустите с --partial / nothing imported')
  return lines.join('\n') + '\n'
}

/**
 * A progress display for long files (over 200 rows): on a terminal one line redrawn with \r,
 * `[#####.....] 512/1024`; otherwise a line at every tenth.
 */
export function createProgress(stream: { write(s: string): unknown; isTTY?: boolean }, label = 'импорт') {
  let lastTenth = 0
  let drawn = false
  return {
    update(done: number, total: number) {
      if (total <= 200) return
      if (stream.isTTY) {
        const width = 30
        const filled = Math.round((done / total) * width)
        stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`)
        drawn = true
        return
      }
      const tenth = Math.floor((done * 10) / total)
      if (tenth > lastTenth) {
        lastTenth = tenth
        stream.write(`${label}: ${Math.floor((done * 100) / total)}% (${done}/${total})\n`)
      }
    },
    end() {
      if (drawn) stream.write('\n')
      drawn = false
    },
  }
}
