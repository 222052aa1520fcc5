/** How a person is named on paper and in lists. */

export interface NameParts {
  readonly lastName: string
  readonly firstName: string
  readonly middleName?: string | null
}

/** «Иванова Нина Петровна» → «Иванова Н. П.»: a teacher in a report, the maker of a printout. */
export function initialsName(p: NameParts): string {
  return `${p.lastName} ${p.firstName.slice(0, 1)}.${p.middleName ? ` ${p.middleName.slice(0, 1)}.` : ''}`
}
