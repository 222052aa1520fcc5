/**
 * The reports' view models: the JSON the API answers and the data a printout is made from
 * (its SHA-256 is what the printout record keeps). Labels are not here: the templates word them.
 */
import { z } from 'zod'
import { CATEGORIES, FINAL_CODES } from './rules.ts'

const isoDate = z.iso.date()
const pct = z.number().nullable()

export const formatQuery = z.enum(['json', 'pdf', 'xlsx']).default('json')

export const schoolHead = z.object({ id: z.uuid(), name: z.string(), timezone: z.string() })
export type SchoolHead = z.infer<typeof schoolHead>

export const classHead = z.object({
  id: z.uuid(), grade: z.number(), letter: z.string(), label: z.string(), classTeacher: z.string().nullable(),
})
export type ClassHead = z.infer<typeof classHead>

export const periodHead = z.object({
  id: z.uuid(), kind: z.enum(['quarter', 'trimester', 'half', 'year']), number: z.number(), startsOn: isoDate, endsOn: isoDate,
  yearName: z.string(),
})
export type PeriodHead = z.infer<typeof periodHead>

const markCounts = { five: z.number(), four: z.number(), three: z.number(), two: z.number() }
const named = z.object({ id: z.uuid(), name: z.string() })

// ---------------------------------------------------------------- the summary sheet

export const summarySheet = z.object({
  school: schoolHead,
  class: classHead,
  period: periodHead,
  subjects: z.array(named),
  students: z.array(z.object({
    number: z.number(),
    id: z.uuid(),
    name: z.string(),
    arrivedOn: isoDate.nullable(),
    leftOn: isoDate.nullable(),
    /** counted in the tallies: enrolled on the period's last day */
    onRoll: z.boolean(),
    /** one per subject, in the order of `subjects`; null: no final yet */
    finals: z.array(z.enum(FINAL_CODES).nullable()),
    counts: z.object(markCounts),
    category: z.enum(CATEGORIES),
    /** the subject of the single 3 of a student «с одной „3“» */
    oneThreeSubject: z.string().nullable(),
  })),
  subjectTotals: z.array(z.object({
    subjectId: z.uuid(), ...markCounts, notAttested: z.number(), pass: z.number(), fail: z.number(), exempt: z.number(),
    ungraded: z.number(), assessed: z.number(), progressPercent: pct, qualityPercent: pct, average: z.number().nullable(),
    sou: z.number().nullable(),
  })),
  totals: z.object({
    /** on the roll at the period's end */
    students: z.number(),
    /** listed but not counted: left during the period */
    left: z.number(),
    excellent: z.number(),
    good: z.number(),
    oneThree: z.number(),
    satisfactory: z.number(),
    failing: z.number(),
    notAttested: z.number(),
    noMarks: z.number(),
    progressPercent: pct,
    qualityPercent: pct,
    sou: z.number().nullable(),
    lists: z.object({
      excellent: z.array(z.string()),
      good: z.array(z.string()),
      oneThree: z.array(z.object({ name: z.string(), subject: z.string() })),
      failing: z.array(z.object({ name: z.string(), subjects: z.array(z.object({ subject: z.string(), final: z.enum(FINAL_CODES) })) })),
      notAttested: z.array(z.string()),
      noMarks: z.array(z.string()),
    }),
  }),
})
export type SummarySheet = z.infer<typeof summarySheet>

// ---------------------------------------------------------------- attendance

export const attendanceCounts = z.object({
  /** lessons the student was expected at (held, not cancelled) */
  lessons: z.number(),
  /** missed: н + б + уп (being late is not missing) */
  missed: z.number(),
  ill: z.number(),
  excused: z.number(),
  unexcused: z.number(),
  late: z.number(),
  /** school days on which the student missed every lesson they had */
  daysMissed: z.number(),
  /** of them: every lesson of the day б */
  daysIll: z.number(),
  /** of them: every lesson б or уп, at least one уп */
  daysExcused: z.number(),
  daysUnexcused: z.number(),
})
export type AttendanceCounts = z.infer<typeof attendanceCounts>

export const attendanceReport = z.object({
  school: schoolHead,
  class: classHead,
  period: periodHead.nullable(),
  from: isoDate,
  to: isoDate,
  /** lessons are counted up to here: the range's end or today */
  heldUntil: isoDate,
  /** lesson periods the class had (two subgroups at one time count once) */
  lessonsHeld: z.number(),
  schoolDays: z.number(),
  students: z.array(attendanceCounts.extend({
    number: z.number(), id: z.uuid(), name: z.string(), arrivedOn: isoDate.nullable(), leftOn: isoDate.nullable(),
  })),
  totals: attendanceCounts.extend({
    /** student-lessons attended (late counts as attended) of those expected, one decimal */
    attendancePercent: pct,
  }),
})
export type AttendanceReport = z.infer<typeof attendanceReport>

// ---------------------------------------------------------------- the class teacher's report

const dated = z.object({ name: z.string(), date: isoDate, orderNumber: z.string().nullable() })

export const classTeacherReport = z.object({
  school: schoolHead,
  class: classHead,
  period: periodHead,
  composition: z.object({ atStart: z.number(), arrived: z.array(dated), left: z.array(dated), atEnd: z.number() }),
  tallies: summarySheet.shape.totals,
  attendance: attendanceReport.shape.totals.extend({ lessonsHeld: z.number(), schoolDays: z.number() }),
  unexcusedThreshold: z.number(),
  /** lessons missed without an excuse (н), and whole days missed with one at least */
  unexcused: z.array(z.object({ name: z.string(), lessons: z.number(), days: z.number() })),
  missingFinals: z.array(z.object({
    subject: z.string(), teachers: z.array(z.string()), missing: z.number(), students: z.number(),
  })),
})
export type ClassTeacherReport = z.infer<typeof classTeacherReport>

// ---------------------------------------------------------------- timeliness

export const timelinessRow = z.object({
  teacherId: z.uuid(), teacher: z.string(), classId: z.uuid(), class: z.string(), subjectId: z.uuid(), subject: z.string(),
  lessonsHeld: z.number(),
  lessonsCancelled: z.number(),
  lessonsWithTopic: z.number(),
  /** the КТП: topics in the plan, topics the timetable reached by the range's end, topics taught */
  planTopics: z.number().nullable(),
  planDue: z.number().nullable(),
  planCovered: z.number().nullable(),
  planBehind: z.number().nullable(),
  students: z.number(),
  marks: z.number(),
  marksPerStudent: z.number().nullable(),
  /** marks entered after their deadline: the lesson's day, 3 days (tests), 10 days (written work) */
  marksLate: z.number(),
  marksLateSameDay: z.number(),
  marksLateTest: z.number(),
  marksLateWritten: z.number(),
  homework: z.number(),
  /** entered later than 1.5 h after the class's last lesson of the day */
  homeworkLate: z.number(),
  /** final marks of periods ending in the range entered by the teacher */
  finals: z.number(),
  /** before the period's last week */
  finalsEarly: z.number(),
  /** after the period's end */
  finalsLate: z.number(),
})
export type TimelinessRow = z.infer<typeof timelinessRow>

const { teacherId: _t, teacher: _n, classId: _c, class: _k, subjectId: _s, subject: _j, ...timelinessCounts } = timelinessRow.shape

export const timelinessReport = z.object({
  school: schoolHead,
  period: periodHead.nullable(),
  from: isoDate,
  to: isoDate,
  heldUntil: isoDate,
  /** set when the report is one teacher's */
  teacher: named.nullable(),
  rows: z.array(timelinessRow),
  totals: z.object(timelinessCounts),
})
export type TimelinessReport = z.infer<typeof timelinessReport>

// ---------------------------------------------------------------- activity

const linkState = { linked: z.boolean(), active: z.boolean() }

export const activityReport = z.object({
  school: schoolHead,
  class: classHead,
  /** «active»: the chat spoke to the bot since then */
  activeSince: z.iso.datetime(),
  activeDays: z.number(),
  students: z.array(z.object({
    number: z.number(), name: z.string(), ...linkState,
    guardians: z.array(z.object({ name: z.string(), ...linkState })),
  })),
  totals: z.object({
    students: z.number(), studentsLinked: z.number(), studentsActive: z.number(),
    studentsLinkedPercent: pct, studentsActivePercent: pct,
    /** distinct guardians of the class's students */
    guardians: z.number(), guardiansLinked: z.number(), guardiansActive: z.number(),
    guardiansLinkedPercent: pct, guardiansActivePercent: pct,
    /** students with at least one guardian linked to the bot */
    familiesReached: z.number(), familiesReachedPercent: pct,
  }),
})
export type ActivityReport = z.infer<typeof activityReport>
