import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { hashPassword } from '../../core/auth/passwords.ts'
import type { Role } from '../../core/auth/policy.ts'
import { testConfig, type Config } from '../../core/config/config.ts'
import type { Sql } from '../../core/db/connect.ts'
import { buildApp } from '../../core/http/app.ts'
import { createTestDb, type TestDb } from './db.ts'

export interface TestApp {
  readonly app: FastifyInstance
  readonly db: TestDb
  readonly sql: Sql
  readonly config: Config
  /** everything the app logged, for checks that secrets stay out of logs */
  readonly logs: () => string
  close(): Promise<void>
}

export async function createTestApp(opts: { config?: Partial<Config>; beforeReady?: (app: FastifyInstance) => void } = {}): Promise<TestApp> {
  const db = await createTestDb()
  const config = testConfig({ logLevel: 'info', ...opts.config })
  let logged = ''
  const logStream = new Writable({ write(chunk, _enc, cb) { logged += String(chunk); cb() } })
  const app = await buildApp({ config, sql: db.sql, logStream })
  opts.beforeReady?.(app)
  await app.ready()
  return {
    app, db, sql: db.sql, config, logs: () => logged,
    async close() {
      await app.close()
      await db.close()
    },
  }
}

let counter = 0
const unique = () => `${process.pid.toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`

export async function createSchool(sql: Sql, name = 'Тестовая школа'): Promise<string> {
  const [s] = await sql<{ id: string }[]>`insert into schools (name, timezone) values (${name}, 'Europe/Moscow') returning id`
  return s!.id
}

/** The school year containing today (1 September – 31 August), created on first use. */
export async function currentYear(sql: Sql, schoolId: string): Promise<string> {
  const now = new Date()
  const y = now.getUTCMonth() >= 7 ? now.getUTCFullYear() : now.getUTCFullYear() - 1
  const [row] = await sql<{ id: string }[]>`
    insert into academic_years (school_id, name, starts_on, ends_on) values (${schoolId}, ${`${y}/${y + 1}`}, ${`${y}-09-01`}, ${`${y + 1}-08-31`})
    on conflict (school_id, starts_on) do update set name = excluded.name returning id`
  return row!.id
}

export async function createClass(sql: Sql, schoolId: string, grade: number, letter: string): Promise<string> {
  const yearId = await currentYear(sql, schoolId)
  const [c] = await sql<{ id: string }[]>`
    insert into classes (school_id, academic_year_id, grade, letter) values (${schoolId}, ${yearId}, ${grade}, ${letter}) returning id`
  return c!.id
}

export async function createPerson(
  sql: Sql, schoolId: string, kind: 'student' | 'guardian' | 'staff',
  opts: { classId?: string; guardianOf?: string[]; lastName?: string; firstName?: string } = {},
): Promise<string> {
  const [p] = await sql<{ id: string }[]>`
    insert into persons (school_id, kind, last_name, first_name, middle_name)
    values (${schoolId}, ${kind}, ${opts.lastName ?? 'Петров'}, ${opts.firstName ?? 'Пётр'}, 'Петрович') returning id`
  if (opts.classId) await sql`insert into enrolments (student_id, class_id, started_on) values (${p!.id}, ${opts.classId}, '2026-09-01')`
  for (const s of opts.guardianOf ?? []) await sql`insert into guardianships (guardian_id, student_id, relation) values (${p!.id}, ${s}, 'mother')`
  return p!.id
}

export interface TestAccount {
  readonly accountId: string
  readonly login: string
  readonly password: string
}

/** An account with a known password; mustChangePassword false unless asked. */
export async function createAccount(
  sql: Sql,
  opts: { personId?: string; roles?: { role: Role; schoolId: string | null; classId?: string }[]; mustChange?: boolean; password?: string } = {},
): Promise<TestAccount> {
  const login = `u${unique()}`
  const password = opts.password ?? `Pw-${unique()}-9`
  const hash = await hashPassword(password)
  const [a] = await sql<{ id: string }[]>`
    insert into accounts (login, password_hash, must_change_password)
    values (${login}, ${hash}, ${opts.mustChange ?? false}) returning id`
  if (opts.personId) await sql`insert into account_persons (account_id, person_id) values (${a!.id}, ${opts.personId})`
  for (const r of opts.roles ?? [])
    await sql`insert into account_roles (account_id, role, school_id, class_id) values (${a!.id}, ${r.role}, ${r.schoolId}, ${r.classId ?? null})`
  return { accountId: a!.id, login, password }
}

export interface Tokens {
  accessToken: string
  refreshToken: string
  mustChangePassword: boolean
}

export async function login(app: FastifyInstance, account: { login: string; password: string }, ip = '10.0.0.1'): Promise<Tokens> {
  const res = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { login: account.login, password: account.password }, remoteAddress: ip })
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`)
  return res.json()
}

export const bearer = (t: { accessToken: string }) => ({ authorization: `Bearer ${t.accessToken}` })
