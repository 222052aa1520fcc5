import { writeAudit } from '../audit/audit.ts'
import { createAccountFor } from '../auth/credentials.ts'
import { generatePassword, hashPassword } from '../auth/passwords.ts'
import type { Sql } from '../db/connect.ts'
import { errors } from '../http/errors.ts'

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return tz.includes('/') || tz === 'UTC'
  } catch {
    return false
  }
}

/** A new school with its first admin (a staff card and an account with a one-time password). */
export async function bootstrapSchool(
  sql: Sql,
  input: { schoolName: string; timezone: string; adminLastName: string; adminFirstName: string },
): Promise<{ schoolId: string; login: string; password: string }> {
  if (!isValidTimeZone(input.timezone))
    throw errors.validation([{ path: 'timezone', message: 'must be an IANA time zone such as Europe/Moscow' }])
  const password = generatePassword()
  const passwordHash = await hashPassword(password)
  return sql.begin(async (tx) => {
    const [school] = await tx<{ id: string }[]>`
      insert into schools (name, timezone) values (${input.schoolName}, ${input.timezone}) returning id`
    const [person] = await tx<{ id: string }[]>`
      insert into persons (school_id, kind, last_name, first_name)
      values (${school!.id}, 'staff', ${input.adminLastName}, ${input.adminFirstName}) returning id`
    const person0 = { lastName: input.adminLastName, firstName: input.adminFirstName, middleName: null }
    const { accountId, login } = await createAccountFor(tx, {
      personId: person!.id, person: person0, passwordHash, roles: [{ role: 'admin', schoolId: school!.id }],
    })
    await writeAudit(tx, {
      schoolId: school!.id, actorAccountId: null, action: 'school.bootstrapped', entityType: 'school',
      entityId: school!.id, after: { name: input.schoolName, timezone: input.timezone, adminAccountId: accountId },
    })
    return { schoolId: school!.id, login, password }
  })
}
