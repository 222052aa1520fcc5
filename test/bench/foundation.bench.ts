/**
 * Foundation benchmark: figures printed, nothing asserted.
 *   - login (argon2id 19 MiB, t=2) through the HTTP API: logins/s and latency
 *   - an authenticated read (GET /v1/persons/:id: token check, session + roles load, policy, query)
 *   - audit rows appended per second with concurrent writers on one school's chain
 * Runs against TEST_DATABASE_URL when set, else the embedded PostgreSQL.
 */
import { writeAudit } from '../../core/audit/audit.ts'
import { run, show } from './measure.ts'
import { bearer, createAccount, createPerson, createSchool, createTestApp, login } from '../helpers/app.ts'


const t = await createTestApp({ config: { logLevel: 'silent' } })
try {
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  const address = t.app.server.address()
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  const mode = t.db.embedded ? 'embedded PGlite' : 'PostgreSQL server'
  console.log(`Zvonok foundation benchmark (${mode}, node ${process.version})`)

  const schoolId = await createSchool(t.sql)
  const studentId = await createPerson(t.sql, schoolId, 'student')
  const guardianId = await createPerson(t.sql, schoolId, 'guardian', { guardianOf: [studentId] })
  const accounts = await Promise.all(Array.from({ length: 40 }, () => createAccount(t.sql, { personId: undefined })))
  const guardian = await createAccount(t.sql, { personId: guardianId, roles: [{ role: 'guardian', schoolId }] })

  const loginRes = await run(accounts.length, 4, async (i) => {
    const a = accounts[i]!
    const r = await fetch(`${base}/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.0.${i}.1` },
      body: JSON.stringify({ login: a.login, password: a.password }),
    })
    if (r.status !== 200) throw new Error(`login ${r.status}`)
    await r.arrayBuffer()
  })
  console.log(`login (argon2id verify), 4 concurrent: ${show(loginRes)}`)

  const tok = await login(t.app, guardian, '10.99.0.1')
  const headers = bearer(tok)
  await run(200, 8, async () => { await (await fetch(`${base}/v1/persons/${studentId}`, { headers })).arrayBuffer() })
  const readRes = await run(3000, 8, async () => {
    const r = await fetch(`${base}/v1/persons/${studentId}`, { headers })
    if (r.status !== 200) throw new Error(`read ${r.status}`)
    await r.arrayBuffer()
  })
  console.log(`authenticated read GET /v1/persons/:id, 8 concurrent: ${show(readRes)}`)

  const auditRes = await run(3000, 8, (i) => t.sql.begin((tx) => writeAudit(tx, {
    schoolId, actorAccountId: null, action: 'bench.write', entityType: 'thing', entityId: String(i), after: { i },
  })))
  console.log(`audit append (one school's chain), 8 concurrent transactions: ${show(auditRes)}`)

  const mem = process.memoryUsage()
  console.log(`memory: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`)
} finally {
  await t.close()
}
