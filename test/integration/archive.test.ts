/**
 * Closing a period freezes its summary sheets in the hash-chained archive: who may close, what
 * the frozen PDF and data say, final marks refused afterwards, and `archive verify` (API and
 * CLI) catching a changed file, a changed entry and a removed entry at the right seq.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canonicalJson } from '../../core/archive/canonical.ts'
import { hashPassword } from '../../core/auth/passwords.ts'
import { createPeriod, setFinalMark } from '../../core/journal/index.ts'
import { runCli } from '../helpers/cli.ts'
import { bearer, createAccount, createClass, createPerson, createTestApp, login, type TestApp } from '../helpers/app.ts'
import { buildJournal, type JournalFixture } from '../helpers/journal-fixture.ts'
import { pdfText } from '../helpers/pdf.ts'

let t: TestApp
let f: JournalFixture
let yearId: string
let yearEndsOn: string
let quarterId: string
let c8: string, c10: string
let deputy: { authorization: string }
let teacher: { authorization: string }
let strangerDeputy: { authorization: string }

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex')

async function call(method: 'GET' | 'POST' | 'DELETE', url: string, headers: { authorization: string }, payload?: unknown) {
  const res = await t.app.inject({ method, url: `/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as object }) })
  return { status: res.statusCode, json: () => res.json(), raw: res.rawPayload, headers: res.headers }
}

interface EntryJson { id: string; seq: number; kind: string; title: string; classId: string; periodId: string; retainUntil: string; printoutCode: string; dataSha256: string; pdfSha256: string; hash: string }

beforeAll(async () => {
  t = await createTestApp()
  f = await buildJournal(t.sql, { students: 3 })
  const [y] = await t.sql<{ id: string; startsOn: string; endsOn: string }[]>`
    select y.id, y.starts_on, y.ends_on from academic_years y join classes c on c.academic_year_id = y.id where c.id = ${f.classId}`
  yearId = y!.id
  yearEndsOn = y!.endsOn
  const startYear = y!.startsOn.slice(0, 4)
  quarterId = (await createPeriod(t.sql, f.admin, f.schoolId, yearId, {
    kind: 'quarter', number: 1, gradeFrom: 1, gradeTo: 9, startsOn: `${startYear}-09-01`, endsOn: `${startYear}-10-31`,
  })).id
  // 8Б is in the quarter's grades, 10А is not (10–11 study by halves)
  c8 = await createClass(t.sql, f.schoolId, 8, 'Б')
  c10 = await createClass(t.sql, f.schoolId, 10, 'А')
  await createPerson(t.sql, f.schoolId, 'student', { classId: c8, lastName: 'Восьмиклассникова', firstName: 'Ева' })
  await createPerson(t.sql, f.schoolId, 'student', { classId: c10, lastName: 'Десятиклассников', firstName: 'Лев' })

  // 7А's quarter finals, tallied by hand:
  //   Ученикова0 Анна: maths 5, russian 5 → отличница
  //   Ученикова1 Борис: maths 4, russian 5 → хорошист
  //   Ученикова2 Вера: maths 2, russian 3 → неуспевающая
  //   on roll 3: успеваемость = (1 + 1) / 3 = 66,7 %; качество = (1 + 1) / 3 = 66,7 %
  const finals: [number, 'maths' | 'russian', number][] = [[0, 'maths', 5], [0, 'russian', 5], [1, 'maths', 4], [1, 'russian', 5], [2, 'maths', 2], [2, 'russian', 3]]
  for (const [i, subject, value] of finals)
    await setFinalMark(t.sql, f.teacher, { periodId: quarterId, subjectId: f.subjects[subject], studentId: f.students[i]!.id, value })

  const deputyP = await createPerson(t.sql, f.schoolId, 'staff', { lastName: 'Завучева', firstName: 'Зоя' })
  deputy = bearer(await login(t.app, await createAccount(t.sql, { personId: deputyP, roles: [{ role: 'deputy', schoolId: f.schoolId }] })))
  // the fixture's subject teacher, given a known password to log in over HTTP
  const password = 'Teacher-pass-0123'
  await t.sql`update accounts set password_hash = ${await hashPassword(password)} where id = ${f.teacher.actor.accountId}`
  const [acc] = await t.sql<{ login: string }[]>`select login from accounts where id = ${f.teacher.actor.accountId}`
  teacher = bearer(await login(t.app, { login: acc!.login, password }))
  const other = await buildJournal(t.sql, { students: 1 })
  const otherP = await createPerson(t.sql, other.schoolId, 'staff', { lastName: 'Чужая' })
  strangerDeputy = bearer(await login(t.app, await createAccount(t.sql, { personId: otherP, roles: [{ role: 'deputy', schoolId: other.schoolId }] })))
}, 60_000)

afterAll(async () => {
  await t?.close()
})

describe('closing a period', () => {
  let entries: EntryJson[]

  it('is refused to a subject teacher (403) and to a deputy of another school (404)', async () => {
    expect((await call('POST', `/periods/${quarterId}/close`, teacher)).status).toBe(403)
    const r = await call('POST', `/periods/${quarterId}/close`, strangerDeputy)
    expect(r.status).toBe(404)
    const [p] = await t.sql`select closed_at from periods where id = ${quarterId}`
    expect(p!.closedAt).toBeNull()
  })

  it('by the deputy freezes a summary sheet per class of the period\'s grades', async () => {
    const r = await call('POST', `/periods/${quarterId}/close`, deputy)
    expect(r.status).toBe(200)
    const body = r.json() as { closedAt: string; entries: EntryJson[] }
    entries = body.entries
    // 7А and 8Б, not 10А; in grade order, seq 1 and 2 of a new chain
    expect(entries.map((e) => [e.seq, e.classId, e.kind])).toEqual([[1, f.classId, 'summary_sheet'], [2, c8, 'summary_sheet']])
    expect(entries[0]!.title).toBe(`Сводная ведомость итоговых отметок за 1 четверть 7А класса, ${yearName()} учебный год`)
    // kept 25 years after the school year ends
    expect(entries[0]!.retainUntil).toBe(`${Number(yearEndsOn.slice(0, 4)) + 25}${yearEndsOn.slice(4)}`)
    const [p] = await t.sql<{ closedAt: Date }[]>`select closed_at from periods where id = ${quarterId}`
    expect(p!.closedAt.toISOString()).toBe(body.closedAt)
    const audit = await t.sql<{ action: string; entityId: string }[]>`
      select action, entity_id from audit_log where school_id = ${f.schoolId} and action in ('period.closed', 'archive.appended') order by seq`
    expect(audit.map((a) => a.action)).toEqual(['archive.appended', 'archive.appended', 'period.closed'])
    expect(audit[2]!.entityId).toBe(quarterId)
  })

  it('archives a PDF that shows the class and its tallies, registered under a verification code', async () => {
    const r = await call('GET', `/archive/${entries[0]!.id}/pdf`, deputy)
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toBe('application/pdf')
    expect(r.headers['x-printout-code']).toBe(entries[0]!.printoutCode)
    expect(sha(r.raw)).toBe(entries[0]!.pdfSha256)
    const text = (await pdfText(r.raw)).join('\n')
    expect(text).toContain('Сводная ведомость итоговых отметок')
    expect(text).toContain('7А класс')
    expect(text).toContain('Ученикова0 Анна')
    expect(text).toMatch(/Отличники 1\b/)
    expect(text).toMatch(/Хорошисты 1\b/)
    expect(text).toMatch(/Неуспевающие 1\b/)
    expect(text).toMatch(/Успеваемость, % 66,7/)
    expect(text).toMatch(/Качество знаний, % 66,7/)
    const code = entries[0]!.printoutCode
    expect(text).toContain(`${code.slice(0, 5)}-${code.slice(5)}`)
    const [printout] = await t.sql<{ kind: string; pdfSha256: string; classId: string }[]>`select kind, pdf_sha256, class_id from printouts where code = ${code}`
    expect(printout).toEqual({ kind: 'summary_sheet', pdfSha256: entries[0]!.pdfSha256, classId: f.classId })
  })

  it('archives the data as canonical JSON whose SHA-256 is the recorded one', async () => {
    const r = await call('GET', `/archive/${entries[0]!.id}/data`, deputy)
    expect(r.status).toBe(200)
    expect(sha(r.raw)).toBe(entries[0]!.dataSha256)
    const text = r.raw.toString('utf8')
    const sheet = JSON.parse(text)
    expect(canonicalJson(sheet)).toBe(text)
    expect(sheet.totals).toMatchObject({ students: 3, excellent: 1, good: 1, failing: 1, progressPercent: 66.7, qualityPercent: 66.7 })
  })

  it('refuses a second close (409 period_closed) and final-mark changes in the closed period (409)', async () => {
    const again = await call('POST', `/periods/${quarterId}/close`, deputy)
    expect(again.status).toBe(409)
    expect(again.json().code).toBe('period_closed')
    const set = await call('POST', '/final-marks', teacher, { periodId: quarterId, subjectId: f.subjects.maths, studentId: f.students[2]!.id, value: 3 })
    expect(set.status).toBe(409)
    expect(set.json().code).toBe('period_closed')
    const [fm] = await t.sql<{ id: string; value: number }[]>`
      select id, value from final_marks where period_id = ${quarterId} and student_id = ${f.students[2]!.id} and subject_id = ${f.subjects.maths} and removed_at is null`
    expect(fm!.value).toBe(2)
    const del = await call('DELETE', `/final-marks/${fm!.id}`, teacher)
    expect(del.status).toBe(409)
    expect(del.json().code).toBe('period_closed')
    // the year period is still open: its final marks go in
    const open = await call('POST', '/final-marks', teacher, { periodId: f.periodId, subjectId: f.subjects.maths, studentId: f.students[2]!.id, value: 3 })
    expect(open.status).toBe(200)
  })

  it('lists the archive for the deputy, not for a subject teacher', async () => {
    const r = await call('GET', `/schools/${f.schoolId}/archive`, deputy)
    expect(r.status).toBe(200)
    expect(r.json().items.map((e: { seq: number; hasPdf: boolean }) => [e.seq, e.hasPdf])).toEqual([[1, true], [2, true]])
    expect((await call('GET', `/schools/${f.schoolId}/archive`, teacher)).status).toBe(403)
    expect((await call('GET', `/archive/${entries[0]!.id}/pdf`, teacher)).status).toBe(403)
    expect((await call('GET', `/archive/${entries[0]!.id}/data`, strangerDeputy)).status).toBe(404)
  })
})

describe('archive verify', () => {
  let bySeq: Map<number, { id: string; title: string; retainUntil: string }>

  const verify = async () => {
    const r = await call('POST', `/schools/${f.schoolId}/archive/verify`, deputy)
    expect(r.status).toBe(200)
    return r.json() as { ok: boolean; entries: number; chains: number; problems: { seq: number; entryId: string | null; problem: string }[] }
  }

  beforeAll(async () => {
    // the year period (grades 1–11) closes too: 7А, 8Б and 10А → seq 3, 4, 5
    const r = await call('POST', `/periods/${f.periodId}/close`, deputy)
    expect(r.status).toBe(200)
    const rows = await t.sql<{ seq: number; id: string; title: string; retainUntil: string }[]>`
      select seq, id, title, retain_until from archive_entries where school_id = ${f.schoolId} order by seq`
    expect(rows.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5])
    bySeq = new Map(rows.map((e) => [e.seq, e]))
  }, 60_000)

  it('finds the chain intact (API and CLI)', async () => {
    expect(await verify()).toEqual({ ok: true, chains: 1, entries: 5, purged: 0, problems: [] })
    const cli = await runArchiveCli(['archive', 'verify', '--school', f.schoolId])
    expect(cli.code).toBe(0)
    expect(cli.out).toBe('archive intact: 5 entries in 1 chains\n')
  })

  it('reports a changed byte of an archived PDF at that entry', async () => {
    const e = bySeq.get(2)!
    const [orig] = await t.sql<{ pdf: Buffer }[]>`select pdf from archive_files where entry_id = ${e.id}`
    const tampered = Buffer.from(orig!.pdf)
    tampered[Math.floor(tampered.length / 2)]! ^= 0x01
    await t.sql`update archive_files set pdf = ${tampered} where entry_id = ${e.id}`
    const r = await verify()
    expect(r.ok).toBe(false)
    expect(r.problems.map((p) => [p.seq, p.entryId, p.problem])).toEqual([[2, e.id, 'pdf_mismatch']])
    const cli = await runArchiveCli(['archive', 'verify'])
    expect(cli.code).toBe(1)
    expect(cli.out).toContain(`seq 2 (entry ${e.id}): pdf_mismatch`)
    await t.sql`update archive_files set pdf = ${orig!.pdf} where entry_id = ${e.id}`
    expect((await verify()).ok).toBe(true)
  })

  it('reports a changed byte of the archived data', async () => {
    const e = bySeq.get(4)!
    const [orig] = await t.sql<{ data: Buffer }[]>`select data from archive_files where entry_id = ${e.id}`
    await t.sql`update archive_files set data = overlay(data placing '9'::bytea from 3 for 1) where entry_id = ${e.id}`
    expect((await verify()).problems.map((p) => [p.seq, p.entryId, p.problem])).toEqual([[4, e.id, 'data_mismatch']])
    await t.sql`update archive_files set data = ${orig!.data} where entry_id = ${e.id}`
    expect((await verify()).ok).toBe(true)
  })

  it("reports an entry's title or retention changed in SQL as a hash mismatch at its seq", async () => {
    const e = bySeq.get(3)!
    await t.sql`update archive_entries set title = ${e.title + ' (исправлено)'} where id = ${e.id}`
    expect((await verify()).problems.map((p) => [p.seq, p.entryId, p.problem])).toEqual([[3, e.id, 'hash_mismatch']])
    await t.sql`update archive_entries set title = ${e.title}, retain_until = '2030-01-01' where id = ${e.id}`
    expect((await verify()).problems.map((p) => [p.seq, p.problem])).toEqual([[3, 'hash_mismatch']])
    await t.sql`update archive_entries set retain_until = ${e.retainUntil} where id = ${e.id}`
    expect((await verify()).ok).toBe(true)
  })

  it('reports an entry deleted from the middle as a gap and a broken link at the next seq', async () => {
    const e = bySeq.get(2)!
    await t.sql`delete from archive_files where entry_id = ${e.id}`
    await t.sql`delete from archive_entries where id = ${e.id}`
    const r = await verify()
    expect(r.entries).toBe(4)
    const next = bySeq.get(3)!
    expect(r.problems.map((p) => [p.seq, p.entryId, p.problem])).toEqual([[3, next.id, 'sequence_gap'], [3, next.id, 'prev_hash_mismatch']])
    const cli = await runArchiveCli(['archive', 'verify', '--school', f.schoolId])
    expect(cli.code).toBe(1)
    expect(cli.out).toContain(`seq 3 (entry ${next.id}): sequence_gap: entries 2–2 are missing before it`)
  })

  it('reports the last entry deleted as a head that does not match', async () => {
    const e = bySeq.get(5)!
    await t.sql`delete from archive_files where entry_id = ${e.id}`
    await t.sql`delete from archive_entries where id = ${e.id}`
    const problems = (await verify()).problems.map((p) => [p.seq, p.problem])
    expect(problems).toContainEqual([5, 'head_mismatch'])
    expect(problems).not.toContainEqual([4, 'hash_mismatch'])
  })

  it('lists the entries through the CLI', async () => {
    const cli = await runArchiveCli(['archive', 'list', '--school', f.schoolId])
    expect(cli.code).toBe(0)
    expect(cli.out).toContain(`school ${f.schoolId}`)
    const retain = `${Number(yearEndsOn.slice(0, 4)) + 25}${yearEndsOn.slice(4)}`
    expect(cli.out).toContain(`    1  summary_sheet  ${retain}    -           Сводная ведомость итоговых отметок за 1 четверть 7А класса, ${yearName()} учебный год\n`)
    expect((await runArchiveCli(['archive', 'frobnicate'])).code).toBe(2)
    expect((await runArchiveCli(['archive', 'verify', '--school', 'nope'])).code).toBe(2)
  })
})

function yearName(): string {
  const y = Number(yearEndsOn.slice(0, 4))
  return `${y - 1}/${y}`
}

/** `zvonok archive …` in this process against the test database; its stdout captured. */
async function runArchiveCli(args: string[]): Promise<{ code: number; out: string }> {
  if (!t.db.url) throw new Error('the CLI test needs the real PostgreSQL: set TEST_DATABASE_URL')
  const r = await runCli(args, { DATABASE_URL: t.db.url, JWT_SECRET: 'archive-test-secret-archive-test-secret-0123' })
  return { code: r.code, out: r.stdout }
}
