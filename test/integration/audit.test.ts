import { afterAll, beforeAll, expect, test } from 'vitest'
import { verifyAudit, writeAudit } from '../../core/audit/audit.ts'
import { createSchool } from '../helpers/app.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'

let db: TestDb
let schoolA: string
let schoolB: string
beforeAll(async () => {
  db = await createTestDb()
  schoolA = await createSchool(db.sql, 'Школа А')
  schoolB = await createSchool(db.sql, 'Школа Б')
})
afterAll(async () => { await db?.close() })

const entry = (schoolId: string | null, i: number) => ({
  schoolId, actorAccountId: null, action: 'test.write', entityType: 'thing', entityId: String(i),
  before: { v: i - 1 }, after: { v: i, text: 'оценка «5»', nested: { b: 2, a: 1 } },
})

test('each school has its own unbroken chain, and so does the system', async () => {
  for (let i = 1; i <= 3; i++) {
    await writeAudit(db.sql, entry(schoolA, i))
    await writeAudit(db.sql, entry(schoolB, i))
    await writeAudit(db.sql, entry(null, i))
  }
  const rows = await db.sql<{ schoolId: string | null; seq: number }[]>`
    select school_id, seq from audit_log where action = 'test.write' order by school_id nulls first, seq`
  expect(rows.filter((r) => r.schoolId === schoolA).map((r) => r.seq)).toEqual([1, 2, 3])
  expect(rows.filter((r) => r.schoolId === null).map((r) => r.seq)).toEqual([1, 2, 3])
  const r = await verifyAudit(db.sql)
  expect(r).toMatchObject({ ok: true, broken: [] })
  expect(r.chains).toBe(3)
})

test('concurrent writers of one school cannot fork the chain', async () => {
  // separate transactions racing for the same head row
  await Promise.all(Array.from({ length: 40 }, (_, i) => db.sql.begin((tx) => writeAudit(tx, entry(schoolA, 100 + i)))))
  const seqs = await db.sql<{ seq: number }[]>`select seq from audit_log where school_id = ${schoolA} order by seq`
  expect(seqs.map((s) => s.seq)).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1))
  expect((await verifyAudit(db.sql)).ok).toBe(true)
})

test('a rolled-back change leaves no audit row and no gap', async () => {
  const before = await db.sql<{ n: number }[]>`select count(*)::int as n from audit_log where school_id = ${schoolB}`
  await expect(db.sql.begin(async (tx) => {
    await writeAudit(tx, entry(schoolB, 999))
    throw new Error('change failed')
  })).rejects.toThrow('change failed')
  const after = await db.sql<{ n: number }[]>`select count(*)::int as n from audit_log where school_id = ${schoolB}`
  expect(after[0]!.n).toBe(before[0]!.n)
  await writeAudit(db.sql, entry(schoolB, 1000))
  expect((await verifyAudit(db.sql)).ok).toBe(true)
})

test('UPDATE, DELETE and TRUNCATE are refused', async () => {
  await expect(db.sql`update audit_log set action = 'x' where school_id = ${schoolA}`).rejects.toThrow(/append-only/)
  await expect(db.sql`delete from audit_log where school_id = ${schoolA}`).rejects.toThrow(/append-only/)
  await expect(db.sql`truncate audit_log`).rejects.toThrow(/append-only/)
  await expect(db.sql`delete from audit_heads`).rejects.toThrow(/append-only/)
})


test('a row altered behind the trigger is found, at its seq', async () => {
  const [target] = await db.sql<{ id: number; seq: number }[]>`
    select id, seq from audit_log where school_id = ${schoolA} order by seq offset 4 limit 1`
  await db.sql.begin(async (tx) => {
    await tx`alter table audit_log disable trigger audit_log_no_update`
    await tx`update audit_log set after = '{"v": 5, "forged": true}' where id = ${target!.id}`
    await tx`alter table audit_log enable trigger audit_log_no_update`
  })
  const r = await verifyAudit(db.sql)
  expect(r.ok).toBe(false)
  expect(r.broken).toEqual([{ schoolId: schoolA, seq: target!.seq, id: target!.id, reason: 'hash_mismatch' }])
})

test('a deleted middle row and a cut tail are found', async () => {
  const [mid] = await db.sql<{ id: number; seq: number }[]>`
    select id, seq from audit_log where school_id = ${schoolB} order by seq offset 1 limit 1`
  await db.sql.begin(async (tx) => {
    await tx`alter table audit_log disable trigger audit_log_no_update`
    await tx`delete from audit_log where id = ${mid!.id}`
    await tx`alter table audit_log enable trigger audit_log_no_update`
  })
  const r1 = await verifyAudit(db.sql)
  expect(r1.broken.find((b) => b.schoolId === schoolB)).toMatchObject({ seq: mid!.seq + 1, reason: 'sequence_gap' })

  const [last] = await db.sql<{ id: number; seq: number }[]>`
    select id, seq from audit_log where school_id is null order by seq desc limit 1`
  await db.sql.begin(async (tx) => {
    await tx`alter table audit_log disable trigger audit_log_no_update`
    await tx`delete from audit_log where id = ${last!.id}`
    await tx`alter table audit_log enable trigger audit_log_no_update`
  })
  const r2 = await verifyAudit(db.sql)
  expect(r2.broken.find((b) => b.schoolId === null)).toMatchObject({ reason: 'head_mismatch', seq: last!.seq })
})
