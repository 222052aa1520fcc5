/** The school's staff, and a teacher found among them by the name a timetable gives. */
import { initialsName } from '../../people/names.ts'
import { fullName, normName } from './normalise.ts'

export interface Staff {
  id: string
  lastName: string
  firstName: string
  middleName: string | null
}
export const initials = (s: Staff) => initialsName(s)

/** A teacher by «Фамилия Имя Отчество», «Фамилия И. О.», «Фамилия ИО» or «И. О. Фамилия». */
export function matchTeacher(staff: readonly Staff[], raw: string): { id: string } | { problem: string } {
  const isInitial = (t: string) => /^\p{L}\.?$/u.test(t)
  let tokens = raw.replace(/\./g, '. ').split(/\s+/).filter(Boolean)
  if (tokens.length === 2 && /^\p{Lu}\p{Lu}$/u.test(tokens[1]!)) tokens = [tokens[0]!, tokens[1]![0]!, tokens[1]![1]!]
  if (tokens.length > 1 && isInitial(tokens[0]!) && !isInitial(tokens[tokens.length - 1]!)) tokens = [tokens[tokens.length - 1]!, ...tokens.slice(0, -1)]
  const [last, ...rest] = tokens
  if (!last || isInitial(last) || rest.length > 2) return { problem: `учитель «${raw}»: ожидается ФИО, например «Иванова Мария Петровна» или «Иванова М. П.»` }
  const found = staff.filter((s) => normName(s.lastName) === normName(last) && rest.every((t, i) => {
    const part = i === 0 ? s.firstName : s.middleName
    if (!part) return false
    return isInitial(t) ? normName(part)[0] === normName(t)[0] : normName(part) === normName(t)
  }))
  if (found.length === 1) return { id: found[0]!.id }
  if (!found.length) return { problem: `учитель «${raw}» не найден среди сотрудников школы` }
  return { problem: `учитель «${raw}»: подходят несколько сотрудников школы (${found.map(fullName).join(', ')}), укажите полное ФИО` }
}
