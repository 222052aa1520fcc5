import type { Db } from '../db/connect.ts'

/**
 * Login throttling with growing delays, per login and per client address. Counters live in
 * PostgreSQL so every api process sees the same ones. A key that has failed `free` times
 * is blocked for 2, 4, 8 … seconds (at most 15 minutes) after each further failure; an hour
 * without failures forgets it. Unknown logins are counted like known ones, so throttling
 * says nothing about whether a login exists.
 */
export const THROTTLE = Object.freeze({
  login: { free: 5 },
  ip: { free: 20 },
  maxDelaySeconds: 900,
  forgetAfterSeconds: 3600,
})

export type ThrottleKind = keyof Pick<typeof THROTTLE, 'login' | 'ip'>

export function throttleKey(kind: ThrottleKind, value: string): string {
  return `${kind}:${value.toLowerCase()}`
}

/** Seconds until the first of the keys is unblocked, or 0. */
export async function blockedFor(db: Db, keys: string[]): Promise<number> {
  const [row] = await db<{ wait: number | null }[]>`
    select ceil(extract(epoch from max(blocked_until) - now()))::int as wait
    from login_throttle where key in ${db(keys)} and blocked_until > now()`
  return row?.wait ?? 0
}

export async function recordFailure(db: Db, kind: ThrottleKind, key: string): Promise<void> {
  const { free } = THROTTLE[kind]
  // one statement: count the failure (forgetting old ones) and set the block it earns
  await db`
    insert into login_throttle as t (key, failures, last_failure)
    values (${key}, 1, now())
    on conflict (key) do update set
      failures = excluded.failures + case
        when t.last_failure < now() - make_interval(secs => ${THROTTLE.forgetAfterSeconds}) then 0 else t.failures end,
      last_failure = now(),
      blocked_until = case
        when t.last_failure < now() - make_interval(secs => ${THROTTLE.forgetAfterSeconds}) or t.failures + 1 <= ${free}
          then t.blocked_until
        else now() + make_interval(secs => least(${THROTTLE.maxDelaySeconds}, power(2, t.failures + 1 - ${free})))
      end`
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db`delete from login_throttle where key = ${key}`
}
