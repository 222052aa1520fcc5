/**
 * Reports (сводная ведомость, посещаемость, отчёт классного руководителя, своевременность,
 * активность): plain data functions returning view models, their printable documents, and the
 * HTTP routes. The data functions check no policy; the routes (and other callers) do.
 */
export { activityDoc, activityReport, ACTIVE_DAYS } from './activity.ts'
export { attendanceDoc, attendanceSummary, type AttendanceScope } from './attendance.ts'
export { classTeacherDoc, classTeacherReport, UNEXCUSED_LESSONS_THRESHOLD } from './class-teacher.ts'
export { reportsRoutes } from './routes.ts'
export type { ActivityReport, AttendanceReport, ClassTeacherReport, SummarySheet, TimelinessReport } from './schema.ts'
export { summarySheet, summarySheetDoc } from './summary-sheet.ts'
export { FINALS_WINDOW_DAYS, timelinessDoc, timelinessReport, type TimelinessScope } from './timeliness.ts'
