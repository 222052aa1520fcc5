/** The columns of a roster and of a timetable: their labels and the headers they are known by. */
import type { ColumnSpec } from './table.ts'

export const ROSTER_COLUMNS = {
  classLabel: { label: 'Класс', required: true, aliases: ['класс', 'класс ученика', 'class', 'form', 'grade'] },
  lastName: { label: 'Фамилия', required: true, aliases: ['фамилия', 'фамилия ученика', 'last name', 'lastname', 'surname', 'family name', 'student last name'] },
  firstName: { label: 'Имя', required: true, aliases: ['имя', 'имя ученика', 'first name', 'firstname', 'given name', 'student first name'] },
  middleName: { label: 'Отчество', aliases: ['отчество', 'отчество ученика', 'middle name', 'patronymic', 'student middle name'] },
  gender: { label: 'Пол', aliases: ['пол', 'gender', 'sex'] },
  birthDate: { label: 'Дата рождения', aliases: ['дата рождения', 'birth date', 'date of birth', 'birthdate', 'dob'] },
  phone: { label: 'Телефон', aliases: ['телефон', 'телефон ученика', 'мобильный телефон', 'phone', 'mobile', 'student phone'] },
  email: { label: 'Email', aliases: ['email', 'e mail', 'email ученика', 'электронная почта', 'эл почта', 'почта', 'student email'] },
  gLastName: { label: 'Представитель: фамилия', aliases: ['представитель фамилия', 'фамилия представителя', 'родитель фамилия', 'фамилия родителя', 'guardian last name', 'parent last name'] },
  gFirstName: { label: 'Представитель: имя', aliases: ['представитель имя', 'имя представителя', 'родитель имя', 'имя родителя', 'guardian first name', 'parent first name'] },
  gMiddleName: { label: 'Представитель: отчество', aliases: ['представитель отчество', 'отчество представителя', 'родитель отчество', 'отчество родителя', 'guardian middle name', 'parent middle name'] },
  gPhone: { label: 'Представитель: телефон', aliases: ['представитель телефон', 'телефон представителя', 'родитель телефон', 'телефон родителя', 'guardian phone', 'parent phone'] },
  gEmail: { label: 'Представитель: email', aliases: ['представитель email', 'email представителя', 'представитель e mail', 'родитель email', 'email родителя', 'guardian email', 'parent email'] },
  relation: { label: 'Степень родства', aliases: ['степень родства', 'родство', 'кем приходится', 'представитель степень родства', 'relation', 'relationship'] },
  consent: { label: 'Согласие на обработку ПДн', aliases: ['согласие на обработку пдн', 'согласие на обработку персональных данных', 'согласие пдн', 'согласие', 'consent', 'pd consent'] },
  consentDate: { label: 'Дата согласия', aliases: ['дата согласия', 'consent date'] },
} satisfies Record<string, ColumnSpec>
export type RosterField = keyof typeof ROSTER_COLUMNS

export const TIMETABLE_COLUMNS = {
  classLabel: { label: 'Класс', required: true, aliases: ['класс', 'class', 'form'] },
  weekday: { label: 'День недели', required: true, aliases: ['день недели', 'день', 'weekday', 'day', 'day of week'] },
  lesson: { label: 'Урок', required: true, aliases: ['урок', 'номер урока', '№ урока', 'lesson', 'lesson number', 'period'] },
  subject: { label: 'Предмет', required: true, aliases: ['предмет', 'subject'] },
  teacher: { label: 'Учитель', required: true, aliases: ['учитель', 'преподаватель', 'фио учителя', 'teacher'] },
  subgroup: { label: 'Подгруппа', aliases: ['подгруппа', 'группа', 'subgroup', 'group'] },
  room: { label: 'Кабинет', aliases: ['кабинет', 'каб', 'аудитория', 'room'] },
  shift: { label: 'Смена', aliases: ['смена', 'shift'] },
} satisfies Record<string, ColumnSpec>
export type TimetableField = keyof typeof TIMETABLE_COLUMNS
