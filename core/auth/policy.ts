/**
 * The one place that decides who may do what. Routes and services ask `can`/`assertCan`;
 * nothing decides inline. The function is pure: callers load the facts about the resource
 * (its school, class, guardians) and pass them in.
 */
import { errors } from '../http/errors.ts'

export const ROLES = [
  'admin', 'coordinator', 'director', 'deputy', 'secretary', 'teacher', 'class_teacher',
  'moderator', 'parent_liaison', 'guardian', 'student', 'authority',
] as const
export type Role = (typeof ROLES)[number]

export interface RoleGrant {
  readonly role: Role
  /** null: every school (a regional admin or authority) */
  readonly schoolId: string | null
  /** set for class-scoped roles (class_teacher, parent_liaison) */
  readonly classId: string | null
}

export interface Actor {
  readonly accountId: string
  readonly sessionId: string
  readonly personIds: readonly string[]
  readonly roles: readonly RoleGrant[]
}

export interface SchoolResource {
  readonly type: 'school'
  readonly schoolId: string
}

export interface PersonResource {
  readonly type: 'person'
  readonly schoolId: string
  readonly personId: string
  readonly kind: 'student' | 'guardian' | 'staff'
  /** classes the person belongs to: a student's class, a guardian's children's classes */
  readonly classIds: readonly string[]
  /** for a student, the guardians' person ids */
  readonly guardianIds: readonly string[]
}

export interface AccountResource {
  readonly type: 'account'
  readonly accountId: string
  /** schools in which the account holds a role or a person */
  readonly schoolIds: readonly string[]
}

export interface ClassResource {
  readonly type: 'class'
  readonly schoolId: string
  readonly classId: string
}

export type Resource = SchoolResource | ClassResource | PersonResource | AccountResource

export type Action =
  | 'school.read'
  | 'school.readAudit'
  | 'school.listPeople'
  | 'class.readRoster'
  | 'role.grant'
  | 'person.create'
  | 'person.read'
  | 'person.readContacts'
  | 'person.readSensitive'
  | 'person.writeSensitive'
  | 'consent.record'
  | 'guardianship.manage'
  | 'credentials.issue'
  | 'account.reportCompromise'

/** Roles that read the whole school's name cards. */
const SCHOOL_READERS: readonly Role[] = ['admin', 'coordinator', 'director', 'deputy', 'secretary', 'teacher', 'class_teacher', 'moderator']
/** Roles that read contacts across the school. */
const CONTACT_READERS: readonly Role[] = ['admin', 'director', 'deputy', 'secretary']
/** Few roles read documents, SNILS, health and address (DESIGN: sensitive fields). */
const SENSITIVE_READERS: readonly Role[] = ['admin', 'director', 'secretary']
const PEOPLE_MANAGERS: readonly Role[] = ['admin', 'secretary']

function inSchool(g: RoleGrant, schoolId: string): boolean {
  return g.schoolId === null || g.schoolId === schoolId
}

function hasSchoolRole(actor: Actor, roles: readonly Role[], schoolId: string): boolean {
  return actor.roles.some((g) => roles.includes(g.role) && g.classId === null && inSchool(g, schoolId))
}

function isClassTeacherOf(actor: Actor, r: PersonResource): boolean {
  return actor.roles.some(
    (g) => g.role === 'class_teacher' && g.classId !== null && inSchool(g, r.schoolId) && r.classIds.includes(g.classId),
  )
}

function isSelf(actor: Actor, r: PersonResource): boolean {
  return actor.personIds.includes(r.personId)
}

function isGuardianOf(actor: Actor, r: PersonResource): boolean {
  return r.kind === 'student' && r.guardianIds.some((id) => actor.personIds.includes(id))
}

export function can(actor: Actor, action: Action, resource: Resource): boolean {
  switch (resource.type) {
    case 'school': {
      const s = resource.schoolId
      switch (action) {
        case 'school.read':
          return actor.roles.some((g) => inSchool(g, s))
        case 'school.listPeople':
          return hasSchoolRole(actor, SCHOOL_READERS, s)
        case 'school.readAudit':
          return hasSchoolRole(actor, ['admin', 'director'], s)
        case 'role.grant':
          return hasSchoolRole(actor, ['admin'], s)
        case 'person.create':
        case 'guardianship.manage':
          return hasSchoolRole(actor, PEOPLE_MANAGERS, s)
        default:
          return false
      }
    }
    case 'class': {
      if (action !== 'class.readRoster') return false
      const r = resource
      return (
        hasSchoolRole(actor, SCHOOL_READERS, r.schoolId) ||
        actor.roles.some((g) => g.role === 'class_teacher' && g.classId === r.classId && inSchool(g, r.schoolId))
      )
    }
    case 'person': {
      const r = resource
      const personal = isSelf(actor, r) || isGuardianOf(actor, r)
      switch (action) {
        case 'person.read':
          return personal || hasSchoolRole(actor, SCHOOL_READERS, r.schoolId) || isClassTeacherOf(actor, r)
        case 'person.readContacts':
          return personal || hasSchoolRole(actor, CONTACT_READERS, r.schoolId) || isClassTeacherOf(actor, r)
        case 'person.readSensitive':
          return personal || hasSchoolRole(actor, SENSITIVE_READERS, r.schoolId)
        case 'person.writeSensitive':
          return hasSchoolRole(actor, PEOPLE_MANAGERS, r.schoolId)
        case 'consent.record':
          return hasSchoolRole(actor, PEOPLE_MANAGERS, r.schoolId) || isClassTeacherOf(actor, r)
        case 'credentials.issue':
          // an admin for any person of the school; a class teacher for their class's
          // students and guardians (school3 §5, school14 §6)
          return (
            hasSchoolRole(actor, ['admin'], r.schoolId) ||
            (r.kind !== 'staff' && isClassTeacherOf(actor, r))
          )
        default:
          return false
      }
    }
    case 'account': {
      if (action !== 'account.reportCompromise') return false
      return (
        resource.accountId === actor.accountId ||
        resource.schoolIds.some((s) => hasSchoolRole(actor, ['admin'], s))
      )
    }
  }
}

export function assertCan(actor: Actor, action: Action, resource: Resource): void {
  if (!can(actor, action, resource)) throw errors.forbidden()
}
