/** What the school already has that a timetable is checked against. */
import type { Db } from '../../db/connect.ts'
import { normName } from './normalise.ts'
import { initials, type Staff } from './teachers.ts'
import type { Setup } from './types.ts'

export interface TimetableSnapshot {
  classes: Map<string, string>
  staff: Staff[]
  bells: Set<string>
  subjects: Map<string, string>
  subgroups: Map<string, string>
  assignments: Map<string, string>
  /** slots valid on the date or later */
  slots: {
    classId: string; subjectName: string; teacherId: string; teacherName: string; subgroupName: string | null
    weekday: number; lessonNumber: number; shift: number; validFrom: string; className: string
  }[]
}

export async function loadTimetableSnapshot(db: Db, setup: Setup): Promise<TimetableSnapshot> {
  const schoolId = setup.school.id
  const [classes, staff, bells, subjects, subgroups, assignments, slots] = await Promise.all([
    db<{ id: string; grade: number; letter: string }[]>`select id, grade, letter from classes where academic_year_id = ${setup.year.id}`,
    db<Staff[]>`select id, last_name, first_name, middle_name from persons where school_id = ${schoolId} and kind = 'staff'`,
    db<{ shift: number; number: number }[]>`select shift, number from bells where school_id = ${schoolId}`,
    db<{ id: string; name: string }[]>`select id, name from subjects where school_id = ${schoolId}`,
    db<{ id: string; classId: string; subjectId: string; name: string }[]>`
      select g.id, g.class_id, g.subject_id, g.name from subgroups g join classes c on c.id = g.class_id where c.academic_year_id = ${setup.year.id}`,
    db<{ id: string; classId: string; subjectId: string; teacherId: string; subgroupId: string | null }[]>`
      select a.id, a.class_id, a.subject_id, a.teacher_id, a.subgroup_id from teaching_assignments a
      join classes c on c.id = a.class_id where c.academic_year_id = ${setup.year.id}`,
    db<(TimetableSnapshot['slots'][number] & { lastName: string; firstName: string; middleName: string | null })[]>`
      select a.class_id, c.grade || c.letter as class_name, sj.name as subject_name, a.teacher_id, t.last_name, t.first_name, t.middle_name,
        g.name as subgroup_name, s.weekday, s.lesson_number, s.shift, s.valid_from
      from timetable_slots s join teaching_assignments a on a.id = s.assignment_id join classes c on c.id = a.class_id
      join subjects sj on sj.id = a.subject_id join persons t on t.id = a.teacher_id left join subgroups g on g.id = a.subgroup_id
      where s.school_id = ${schoolId} and (s.valid_to is null or s.valid_to >= ${setup.date})`,
  ])
  const subjectByName = new Map(subjects.map((s) => [normName(s.name), s.id]))
  return {
    classes: new Map(classes.map((c) => [`${c.grade}${c.letter.toUpperCase()}`, c.id])),
    staff,
    bells: new Set(bells.map((b) => `${b.shift}/${b.number}`)),
    subjects: subjectByName,
    subgroups: new Map(subgroups.map((g) => [`${g.classId}|${g.subjectId}|${normName(g.name)}`, g.id])),
    assignments: new Map(assignments.map((a) => [`${a.classId}|${a.subjectId}|${a.teacherId}|${a.subgroupId ?? ''}`, a.id])),
    slots: slots.map(({ lastName, firstName, middleName, ...s }) => ({ ...s, teacherName: initials({ id: '', lastName, firstName, middleName }) })),
  }
}
