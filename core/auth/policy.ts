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

/** A lesson, or a subject taught in a class (for final marks): who teaches it. */
export interface TeachingResource {
  readonly type: 'teaching'
  readonly schoolId: string
  readonly classId: string
  /** the assigned teacher and, for a lesson, its substitute */
  readonly teacherIds: readonly string[]
}

export type Resource = SchoolResource | ClassResource | PersonResource | AccountResource | TeachingResource

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
  // the journal
  | 'journal.manage'
  | 'movement.record'
  | 'school.readJournal'
  | 'class.readJournal'
  | 'class.manageSubgroups'
  | 'attendance.confirmReason'
  | 'lesson.read'
  | 'lesson.write'
  | 'finalMark.write'
  | 'student.readDiary'
  // the notifier
  | 'school.readDeliveries'
  // messaging
  | 'student.listContacts'
  | 'school.readThreads'
  | 'announcement.publish'
  // class channels (the school forum)
  | 'channel.moderate'
  | 'school.moderateChannels'
  // printouts, reports, the archive
  | 'school.readReports'
  | 'class.readReports'
  | 'staff.readTimeliness'
  | 'period.close'
  | 'school.readArchive'
  | 'school.printWeekly'
  | 'class.printWeekly'
  | 'printout.setPreference'
  | 'school.verifyPrintouts'

/** Roles that read the whole school's name cards. */
const SCHOOL_READERS: readonly Role[] = ['admin', 'coordinator', 'director', 'deputy', 'secretary', 'teacher', 'class_teacher', 'moderator']
/** Roles that read contacts across the school. */
const CONTACT_READERS: readonly Role[] = ['admin', 'director', 'deputy', 'secretary']
/** Few roles read documents, SNILS, health and address (DESIGN: sensitive fields). */
const SENSITIVE_READERS: readonly Role[] = ['admin', 'director', 'secretary']
const PEOPLE_MANAGERS: readonly Role[] = ['admin', 'secretary']
/** The school administration that sets up the year, the curriculum and the timetable (school14 4.3). */
const JOURNAL_MANAGERS: readonly Role[] = ['admin', 'director', 'deputy']
/** Roles that read every class's journal (school14 4.4, the coordinator of the rollout). */
const JOURNAL_READERS: readonly Role[] = ['admin', 'coordinator', 'director', 'deputy']
/** The movement book is kept by the administration and the personnel clerk (school14 4.3). */
const MOVEMENT_RECORDERS: readonly Role[] = ['admin', 'director', 'deputy', 'secretary']
/** The archive of summary sheets and journals (school14 4.4.5, 5.3). */
const ARCHIVE_READERS: readonly Role[] = ['admin', 'director', 'deputy', 'secretary']
/** Staff who may check a printout's verification code. */
const PRINTOUT_VERIFIERS: readonly Role[] = ['admin', 'coordinator', 'director', 'deputy', 'secretary', 'teacher', 'class_teacher']
/** Forum moderators (school53 5.7) and the administration above them moderate every class channel. */
const CHANNEL_MODERATORS: readonly Role[] = ['moderator', 'admin', 'director', 'deputy']

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

function isClassTeacherOfClass(actor: Actor, schoolId: string, classId: string): boolean {
  return actor.roles.some((g) => g.role === 'class_teacher' && g.classId === classId && inSchool(g, schoolId))
}

/** The teacher of a lesson or of a subject in a class: a teacher of the school who is one of its teachers. */
function teaches(actor: Actor, r: TeachingResource): boolean {
  return hasSchoolRole(actor, ['teacher'], r.schoolId) && r.teacherIds.some((id) => actor.personIds.includes(id))
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
        case 'school.readDeliveries':
          return hasSchoolRole(actor, ['admin', 'director', 'coordinator'], s)
        case 'role.grant':
          return hasSchoolRole(actor, ['admin'], s)
        case 'person.create':
        case 'guardianship.manage':
          return hasSchoolRole(actor, PEOPLE_MANAGERS, s)
        case 'journal.manage':
          return hasSchoolRole(actor, JOURNAL_MANAGERS, s)
        case 'movement.record':
          return hasSchoolRole(actor, MOVEMENT_RECORDERS, s)
        case 'school.readJournal':
          return hasSchoolRole(actor, JOURNAL_READERS, s)
        case 'school.readThreads':
          // the threads are the school's record; the head reads them, nobody else outside them
          return hasSchoolRole(actor, ['admin', 'director'], s)
        case 'announcement.publish':
          return hasSchoolRole(actor, JOURNAL_MANAGERS, s)
        case 'school.moderateChannels':
          // every channel of the school, the watched words
          return hasSchoolRole(actor, CHANNEL_MODERATORS, s)
        case 'school.readReports':
          // the deputy's control reports across the school (school14 4.4.3–4.4.4)
          return hasSchoolRole(actor, JOURNAL_READERS, s)
        case 'period.close':
          return hasSchoolRole(actor, JOURNAL_MANAGERS, s)
        case 'school.readArchive':
          return hasSchoolRole(actor, ARCHIVE_READERS, s)
        case 'school.printWeekly':
          return hasSchoolRole(actor, JOURNAL_MANAGERS, s)
        case 'school.verifyPrintouts':
          // whoever on the staff may be handed a paper: they see what it was, not its contents
          return hasSchoolRole(actor, PRINTOUT_VERIFIERS, s)
        default:
          return false
      }
    }
    case 'class': {
      const r = resource
      switch (action) {
        case 'class.readRoster':
          return hasSchoolRole(actor, SCHOOL_READERS, r.schoolId) || isClassTeacherOfClass(actor, r.schoolId, r.classId)
        case 'class.readJournal':
          // the class teacher reads the whole class journal (school14 4.6.1, school26 2.4)
          return hasSchoolRole(actor, JOURNAL_READERS, r.schoolId) || isClassTeacherOfClass(actor, r.schoolId, r.classId)
        case 'attendance.confirmReason':
          // the class teacher confirms reasons for absences (б, уп) for the whole class
          return isClassTeacherOfClass(actor, r.schoolId, r.classId)
        case 'class.manageSubgroups':
          return hasSchoolRole(actor, JOURNAL_MANAGERS, r.schoolId) || isClassTeacherOfClass(actor, r.schoolId, r.classId)
        case 'announcement.publish':
          // the class teacher to their class's families; the administration to any class
          return hasSchoolRole(actor, JOURNAL_MANAGERS, r.schoolId) || isClassTeacherOfClass(actor, r.schoolId, r.classId)
        case 'channel.moderate':
          // binds the class's group, changes its settings, acts on its members and messages
          return hasSchoolRole(actor, CHANNEL_MODERATORS, r.schoolId) || isClassTeacherOfClass(actor, r.schoolId, r.classId)
        case 'class.readReports':
          // a class's summary sheet, attendance and activity: the administration and its class teacher
          return hasSchoolRole(actor, JOURNAL_READERS, r.schoolId) || isClassTeacherOfClass(actor, r.schoolId, r.classId)
        case 'class.printWeekly':
          // the class teacher prints the week for the guardians who take paper (school14 4.6.5)
          return hasSchoolRole(actor, JOURNAL_MANAGERS, r.schoolId) || isClassTeacherOfClass(actor, r.schoolId, r.classId)
        default:
          return false
      }
    }
    case 'teaching': {
      const r = resource
      switch (action) {
        case 'lesson.read':
          return teaches(actor, r) || hasSchoolRole(actor, JOURNAL_READERS, r.schoolId) || isClassTeacherOfClass(actor, r.schoolId, r.classId)
        case 'lesson.write':
        case 'finalMark.write':
          // only the teacher of the lesson or its substitute writes it; the class teacher and
          // the administration read without editing (school26 2.4, 2.10)
          return teaches(actor, r)
        default:
          return false
      }
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
        case 'student.readDiary':
          return r.kind === 'student' && (personal || hasSchoolRole(actor, JOURNAL_READERS, r.schoolId) || isClassTeacherOf(actor, r))
        case 'student.listContacts':
          // whom the family may write about the child: the family itself and the administration
          return r.kind === 'student' && (personal || hasSchoolRole(actor, JOURNAL_READERS, r.schoolId) || isClassTeacherOf(actor, r))
        case 'person.writeSensitive':
          return hasSchoolRole(actor, PEOPLE_MANAGERS, r.schoolId)
        case 'staff.readTimeliness':
          // a teacher's own filling and timeliness; the administration's for every teacher
          return r.kind === 'staff' && (isSelf(actor, r) || hasSchoolRole(actor, JOURNAL_READERS, r.schoolId))
        case 'printout.setPreference':
          // a guardian for themselves; the class teacher and the secretary record a refusal of
          // electronic access (school14 4.6.5)
          return r.kind === 'guardian' && (isSelf(actor, r) || isClassTeacherOf(actor, r) || hasSchoolRole(actor, PEOPLE_MANAGERS, r.schoolId))
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
