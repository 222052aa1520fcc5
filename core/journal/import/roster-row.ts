/** One row of a roster file: what it says and what is wrong with it. */
import { ROSTER_COLUMNS, type RosterField } from './columns.ts'
import {
  checkName, FEMALE_RELATIONS, GENDERS, genderFromPatronymic, MALE_RELATIONS, normalizeEmail, normalizePhone, normName,
  parseClassLabel, parseDate, RELATION_WORDS, type Gender, type Relation,
} from './normalise.ts'
import { rowReader, type Header, type TableRow } from './table.ts'

export interface PersonInput {
  lastName: string
  firstName: string
  middleName: string | null
  gender: Gender | null
  phone: string | null
  email: string | null
}

export interface RosterRow {
  line: number
  grade: number
  letter: string
  classLabel: string
  student: PersonInput
  birthDate: string | null
  guardian: (PersonInput & { relation: Relation }) | null
  /** the date of the consent to process personal data, when the row says «да» */
  consentOn: string | null
}

/**
 * What a row of the roster file says, and what is wrong with it. The value is there whenever
 * the class and the names could be read — also for a row with other problems, so that the
 * checks across rows see it (a row repeating a bad row is reported too); a bad field is null.
 */
export function readRosterRow(h: Header<RosterField>, row: TableRow, today: string): { value: RosterRow | null; problems: string[] } {
  const problems: string[] = []
  const { get, required } = rowReader(h, row, ROSTER_COLUMNS, problems)
  const phoneOf = (f: RosterField, who: string) => {
    const v = get(f)
    if (!v) return null
    const p = normalizePhone(v)
    if (!p) problems.push(`${who} «${v}»: ожидается номер вида +7XXXXXXXXXX или 8XXXXXXXXXX`)
    return p
  }
  const emailOf = (f: RosterField, who: string) => {
    const v = get(f)
    if (!v) return null
    const e = normalizeEmail(v)
    if (!e) problems.push(`${who} «${v}» не похож на адрес электронной почты`)
    return e
  }
  const dateOf = (v: string, what: string) => {
    const d = parseDate(v)
    if (!d) problems.push(`${what} «${v}»: ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД`)
    else if (d > today) problems.push(`${what} ${d} ещё не наступила`)
    else if (d < '1900-01-01') problems.push(`${what} ${d} раньше 1900 года`)
    return d && d <= today && d >= '1900-01-01' ? d : null
  }

  const classRaw = required('classLabel')
  const cls = classRaw ? parseClassLabel(classRaw) : null
  if (cls && 'problem' in cls) problems.push(cls.problem)
  const lastName = required('lastName')
  const firstName = required('firstName')
  if (lastName) checkName(lastName, 'фамилия', problems)
  if (firstName) checkName(firstName, 'имя', problems)
  const middleName = get('middleName') || null
  if (middleName) checkName(middleName, 'отчество', problems)
  const genderRaw = get('gender')
  const gender = genderRaw ? GENDERS.get(genderRaw.toLowerCase()) ?? null : genderFromPatronymic(middleName)
  if (genderRaw && !gender) problems.push(`пол «${genderRaw}»: ожидается «м» или «ж»`)
  const birthRaw = get('birthDate')
  const birthDate = birthRaw ? dateOf(birthRaw, 'дата рождения') : null
  const student: PersonInput = {
    lastName, firstName, middleName, gender, phone: phoneOf('phone', 'телефон ученика'), email: emailOf('email', 'email ученика'),
  }

  let guardian: RosterRow['guardian'] = null
  const gFields: RosterField[] = ['gLastName', 'gFirstName', 'gMiddleName', 'gPhone', 'gEmail']
  const relationRaw = get('relation')
  if (gFields.some((f) => get(f))) {
    const gLast = get('gLastName')
    const gFirst = get('gFirstName')
    if (!gLast) problems.push('не заполнена фамилия представителя')
    else checkName(gLast, 'фамилия представителя', problems)
    if (!gFirst) problems.push('не заполнено имя представителя')
    else checkName(gFirst, 'имя представителя', problems)
    const gMiddle = get('gMiddleName') || null
    if (gMiddle) checkName(gMiddle, 'отчество представителя', problems)
    const relation = relationRaw ? RELATION_WORDS.get(normName(relationRaw)) : undefined
    if (!relationRaw) problems.push('не указана степень родства представителя')
    else if (!relation) problems.push(`степень родства «${relationRaw}» неизвестна: мать, отец, бабушка, дедушка, отчим, мачеха, брат, сестра, тётя, дядя, опекун, попечитель, другое`)
    const g: Gender | null = relation && FEMALE_RELATIONS.has(relation) ? 'female' : relation && MALE_RELATIONS.has(relation) ? 'male' : genderFromPatronymic(gMiddle)
    const phone = phoneOf('gPhone', 'телефон представителя')
    const email = emailOf('gEmail', 'email представителя')
    if (gLast && gFirst) guardian = { lastName: gLast, firstName: gFirst, middleName: gMiddle, gender: g, phone, email, relation: relation ?? 'other' }
  } else if (relationRaw) problems.push('степень родства указана, а представитель — нет')

  let consentOn: string | null = null
  const consentRaw = get('consent').toLowerCase()
  const yes = /^(да|yes|есть|\+)(?=$|[\s,;:])/.exec(consentRaw)
  if (yes) {
    const inCell = consentRaw.slice(yes[0].length).replace(/^[\s,;:]+/, '').replace(/^от\s+/, '')
    const dateRaw = inCell || get('consentDate')
    if (!dateRaw) problems.push('согласие на обработку ПДн «да», но без даты')
    else consentOn = dateOf(dateRaw, 'дата согласия')
  } else if (consentRaw && !/^(нет|no|-|—|–)$/.test(consentRaw)) {
    problems.push(`согласие на обработку ПДн «${get('consent')}»: ожидается «да» с датой или «нет»`)
  }

  if (!cls || 'problem' in cls || !lastName || !firstName) return { value: null, problems }
  return {
    value: { line: row.line, grade: cls.grade, letter: cls.letter, classLabel: `${cls.grade}${cls.letter}`, student, birthDate, guardian, consentOn },
    problems,
  }
}
