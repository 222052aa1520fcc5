/**
 * Accounts and sessions: login, refresh rotation, logout, password change, compromise.
 * Plain functions over SQL; the HTTP plugin signs access tokens and maps errors.
 */
import { voidJournalOperations, type VoidResult } from '../journal/voiding.ts'
import { writeAudit } from '../audit/audit.ts'
import type { Db, Sql } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import type { PersonCard } from '../people/schema.ts'
import {
  checkPasswordPolicy, dummyPasswordHash, hashPassword, needsRehash, verifyPassword,
} from './passwords.ts'
import type { Actor, RoleGrant } from './policy.ts'
import { assertCan } from './policy.ts'
import { blockedFor, clearFailures, recordFailure, throttleKey } from './throttle.ts'
import { newRefreshSecret, parseRefreshToken, secretMatches } from './tokens.ts'

export interface AuthSettings {
  readonly refreshTokenTtl: number
}

export interface ClientInfo {
  readonly ip: string
  readonly userAgent: string | undefined
  readonly requestId?: string
}

export interface SessionTokens {
  readonly accountId: string
  readonly sessionId: string
  readonly refreshToken: string
  readonly mustChangePassword: boolean
}

interface AccountRow {
  id: string
  login: string
  passwordHash: string
  mustChangePassword: boolean
  lockedAt: Date | null
}

/** The school whose audit chain records an account's events: that of its first person or role. */
export async function accountSchoolId(db: Db, accountId: string): Promise<string | null> {
  const [row] = await db<{ schoolId: string | null }[]>`
    select coalesce(
      (select p.school_id from account_persons ap join persons p on p.id = ap.person_id
        where ap.account_id = ${accountId} order by p.created_at limit 1),
      (select school_id from account_roles where account_id = ${accountId} and school_id is not null
        order by granted_at limit 1)
    ) as school_id`
  return row?.schoolId ?? null
}

/** Every school in which an account holds a person or a role. */
export async function accountSchoolIds(db: Db, accountId: string): Promise<string[]> {
  const rows = await db<{ schoolId: string }[]>`
    select p.school_id from account_persons ap join persons p on p.id = ap.person_id where ap.account_id = ${accountId}
    union
    select school_id from account_roles where account_id = ${accountId} and school_id is not null`
  return rows.map((r) => r.schoolId)
}

export async function login(
  sql: Sql,
  settings: AuthSettings,
  input: { login: string; password: string },
  client: ClientInfo,
): Promise<SessionTokens> {
  const loginName = input.login.trim().toLowerCase()
  const loginKey = throttleKey('login', loginName)
  const ipKey = throttleKey('ip', client.ip)
  const wait = await blockedFor(sql, [loginKey, ipKey])
  if (wait > 0) throw errors.rateLimited(wait)

  const [account] = await sql<AccountRow[]>`
    select id, login, password_hash, must_change_password, locked_at from accounts where login = ${loginName}`
  // An unknown login costs one argon2 verification too, so timing says nothing.
  const ok = await verifyPassword(account?.passwordHash ?? (await dummyPasswordHash()), input.password)
  if (!account || !ok) {
    await recordFailure(sql, 'login', loginKey)
    await recordFailure(sql, 'ip', ipKey)
    throw errors.invalidCredentials()
  }
  await clearFailures(sql, loginKey)
  // Locked is said only to whoever knows the password: it reveals nothing about existence.
  if (account.lockedAt) throw new AppError('account_locked', 'The account is locked; ask the school administrator for new credentials')

  const newHash = needsRehash(account.passwordHash) ? await hashPassword(input.password) : null
  const schoolId = await accountSchoolId(sql, account.id)
  return sql.begin(async (tx) => {
    if (newHash) await tx`update accounts set password_hash = ${newHash} where id = ${account.id}`
    await tx`update accounts set last_login_at = now() where id = ${account.id}`
    const tokens = await createSession(tx, settings, account.id, client)
    await writeAudit(tx, {
      schoolId, actorAccountId: account.id, action: 'auth.login', entityType: 'session',
      entityId: tokens.sessionId, after: { ip: client.ip }, requestId: client.requestId ?? null,
    })
    return { ...tokens, mustChangePassword: account.mustChangePassword }
  })
}

async function createSession(db: Db, settings: AuthSettings, accountId: string, client: ClientInfo) {
  const [session] = await db<{ id: string }[]>`
    insert into auth_sessions (account_id, expires_at, user_agent, ip)
    values (${accountId}, now() + make_interval(secs => ${settings.refreshTokenTtl}),
            ${client.userAgent?.slice(0, 300) ?? null}, ${client.ip})
    returning id`
  if (!session) throw new Error('session insert returned nothing')
  const refreshToken = await issueRefreshToken(db, settings, session.id)
  return { accountId, sessionId: session.id, refreshToken }
}

async function issueRefreshToken(db: Db, settings: AuthSettings, sessionId: string): Promise<string> {
  const { secret, hash } = newRefreshSecret()
  const [row] = await db<{ id: string }[]>`
    insert into refresh_tokens (session_id, token_hash, expires_at)
    values (${sessionId}, ${hash}, now() + make_interval(secs => ${settings.refreshTokenTtl}))
    returning id`
  return `${row!.id}.${secret}`
}

/**
 * Rotates a refresh token: the presented one is spent and a new one issued in the same
 * session. Presenting a spent token again means it was stolen or replayed: the whole session
 * is revoked.
 */
export async function refresh(sql: Sql, settings: AuthSettings, token: string): Promise<SessionTokens> {
  const parsed = parseRefreshToken(token)
  const invalid = () => errors.unauthorized('The refresh token is not valid')
  if (!parsed) throw invalid()
  const result = await sql.begin(async (tx) => {
    const [row] = await tx<{
      tokenHash: Buffer; usedAt: Date | null; expired: boolean; sessionId: string; accountId: string
      sessionRevoked: boolean; lockedAt: Date | null; mustChangePassword: boolean
    }[]>`
      select t.token_hash, t.used_at, t.expires_at <= now() as expired, s.id as session_id,
             s.account_id, s.revoked_at is not null or s.expires_at <= now() as session_revoked,
             a.locked_at, a.must_change_password
      from refresh_tokens t
      join auth_sessions s on s.id = t.session_id
      join accounts a on a.id = s.account_id
      where t.id = ${parsed.id}
      for update of t`
    if (!row || !secretMatches(parsed.secret, row.tokenHash)) return null
    if (row.usedAt) {
      await tx`
        update auth_sessions set revoked_at = now(), revoke_reason = 'refresh_token_reuse'
        where id = ${row.sessionId} and revoked_at is null`
      return 'reuse' as const
    }
    if (row.expired || row.sessionRevoked || row.lockedAt) return null
    await tx`update refresh_tokens set used_at = now() where id = ${parsed.id}`
    await tx`update auth_sessions set last_used_at = now() where id = ${row.sessionId}`
    const refreshToken = await issueRefreshToken(tx, settings, row.sessionId)
    return { accountId: row.accountId, sessionId: row.sessionId, refreshToken, mustChangePassword: row.mustChangePassword }
  })
  if (result === null || result === 'reuse') throw invalid()
  return result
}

export async function logout(sql: Sql, actor: Actor): Promise<void> {
  await sql`
    update auth_sessions set revoked_at = now(), revoke_reason = 'logout'
    where id = ${actor.sessionId} and revoked_at is null`
}

/** Revokes every session of the account, this one included. Returns how many. */
export async function logoutAll(sql: Sql, actor: Actor, client: ClientInfo): Promise<number> {
  const schoolId = await accountSchoolId(sql, actor.accountId)
  return sql.begin(async (tx) => {
    const n = await revokeSessions(tx, actor.accountId, 'logout_all')
    await writeAudit(tx, {
      schoolId, actorAccountId: actor.accountId, action: 'auth.logout_all', entityType: 'account',
      entityId: actor.accountId, after: { revokedSessions: n }, requestId: client.requestId ?? null,
    })
    return n
  })
}

export async function revokeSessions(db: Db, accountId: string, reason: string, exceptSessionId?: string): Promise<number> {
  const rows = await db`
    update auth_sessions set revoked_at = now(), revoke_reason = ${reason}
    where account_id = ${accountId} and revoked_at is null
      ${exceptSessionId ? db`and id <> ${exceptSessionId}` : db``}
    returning id`
  return rows.length
}

/** Changes the password; other sessions are revoked, the current one stays. */
export async function changePassword(
  sql: Sql,
  actor: Actor,
  input: { oldPassword: string; newPassword: string },
  client: ClientInfo,
): Promise<void> {
  const [account] = await sql<AccountRow[]>`
    select id, login, password_hash, must_change_password, locked_at from accounts where id = ${actor.accountId}`
  if (!account) throw errors.unauthorized()
  if (!(await verifyPassword(account.passwordHash, input.oldPassword))) {
    await recordFailure(sql, 'login', throttleKey('login', account.login))
    throw new AppError('invalid_credentials', 'The current password is wrong')
  }
  const issues = checkPasswordPolicy(input.newPassword, { login: account.login, oldPassword: input.oldPassword })
  if (issues.length) throw errors.weakPassword(issues)
  const hash = await hashPassword(input.newPassword)
  const schoolId = await accountSchoolId(sql, account.id)
  await sql.begin(async (tx) => {
    await tx`
      update accounts set password_hash = ${hash}, must_change_password = false, password_changed_at = now()
      where id = ${account.id}`
    await revokeSessions(tx, account.id, 'password_changed', actor.sessionId)
    await writeAudit(tx, {
      schoolId, actorAccountId: account.id, action: 'auth.password_changed', entityType: 'account',
      entityId: account.id, requestId: client.requestId ?? null,
    })
  })
}

export interface ActorState {
  readonly actor: Actor
  readonly mustChangePassword: boolean
}

/**
 * Loads the actor behind an access token: the session must be live and the account unlocked.
 * Runs on every authenticated request, so revocation takes effect at once.
 */
export async function loadActor(sql: Sql, accountId: string, sessionId: string): Promise<ActorState | null> {
  const [row] = await sql<{
    mustChangePassword: boolean
    personIds: string[]
    roles: { role: RoleGrant['role']; school_id: string | null; class_id: string | null }[]
  }[]>`
    select a.must_change_password,
      coalesce((select array_agg(person_id order by person_id) from account_persons where account_id = a.id), '{}') as person_ids,
      coalesce((select json_agg(json_build_object('role', role, 'school_id', school_id, 'class_id', class_id))
                from account_roles where account_id = a.id), '[]') as roles
    from accounts a
    join auth_sessions s on s.account_id = a.id
    where a.id = ${accountId} and s.id = ${sessionId}
      and s.revoked_at is null and s.expires_at > now() and a.locked_at is null`
  if (!row) return null
  return {
    mustChangePassword: row.mustChangePassword,
    actor: {
      accountId,
      sessionId,
      personIds: row.personIds,
      roles: row.roles.map((r) => ({ role: r.role, schoolId: r.school_id, classId: r.class_id })),
    },
  }
}

/**
 * A reported credential compromise (school26 3.3–3.4): the account is locked, every session
 * revoked, and the report kept with the time the school learned of it, so that the journal
 * can void what the account did after that time.
 */
export async function reportCompromise(
  sql: Sql,
  actor: Actor,
  input: { accountId: string; learnedAt: Date; note?: string | undefined },
  client: ClientInfo,
): Promise<{ reportId: string; revokedSessions: number; voided: VoidResult }> {
  const schoolIds = await accountSchoolIds(sql, input.accountId)
  const [exists] = await sql`select 1 from accounts where id = ${input.accountId}`
  if (!exists) throw errors.notFound('account', input.accountId)
  assertCan(actor, 'account.reportCompromise', { type: 'account', accountId: input.accountId, schoolIds })
  if (input.learnedAt.getTime() > Date.now() + 60_000)
    throw errors.validation([{ path: 'learnedAt', message: 'must not be in the future' }])
  const schoolId = schoolIds[0] ?? null
  return sql.begin(async (tx) => {
    await tx`
      update accounts set locked_at = now(), lock_reason = 'compromise_reported' where id = ${input.accountId}`
    const revokedSessions = await revokeSessions(tx, input.accountId, 'compromise_reported')
    const [report] = await tx<{ id: string; learnedAt: Date }[]>`
      insert into compromise_reports (account_id, reported_by_account_id, learned_at, note)
      values (${input.accountId}, ${actor.accountId}, least(${input.learnedAt}::timestamptz, now()), ${input.note ?? null})
      returning id, learned_at`
    await writeAudit(tx, {
      schoolId, actorAccountId: actor.accountId, action: 'auth.compromise_reported', entityType: 'account',
      entityId: input.accountId, after: { reportId: report!.id, learnedAt: input.learnedAt.toISOString(), revokedSessions },
      requestId: client.requestId ?? null,
    })
    // school26 3.3–3.4: what the account did in the journal since then is taken back
    const voided = await voidJournalOperations(
      tx, { actor, requestId: client.requestId }, { id: report!.id, accountId: input.accountId, learnedAt: report!.learnedAt },
    )
    return { reportId: report!.id, revokedSessions, voided }
  })
}

/** GET /me: the account, its roles and the name cards of the persons it stands for. */
export async function getMe(sql: Sql, actor: Actor) {
  const [account] = await sql<{ id: string; login: string; mustChangePassword: boolean }[]>`
    select id, login, must_change_password from accounts where id = ${actor.accountId}`
  if (!account) throw errors.unauthorized()
  const persons = await sql<PersonCard[]>`
    select p.id, p.school_id, p.kind, p.last_name, p.first_name, p.middle_name, p.gender
    from account_persons ap join persons p on p.id = ap.person_id
    where ap.account_id = ${actor.accountId} order by p.kind, p.last_name`
  return { account, roles: [...actor.roles], persons }
}
