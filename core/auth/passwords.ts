import { randomInt } from 'node:crypto'
import { hash, verify, parseOptions, type Algorithm, type Options } from '@node-rs/argon2'
import type { FieldIssue } from '../http/errors.ts'

/** argon2id with OWASP's minimum: 19 MiB, t=2, p=1. Raising these rehashes on next login. */
export const ARGON2_PARAMS = Object.freeze({
  algorithm: 2 as Algorithm, // Algorithm.Argon2id (a const enum, not importable as a value)
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
}) satisfies Options

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_PARAMS)
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password)
  } catch {
    return false
  }
}

export function needsRehash(stored: string): boolean {
  try {
    const o = parseOptions(stored)
    return (
      o.algorithm !== ARGON2_PARAMS.algorithm ||
      o.memoryCost < ARGON2_PARAMS.memoryCost ||
      o.timeCost < ARGON2_PARAMS.timeCost ||
      o.parallelism !== ARGON2_PARAMS.parallelism
    )
  } catch {
    return true
  }
}

/** A hash of a random password: verified against when the login does not exist, so that
 * an unknown login costs the same time as a wrong password. */
let dummyHash: Promise<string> | undefined
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(generatePassword())
  return dummyHash
}

// No 0/O, 1/l/I: initial passwords are read off paper slips.
const ALPHABET_LOWER = 'abcdefghijkmnpqrstuvwxyz'
const ALPHABET_UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ'
const DIGITS = '23456789'

/** A 10-character initial password with lower, upper and digits, easy to type from a slip. */
export function generatePassword(length = 10): string {
  const all = ALPHABET_LOWER + ALPHABET_UPPER + DIGITS
  const pick = (s: string) => s[randomInt(s.length)] as string
  const chars = [pick(ALPHABET_LOWER), pick(ALPHABET_UPPER), pick(DIGITS)]
  while (chars.length < length) chars.push(pick(all))
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1)
    ;[chars[i], chars[j]] = [chars[j] as string, chars[i] as string]
  }
  return chars.join('')
}

const COMMON = new Set([
  'password', 'password1', '12345678', '123456789', '1234567890', 'qwertyui', 'qwerty123',
  '11111111', '00000000', 'iloveyou', 'йцукенгш', 'пароль123', 'qwertyuiop', 'abc12345', 'school123',
])

/** A minimal policy: 8–128 characters, a letter and a digit, not the login, not a common one,
 * not the same as before. */
export function checkPasswordPolicy(password: string, ctx: { login: string; oldPassword?: string }): FieldIssue[] {
  const issues: FieldIssue[] = []
  const p = 'newPassword'
  if (password.length < 8) issues.push({ path: p, message: 'must be at least 8 characters' })
  if (password.length > 128) issues.push({ path: p, message: 'must be at most 128 characters' })
  if (!/\p{L}/u.test(password) || !/\p{N}/u.test(password))
    issues.push({ path: p, message: 'must contain a letter and a digit' })
  const lower = password.toLowerCase()
  if (lower.includes(ctx.login.toLowerCase())) issues.push({ path: p, message: 'must not contain the login' })
  if (COMMON.has(lower)) issues.push({ path: p, message: 'is too common' })
  if (ctx.oldPassword !== undefined && password === ctx.oldPassword)
    issues.push({ path: p, message: 'must differ from the current password' })
  return issues
}
