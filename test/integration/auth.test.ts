import { hash } from '@node-rs/argon2'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ARGON2_PARAMS, needsRehash } from '../../core/auth/passwords.ts'
import { bearer, createAccount, createPerson, createSchool, createTestApp, login, type TestApp } from '../helpers/app.ts'

let t: TestApp
let schoolId: string
beforeAll(async () => {
  t = await createTestApp()
  schoolId = await createSchool(t.sql)
})
afterAll(async () => { await t?.close() })

const post = (url: string, payload: unknown, headers: Record<string, string> = {}, ip = '10.0.0.1') =>
  t.app.inject({ method: 'POST', url, payload: payload as object, headers, remoteAddress: ip })
const me = (tok: { accessToken: string }) => t.app.inject({ url: '/v1/me', headers: bearer(tok) })

async function person(kind: 'student' | 'guardian' | 'staff' = 'guardian') {
  return createPerson(t.sql, schoolId, kind)
}

describe('login', () => {
  test('right password gives a token pair that opens /me', async () => {
    const personId = await person()
    const acc = await createAccount(t.sql, { personId, roles: [{ role: 'guardian', schoolId }] })
    const res = await post('/v1/auth/login', { login: acc.login, password: acc.password })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ tokenType: 'Bearer', mustChangePassword: false, expiresIn: 900 })
    const m = await me(body)
    expect(m.statusCode).toBe(200)
    expect(m.json().account.login).toBe(acc.login)
    expect(m.json().persons.map((p: { id: string }) => p.id)).toEqual([personId])
    expect(m.json().roles).toEqual([{ role: 'guardian', schoolId, classId: null }])
    // login is audited
    const rows = await t.sql`select entity_id from audit_log where actor_account_id = ${acc.accountId} and action = 'auth.login'`
    expect(rows).toHaveLength(1)
  })

  test('the login is case-insensitive and trimmed', async () => {
    const acc = await createAccount(t.sql)
    const res = await post('/v1/auth/login', { login: ` ${acc.login.toUpperCase()} `, password: acc.password }, {}, '10.1.0.1')
    expect(res.statusCode).toBe(200)
  })

  test('a wrong password and an unknown login answer the same 401', async () => {
    const acc = await createAccount(t.sql)
    const wrong = await post('/v1/auth/login', { login: acc.login, password: 'not-it-123' }, {}, '10.2.0.1')
    const unknown = await post('/v1/auth/login', { login: 'nobody.here', password: 'not-it-123' }, {}, '10.2.0.2')
    expect(wrong.statusCode).toBe(401)
    expect(unknown.statusCode).toBe(401)
    expect(wrong.headers['content-type']).toMatch(/^application\/problem\+json/)
    const strip = (b: { instance?: string }) => ({ ...b, instance: undefined })
    expect(strip(wrong.json())).toEqual(strip(unknown.json()))
    expect(wrong.json().code).toBe('invalid_credentials')
  })

  test('a token from another secret or a garbage token is refused', async () => {
    const r1 = await t.app.inject({ url: '/v1/me', headers: { authorization: 'Bearer abc.def.ghi' } })
    expect(r1.statusCode).toBe(401)
    expect(r1.json().code).toBe('unauthorized')
    const r2 = await t.app.inject({ url: '/v1/me' })
    expect(r2.statusCode).toBe(401)
    const forged = t.app.jwt.sign({ sub: '00000000-0000-4000-8000-000000000000', sid: '00000000-0000-4000-8000-000000000000' })
    const r3 = await t.app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${forged}` } })
    expect(r3.statusCode).toBe(401) // signed right, but no such session
  })

  test('a password hashed with weaker parameters is rehashed on login', async () => {
    const acc = await createAccount(t.sql)
    const weak = await hash(acc.password, { ...ARGON2_PARAMS, memoryCost: 4096, timeCost: 1 })
    await t.sql`update accounts set password_hash = ${weak} where id = ${acc.accountId}`
    expect(needsRehash(weak)).toBe(true)
    await login(t.app, acc, '10.3.0.1')
    const [row] = await t.sql<{ passwordHash: string }[]>`select password_hash from accounts where id = ${acc.accountId}`
    expect(row!.passwordHash).not.toBe(weak)
    expect(row!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    await login(t.app, acc, '10.3.0.1')
  })
})

describe('forced password change', () => {
  test('until the initial password is changed every route but the change answers 403', async () => {
    const personId = await person()
    const acc = await createAccount(t.sql, { personId, roles: [{ role: 'guardian', schoolId }], mustChange: true })
    const tok = await login(t.app, acc, '10.4.0.1')
    expect(tok.mustChangePassword).toBe(true)
    for (const url of ['/v1/me', `/v1/persons/${personId}`, `/v1/schools/${schoolId}`]) {
      const r = await t.app.inject({ url, headers: bearer(tok) })
      expect(r.statusCode).toBe(403)
      expect(r.json().code).toBe('password_change_required')
    }
    // the policy refuses weak passwords, with the reasons
    const weak = await post('/v1/auth/password', { oldPassword: acc.password, newPassword: 'short' }, bearer(tok))
    expect(weak.statusCode).toBe(422)
    expect(weak.json().code).toBe('weak_password')
    expect(weak.json().issues.length).toBeGreaterThan(0)
    const withLogin = await post('/v1/auth/password', { oldPassword: acc.password, newPassword: `${acc.login}123` }, bearer(tok))
    expect(withLogin.json().code).toBe('weak_password')
    const wrongOld = await post('/v1/auth/password', { oldPassword: 'wrong-one-1', newPassword: 'Good-pass-2026' }, bearer(tok))
    expect(wrongOld.statusCode).toBe(401)

    const ok = await post('/v1/auth/password', { oldPassword: acc.password, newPassword: 'Good-pass-2026' }, bearer(tok))
    expect(ok.statusCode).toBe(204)
    expect((await me(tok)).statusCode).toBe(200)
    // the old password no longer works, the new one does and needs no change
    const old = await post('/v1/auth/login', { login: acc.login, password: acc.password }, {}, '10.4.0.2')
    expect(old.statusCode).toBe(401)
    const fresh = await login(t.app, { login: acc.login, password: 'Good-pass-2026' }, '10.4.0.3')
    expect(fresh.mustChangePassword).toBe(false)
  })

  test('changing the password ends the other sessions but keeps this one', async () => {
    const acc = await createAccount(t.sql)
    const a = await login(t.app, acc, '10.5.0.1')
    const b = await login(t.app, acc, '10.5.0.1')
    expect((await post('/v1/auth/password', { oldPassword: acc.password, newPassword: 'Another-pass-77' }, bearer(a))).statusCode).toBe(204)
    expect((await me(a)).statusCode).toBe(200)
    expect((await me(b)).statusCode).toBe(401)
    expect((await post('/v1/auth/refresh', { refreshToken: b.refreshToken })).statusCode).toBe(401)
  })
})

describe('refresh rotation', () => {
  test('a refresh token works once; presenting it again revokes the session', async () => {
    const acc = await createAccount(t.sql)
    const first = await login(t.app, acc, '10.6.0.1')
    const r1 = await post('/v1/auth/refresh', { refreshToken: first.refreshToken })
    expect(r1.statusCode).toBe(200)
    const second = r1.json()
    expect(second.refreshToken).not.toBe(first.refreshToken)
    expect((await me(second)).statusCode).toBe(200)

    // the spent token is refused …
    const replay = await post('/v1/auth/refresh', { refreshToken: first.refreshToken })
    expect(replay.statusCode).toBe(401)
    expect(replay.json().code).toBe('unauthorized')
    // … and its replay ended the whole session: the newer tokens die too
    expect((await post('/v1/auth/refresh', { refreshToken: second.refreshToken })).statusCode).toBe(401)
    expect((await me(second)).statusCode).toBe(401)
  })

  test('a malformed or forged refresh token is refused', async () => {
    const acc = await createAccount(t.sql)
    const tok = await login(t.app, acc, '10.6.0.2')
    const [id] = tok.refreshToken.split('.')
    for (const refreshToken of ['nonsense', `${id}.${'A'.repeat(43)}`, `00000000-0000-4000-8000-000000000000.${'B'.repeat(43)}`]) {
      const r = await post('/v1/auth/refresh', { refreshToken })
      expect(r.statusCode).toBe(401)
    }
    // the real token still works after forged attempts against its id
    expect((await post('/v1/auth/refresh', { refreshToken: tok.refreshToken })).statusCode).toBe(200)
  })
})

describe('logout', () => {
  test('logout ends this session only', async () => {
    const acc = await createAccount(t.sql)
    const a = await login(t.app, acc, '10.7.0.1')
    const b = await login(t.app, acc, '10.7.0.1')
    expect((await post('/v1/auth/logout', {}, bearer(a))).statusCode).toBe(204)
    expect((await me(a)).statusCode).toBe(401)
    expect((await post('/v1/auth/refresh', { refreshToken: a.refreshToken })).statusCode).toBe(401)
    expect((await me(b)).statusCode).toBe(200)
  })

  test('logout-all ends every session of the account at once', async () => {
    const acc = await createAccount(t.sql)
    const other = await createAccount(t.sql)
    const sessions = [await login(t.app, acc, '10.8.0.1'), await login(t.app, acc, '10.8.0.2'), await login(t.app, acc, '10.8.0.3')]
    const bystander = await login(t.app, other, '10.8.0.4')
    const r = await post('/v1/auth/logout-all', {}, bearer(sessions[0]!))
    expect(r.statusCode).toBe(200)
    expect(r.json().revokedSessions).toBe(3)
    for (const s of sessions) {
      expect((await me(s)).statusCode).toBe(401)
      expect((await post('/v1/auth/refresh', { refreshToken: s.refreshToken })).statusCode).toBe(401)
    }
    expect((await me(bystander)).statusCode).toBe(200)
  })
})

describe('throttling', () => {
  test('repeated failures for a login block it with growing delays, whoever asks', async () => {
    const acc = await createAccount(t.sql)
    const ips = ['10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5']
    for (const ip of ips) expect((await post('/v1/auth/login', { login: acc.login, password: 'wrong-1' }, {}, ip)).statusCode).toBe(401)
    const sixth = await post('/v1/auth/login', { login: acc.login, password: 'wrong-1' }, {}, '10.9.0.6')
    expect(sixth.statusCode).toBe(401) // the failure that starts the block
    const blocked = await post('/v1/auth/login', { login: acc.login, password: acc.password }, {}, '10.9.0.7')
    expect(blocked.statusCode).toBe(429)
    expect(blocked.json().code).toBe('rate_limited')
    expect(blocked.json().retryAfter).toBeGreaterThan(0)
    expect(Number(blocked.headers['retry-after'])).toBe(blocked.json().retryAfter)

    // the delay grows with further failures
    await t.sql`update login_throttle set blocked_until = now() - interval '1 second' where key = ${'login:' + acc.login}`
    await post('/v1/auth/login', { login: acc.login, password: 'wrong-1' }, {}, '10.9.0.8')
    const [row] = await t.sql<{ wait: number }[]>`
      select extract(epoch from blocked_until - now())::float as wait from login_throttle where key = ${'login:' + acc.login}`
    expect(row!.wait).toBeGreaterThan(2)

    // once the block expires, the right password works and clears the counter
    await t.sql`update login_throttle set blocked_until = now() - interval '1 second' where key = ${'login:' + acc.login}`
    expect((await post('/v1/auth/login', { login: acc.login, password: acc.password }, {}, '10.9.0.9')).statusCode).toBe(200)
    expect(await t.sql`select 1 from login_throttle where key = ${'login:' + acc.login}`).toHaveLength(0)
  })

  test('an unknown login is throttled exactly like a known one', async () => {
    const answers: number[] = []
    for (let i = 0; i < 7; i++) answers.push((await post('/v1/auth/login', { login: 'ghost.user', password: 'x-1' }, {}, `10.10.0.${i}`)).statusCode)
    expect(answers).toEqual([401, 401, 401, 401, 401, 401, 429])
  })

  test('one address trying many logins is throttled', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 22; i++) statuses.push((await post('/v1/auth/login', { login: `spray${i}`, password: 'x-1' }, {}, '10.11.0.1')).statusCode)
    expect(statuses.slice(0, 21).every((s) => s === 401)).toBe(true)
    expect(statuses[21]).toBe(429)
    // another address is not affected
    const acc = await createAccount(t.sql)
    expect((await post('/v1/auth/login', { login: acc.login, password: acc.password }, {}, '10.11.0.2')).statusCode).toBe(200)
  })
})

describe('credential compromise', () => {
  test('a self-report locks the account, ends its sessions and is recorded with the time learned', async () => {
    const acc = await createAccount(t.sql, { personId: await person(), roles: [{ role: 'guardian', schoolId }] })
    const a = await login(t.app, acc, '10.12.0.1')
    const b = await login(t.app, acc, '10.12.0.2')
    const learnedAt = new Date(Date.now() - 3_600_000).toISOString()
    const r = await post('/v1/auth/compromise', { learnedAt, note: 'пароль видели посторонние' }, bearer(a))
    expect(r.statusCode).toBe(200)
    expect(r.json().revokedSessions).toBe(2)
    expect((await me(a)).statusCode).toBe(401)
    expect((await me(b)).statusCode).toBe(401)
    expect((await post('/v1/auth/refresh', { refreshToken: b.refreshToken })).statusCode).toBe(401)
    // the right password now says "locked"; a wrong one says nothing more than usual
    const locked = await post('/v1/auth/login', { login: acc.login, password: acc.password }, {}, '10.12.0.3')
    expect(locked.statusCode).toBe(403)
    expect(locked.json().code).toBe('account_locked')
    expect((await post('/v1/auth/login', { login: acc.login, password: 'wrong-2' }, {}, '10.12.0.4')).json().code).toBe('invalid_credentials')
    const [report] = await t.sql<{ learnedAt: Date; voidedAt: Date | null }[]>`
      select learned_at, voided_at from compromise_reports where account_id = ${acc.accountId}`
    expect(report!.learnedAt.toISOString()).toBe(learnedAt)
    // the journal voiding ran in the same transaction (nothing to take back for this account)
    expect(report!.voidedAt).toBeInstanceOf(Date)
    const audit = await t.sql<{ actorAccountId: string }[]>`
      select actor_account_id from audit_log where action = 'auth.compromise_reported' and entity_id = ${acc.accountId}`
    expect(audit).toEqual([{ actorAccountId: acc.accountId }])
  })

  test('an admin reports another account; reissued credentials unlock it; others may not report', async () => {
    const studentId = await person('student')
    const victim = await createAccount(t.sql, { personId: studentId, roles: [{ role: 'student', schoolId }] })
    const admin = await createAccount(t.sql, { personId: await person('staff'), roles: [{ role: 'admin', schoolId }] })
    const stranger = await createAccount(t.sql, { personId: await person(), roles: [{ role: 'guardian', schoolId }] })
    const v = await login(t.app, victim, '10.13.0.1')
    const adm = await login(t.app, admin, '10.13.0.2')
    const str = await login(t.app, stranger, '10.13.0.3')
    const body = { learnedAt: new Date().toISOString() }

    const refused = await post(`/v1/accounts/${victim.accountId}/compromise`, body, bearer(str))
    expect(refused.statusCode).toBe(403)
    expect((await me(v)).statusCode).toBe(200)

    const future = await post(`/v1/accounts/${victim.accountId}/compromise`, { learnedAt: new Date(Date.now() + 86_400_000).toISOString() }, bearer(adm))
    expect(future.statusCode).toBe(400)

    expect((await post(`/v1/accounts/${victim.accountId}/compromise`, body, bearer(adm))).statusCode).toBe(200)
    expect((await me(v)).statusCode).toBe(401)

    const issued = await post('/v1/credentials/issue', { personIds: [studentId] }, bearer(adm))
    expect(issued.statusCode).toBe(200)
    const [slip] = issued.json().slips
    expect(slip.login).toBe(victim.login)
    expect(slip.reissued).toBe(true)
    const again = await login(t.app, { login: slip.login, password: slip.password }, '10.13.0.4')
    expect(again.mustChangePassword).toBe(true)
    expect((await post('/v1/auth/login', { login: victim.login, password: victim.password }, {}, '10.13.0.5')).statusCode).toBe(401)
  })
})
