/** Zod schemas of the journal: request bodies and the views the API answers with. */
import { z } from 'zod'

export const isoDate = z.iso.date()
export const hhmm = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'HH:MM')
/** an instant: a Date from the database, or its ISO text in a stored (replayed) answer */
export const instant = z.union([z.date(), z.iso.datetime({ offset: true })])
const text = (max: number) => z.string().trim().min(1).max(max)

export const attendanceKind = z.enum(['absent', 'ill', 'excused', 'late'])
export const finalMarkStatus = z.enum(['exempt', 'not_attested', 'ungraded'])
export const periodKind = z.enum(['quarter', 'trimester', 'half', 'year'])

// ---- the school year ----
export const yearBody = z.strictObject({ name: text(40), startsOn: isoDate, endsOn: isoDate })
export const yearView = z.object({
  id: z.uuid(), schoolId: z.uuid(), name: z.string(), startsOn: isoDate, endsOn: isoDate, closedAt: instant.nullable(),
})
export const periodBody = z.strictObject({
  kind: periodKind, number: z.int().min(1).max(4), gradeFrom: z.int().min(1).max(11), gradeTo: z.int().min(1).max(11),
  startsOn: isoDate, endsOn: isoDate,
})
export const periodView = z.object({
  id: z.uuid(), academicYearId: z.uuid(), kind: periodKind, number: z.number(), gradeFrom: z.number(), gradeTo: z.number(),
  startsOn: isoDate, endsOn: isoDate,
})
export const holidayBody = z.strictObject({
  name: text(100), startsOn: isoDate, endsOn: isoDate,
  gradeFrom: z.int().min(1).max(11).default(1), gradeTo: z.int().min(1).max(11).default(11),
})
export const holidayView = z.object({
  id: z.uuid(), academicYearId: z.uuid(), name: z.string(), startsOn: isoDate, endsOn: isoDate, gradeFrom: z.number(), gradeTo: z.number(),
})
export const closeYearBody = z.strictObject({
  next: yearBody,
  orderNumber: text(50),
  /** students who stay in their grade (оставлены на повторное обучение) */
  heldBack: z.array(z.uuid()).max(1000).default([]),
})
export const classBody = z.strictObject({
  academicYearId: z.uuid(), grade: z.int().min(1).max(11), letter: z.string().trim().min(1).max(3),
  classTeacherId: z.uuid().optional(),
})
export const classView = z.object({
  id: z.uuid(), schoolId: z.uuid(), academicYearId: z.uuid(), grade: z.number(), letter: z.string(),
  classTeacherId: z.uuid().nullable(), previousClassId: z.uuid().nullable(),
})

// ---- the movement book and subgroups ----
export const movementBody = z.strictObject({
  kind: z.enum(['admission', 'transfer', 'departure']),
  studentId: z.uuid(),
  toClassId: z.uuid().optional().describe('required for an admission and a transfer'),
  occurredOn: isoDate, orderNumber: text(50), note: text(500).optional(),
})
export const movementView = z.object({
  id: z.uuid(), studentId: z.uuid(), kind: z.enum(['admission', 'transfer', 'promotion', 'departure', 'graduation']),
  occurredOn: isoDate, orderNumber: z.string().nullable(), fromClassId: z.uuid().nullable(), toClassId: z.uuid().nullable(),
  note: z.string().nullable(), recordedAt: instant,
})
export const subgroupBody = z.strictObject({ subjectId: z.uuid(), name: text(60) })
export const subgroupView = z.object({ id: z.uuid(), classId: z.uuid(), subjectId: z.uuid(), name: z.string() })
export const subgroupMoveBody = z.strictObject({ studentId: z.uuid(), startedOn: isoDate, reason: text(500) })

// ---- curriculum and timetable ----
export const subjectBody = z.strictObject({ name: text(100), shortName: text(30).optional() })
export const subjectView = z.object({ id: z.uuid(), schoolId: z.uuid(), name: z.string(), shortName: z.string().nullable() })
export const workTypeBody = z.strictObject({
  name: text(100), weight: z.number().positive().max(10).multipleOf(0.1), deadlineDays: z.int().min(0).max(30).default(0),
  isDefault: z.boolean().default(false),
})
export const workTypeView = z.object({
  id: z.uuid(), name: z.string(), weight: z.number(), deadlineDays: z.number(), isDefault: z.boolean(),
})
export const assignmentBody = z.strictObject({
  classId: z.uuid(), subgroupId: z.uuid().optional(), subjectId: z.uuid(), teacherId: z.uuid(),
})
export const assignmentView = z.object({
  id: z.uuid(), classId: z.uuid(), subgroupId: z.uuid().nullable(), subjectId: z.uuid(), teacherId: z.uuid(),
})
export const planBody = z.strictObject({ topics: z.array(text(500)).min(1).max(400) })
export const bellsBody = z.strictObject({
  shift: z.int().min(1).max(3).default(1),
  bells: z.array(z.strictObject({ number: z.int().min(0).max(12), startsAt: hhmm, endsAt: hhmm })).min(1).max(13),
})
export const slotBody = z.strictObject({
  assignmentId: z.uuid(), weekday: z.int().min(1).max(7), lessonNumber: z.int().min(0).max(12),
  shift: z.int().min(1).max(3).default(1), room: text(30).optional(), validFrom: isoDate, validTo: isoDate.optional(),
})
export const slotView = z.object({
  id: z.uuid(), assignmentId: z.uuid(), weekday: z.number(), lessonNumber: z.number(), shift: z.number(),
  room: z.string().nullable(), validFrom: isoDate, validTo: isoDate.nullable(),
})
export const generateBody = z.strictObject({ from: isoDate, to: isoDate, classId: z.uuid().optional() })

// ---- lessons ----
const personName = z.object({ id: z.uuid(), lastName: z.string(), firstName: z.string(), middleName: z.string().nullable() })
export const lessonView = z.object({
  id: z.uuid(), classId: z.uuid(), className: z.string(), subgroupId: z.uuid().nullable(),
  subjectId: z.uuid(), subject: z.string(), date: isoDate, lessonNumber: z.number(),
  startsAt: instant, endsAt: instant, room: z.string().nullable(), topic: z.string().nullable(),
  status: z.enum(['planned', 'cancelled']), teacher: personName, substitute: personName.nullable(),
})
export const lessonPatchBody = z.strictObject({ topic: text(500).nullable().optional(), room: text(30).nullable().optional() })
export const lessonMoveBody = z.strictObject({ date: isoDate, lessonNumber: z.int().min(0).max(12), reason: text(500).optional() })
export const lessonCancelBody = z.strictObject({ reason: text(500) })
export const substituteBody = z.strictObject({ substituteTeacherId: z.uuid().nullable() })

// ---- entries ----
export const homeworkBody = z.strictObject({
  text: text(4000), pages: text(200).optional(), exercises: text(200).optional(),
  attachments: z.array(z.strictObject({ name: text(200), ref: text(1000) })).max(20).default([]),
})
export const homeworkView = z.object({
  id: z.uuid(), lessonId: z.uuid(), text: z.string(), pages: z.string().nullable(), exercises: z.string().nullable(),
  attachments: z.array(z.object({ name: z.string(), ref: z.string() })), dueLessonId: z.uuid().nullable(), dueOn: isoDate.nullable(),
  enteredAt: instant, late: z.boolean(),
})

const markValue = {
  value: z.int().min(1).max(5).optional(),
  passed: z.boolean().optional(),
}

// a mark is either a value (1–5) or pass/fail (passed); the services refuse both or neither
export const markBody = z.strictObject({
  studentId: z.uuid(), ...markValue, workTypeId: z.uuid().optional(), comment: text(500).optional(),
})
export const markPatchBody = z.strictObject({
  ...markValue, workTypeId: z.uuid().optional(), comment: text(500).nullable().optional(),
})
export const markView = z.object({
  id: z.uuid(), lessonId: z.uuid(), studentId: z.uuid(), value: z.number().nullable(), passed: z.boolean().nullable(),
  workTypeId: z.uuid(), workType: z.string(), weight: z.number(), comment: z.string().nullable(),
  enteredAt: instant, late: z.boolean(),
})
export const attendanceBody = z.strictObject({ kind: attendanceKind, reason: text(500).optional() })
export const attendanceView = z.object({
  id: z.uuid(), lessonId: z.uuid(), studentId: z.uuid(), kind: attendanceKind, reason: z.string().nullable(),
  reasonConfirmedAt: instant.nullable(), enteredAt: instant, late: z.boolean(),
})
export const confirmReasonBody = z.strictObject({ kind: z.enum(['ill', 'excused']), reason: text(500) })

export const finalMarkBody = z.strictObject({
  periodId: z.uuid(), subjectId: z.uuid(), studentId: z.uuid(),
  value: z.int().min(1).max(5).optional(), passed: z.boolean().optional(), status: finalMarkStatus.optional(),
  comment: text(500).optional(),
}).describe('exactly one of value (1–5), passed (зачёт/незачёт) or status')
export const finalMarkView = z.object({
  id: z.uuid(), periodId: z.uuid(), classId: z.uuid(), subjectId: z.uuid(), studentId: z.uuid(),
  value: z.number().nullable(), passed: z.boolean().nullable(), status: finalMarkStatus.nullable(),
  comment: z.string().nullable(), enteredAt: instant, late: z.boolean(),
})

export const gridBody = z.strictObject({
  /** the client's id of this request; a retry with the same id changes nothing */
  requestId: z.string().trim().min(8).max(100),
  topic: text(500).optional(),
  attendance: z.array(z.strictObject({
    studentId: z.uuid(), kind: attendanceKind.nullable(), reason: text(500).optional(),
  })).max(200).default([]),
  marks: z.array(z.strictObject({
    markId: z.uuid().optional(), studentId: z.uuid(), ...markValue, workTypeId: z.uuid().optional(), comment: text(500).nullable().optional(),
  })).max(400).default([]),
  removeMarkIds: z.array(z.uuid()).max(400).default([]),
})

export const lessonJournalView = z.object({
  lesson: lessonView,
  homework: homeworkView.nullable(),
  students: z.array(z.object({
    id: z.uuid(), lastName: z.string(), firstName: z.string(),
    attendance: attendanceView.nullable(), marks: z.array(markView),
  })),
})
export const gridResult = z.object({ changes: z.number(), journal: lessonJournalView })

// ---- the diary ----
export const diaryQuery = z.strictObject({ from: isoDate, to: isoDate })
export const diaryLesson = z.object({
  lessonId: z.uuid(), date: isoDate, lessonNumber: z.number(), startsAt: instant, endsAt: instant,
  subjectId: z.uuid(), subject: z.string(), topic: z.string().nullable(), status: z.enum(['planned', 'cancelled']),
  teacher: z.string(), substitute: z.string().nullable(), room: z.string().nullable(),
  homework: z.object({ text: z.string(), pages: z.string().nullable(), exercises: z.string().nullable(), attachments: z.array(z.object({ name: z.string(), ref: z.string() })), dueOn: isoDate.nullable() }).nullable(),
  homeworkDue: z.array(z.object({ text: z.string(), pages: z.string().nullable(), exercises: z.string().nullable(), givenOn: isoDate })),
  marks: z.array(z.object({ id: z.uuid(), value: z.number().nullable(), passed: z.boolean().nullable(), workType: z.string(), weight: z.number(), comment: z.string().nullable() })),
  attendance: z.object({ kind: attendanceKind, reason: z.string().nullable(), confirmed: z.boolean() }).nullable(),
})
export const subjectSummary = z.object({
  subjectId: z.uuid(), subject: z.string(), markCount: z.number(),
  average: z.number().nullable(), forecast: z.number().nullable(),
  finalMark: z.object({ value: z.number().nullable(), passed: z.boolean().nullable(), status: finalMarkStatus.nullable() }).nullable(),
})
export const diaryView = z.object({
  studentId: z.uuid(), from: isoDate, to: isoDate,
  days: z.array(z.object({ date: isoDate, lessons: z.array(diaryLesson) })),
  periods: z.array(z.object({
    periodId: z.uuid(), kind: periodKind, number: z.number(), startsOn: isoDate, endsOn: isoDate,
    subjects: z.array(subjectSummary),
  })),
})

export type GridBody = z.infer<typeof gridBody>
export type YearView = z.infer<typeof yearView>
export type PeriodView = z.infer<typeof periodView>
export type HolidayView = z.infer<typeof holidayView>
export type ClassView = z.infer<typeof classView>
export type MovementView = z.infer<typeof movementView>
export type SubjectView = z.infer<typeof subjectView>
export type WorkTypeView = z.infer<typeof workTypeView>
export type AssignmentView = z.infer<typeof assignmentView>
export type SlotView = z.infer<typeof slotView>
export type SubgroupView = z.infer<typeof subgroupView>
