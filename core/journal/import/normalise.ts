/** The values of a cell: phones, emails, class labels, dates, names, genders, relations. */
/** +7XXXXXXXXXX from 8XXXXXXXXXX, 7XXXXXXXXXX, XXXXXXXXXX, +7 (XXX) XXX-XX-XX …; other countries' E.164 kept. */
export function normalizePhone(raw: string): string | null {
  const s = raw.trim()
  if (!s || /[^\d\s()+\-.]/.test(s) || s.lastIndexOf('+') > 0) return null
  const d = s.replace(/\D/g, '')
  if (s.startsWith('+')) {
    if (d.startsWith('7')) return d.length === 11 ? `+${d}` : null
    return d.length >= 10 && d.length <= 15 ? `+${d}` : null
  }
  if (d.length === 11 && (d[0] === '8' || d[0] === '7')) return `+7${d.slice(1)}`
  if (d.length === 10) return `+7${d}`
  return null
}

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:".]{2,}$/
export function normalizeEmail(raw: string): string | null {
  const s = raw.trim().replace(/^mailto:/i, '')
  return s.length <= 254 && EMAIL.test(s) ? s : null
}

/** Latin letters that look like Cyrillic ones, as a class letter is typed on the wrong layout. */
const LOOKALIKE: Readonly<Record<string, string>> = {
  A: 'А', B: 'В', C: 'С', E: 'Е', H: 'Н', K: 'К', M: 'М', O: 'О', P: 'Р', T: 'Т', X: 'Х', Y: 'У',
}

/** «5А», «5 А», «5-а», «5 "А"», «5a» (a Latin look-alike) → {grade 5, letter 'А'}; otherwise the reason. */
export function parseClassLabel(raw: string): { grade: number; letter: string } | { problem: string } {
  const m = /^(\d{1,2})\s*[-–]?\s*["«'“]?([A-Za-zА-Яа-яЁё]{1,3})["»'”]?$/.exec(raw.trim())
  if (!m) return { problem: `класс «${raw}»: ожидается параллель и буква, например «5А»` }
  const grade = Number(m[1])
  if (grade < 1 || grade > 11) return { problem: `класс «${raw}»: параллель должна быть от 1 до 11` }
  let letter = ''
  for (const ch of m[2]!.toUpperCase()) {
    if (/[A-Z]/.test(ch)) {
      const cyr = Object.hasOwn(LOOKALIKE, ch) ? LOOKALIKE[ch] : undefined
      if (!cyr) return { problem: `класс «${raw}»: буква «${ch}» латинская, укажите русскую` }
      letter += cyr
    } else letter += ch
  }
  return { grade, letter }
}

/** YYYY-MM-DD or DD.MM.YYYY (DD/MM/YYYY) of a real calendar date. */
export function parseDate(raw: string): string | null {
  const s = raw.trim()
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s)
  const ru = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/.exec(s)
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : ru ? [ru[3], ru[2], ru[1]] : []
  if (!y || !m || !d) return null
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)))
  if (date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(m) - 1 || date.getUTCDate() !== Number(d)) return null
  return date.toISOString().slice(0, 10)
}

const NAME = /^\p{L}[\p{L}\p{M}'’ -]*$/u
export function checkName(value: string, what: string, problems: string[]): string {
  if (value.length > 100) problems.push(`${what} длиннее 100 символов`)
  else if (!NAME.test(value)) problems.push(`${what} «${value}» содержит недопустимые символы`)
  return value
}

export type Gender = 'male' | 'female'
// Maps, not objects: a cell saying "constructor" must not find Object.prototype's
export const GENDERS: ReadonlyMap<string, Gender> = new Map(Object.entries({
  м: 'male', 'м.': 'male', муж: 'male', 'муж.': 'male', мужской: 'male', m: 'male', male: 'male',
  ж: 'female', 'ж.': 'female', жен: 'female', 'жен.': 'female', женский: 'female', f: 'female', female: 'female',
} as Record<string, Gender>))
/** A Russian patronymic tells the gender: -вич/-ич/оглы male, -вна/-чна/кызы female. */
export function genderFromPatronymic(middle: string | null): Gender | null {
  if (!middle) return null
  const m = middle.toLowerCase()
  if (/(ич|оглы|улы)$/.test(m)) return 'male'
  if (/(вна|чна|шна|кызы|гызы)$/.test(m)) return 'female'
  return null
}

export const RELATIONS = [
  'mother', 'father', 'grandmother', 'grandfather', 'stepmother', 'stepfather',
  'sister', 'brother', 'aunt', 'uncle', 'guardian', 'trustee', 'other',
] as const
export type Relation = (typeof RELATIONS)[number]
/** Степень родства → the guardian_relation enum (migrations/0001). */
export const RELATION_WORDS: ReadonlyMap<string, Relation> = new Map(Object.entries({
  мать: 'mother', мама: 'mother', отец: 'father', папа: 'father', бабушка: 'grandmother', дедушка: 'grandfather',
  мачеха: 'stepmother', отчим: 'stepfather', сестра: 'sister', брат: 'brother', тетя: 'aunt', дядя: 'uncle',
  опекун: 'guardian', опекунша: 'guardian', попечитель: 'trustee', 'законный представитель': 'other',
  'приемная мать': 'other', 'приемный отец': 'other', другое: 'other', иное: 'other', 'другой родственник': 'other',
  ...Object.fromEntries(RELATIONS.map((r) => [r, r])),
} as Record<string, Relation>))
export const FEMALE_RELATIONS = new Set<Relation>(['mother', 'grandmother', 'stepmother', 'sister', 'aunt'])
export const MALE_RELATIONS = new Set<Relation>(['father', 'grandfather', 'stepfather', 'brother', 'uncle'])

export const normName = (s: string) => s.toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ').trim()
export const fullKey = (p: { lastName: string; firstName: string; middleName: string | null }) =>
  `${normName(p.lastName)}|${normName(p.firstName)}|${normName(p.middleName ?? '')}`
export const fullName = (p: { lastName: string; firstName: string; middleName: string | null }) =>
  [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ')
