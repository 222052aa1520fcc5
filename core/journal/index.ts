/**
 * The journal's surface for the rest of Zvonok (the HTTP routes, the bots, the notifier): the
 * service functions, each taking the caller's RequestContext and checking the policy itself.
 */
export { confirmAttendanceReason, setAttendance } from './attendance.ts'
export { EVENT_KINDS, type EventKind } from './changes.ts'
export {
  diary, diaryDays, forecast, MIN_MARKS_FOR_FORECAST, studentDiary,
  type DiaryAttachment, type DiaryDay, type DiaryLesson, type DiaryMark,
} from './diary.ts'
export { classFinalMarks, removeFinalMark, setFinalMark } from './final-marks.ts'
export { saveLessonGrid } from './grid.ts'
export {
  studentAbsences, studentMarks, studentPeriods, type StudentAbsence, type StudentMark, type StudentPeriod,
} from './student-record.ts'
export { removeHomework, setHomework } from './homework.ts'
export {
  cancelLesson, classAttendanceOn, classLessons, generateLessons, getLessonJournal, lessonJournal, moveLesson, myLessons, myLessonsBetween,
  myTeaching, patchLesson, setSubstitute,
} from './lessons.ts'
export { addMark, changeMark, removeMark } from './marks.ts'
export { createSubgroup, listMovements, listSubgroups, moveToSubgroup, recordMovement } from './movement.ts'
export {
  closeYear, createAssignment, createClass, createHoliday, createPeriod, createSlot, createSubject, createWorkType, createYear,
  DEFAULT_WORK_TYPES, listAssignments, listClasses, listSlots, listSubjects, listWorkTypes, listYears, setBells, setClassTeacher, setPlan,
} from './setup.ts'
export { addDays, localDate, weekday, zonedInstant } from './time.ts'
export { listVoided, voidJournalOperations } from './voiding.ts'
