/**
 * What every printout says about itself (krasnodar 4.5): the system's name, when it was made
 * (in the school's time zone), who made it, and the verification code that finds its record.
 */

export interface PrintMeta {
  /** the verification code, 10 characters (shown as XXXXX-XXXXX) */
  readonly code: string
  readonly madeAt: Date
  /** «Иванова А. П., заместитель директора», or the system's own label for scheduled work */
  readonly madeBy: string
  /** the school's IANA time zone: the made-at time is printed in it */
  readonly timezone: string
  readonly schoolName: string
}

/** XXXXXXXXXX → XXXXX-XXXXX, as printed and as people type it back. */
export const displayCode = (code: string) => `${code.slice(0, 5)}-${code.slice(5)}`

// one formatter per zone: each Intl.DateTimeFormat holds native memory the GC does not see
const formatters = new Map<string, Intl.DateTimeFormat>()

export function madeAtText(meta: Pick<PrintMeta, 'madeAt' | 'timezone'>): string {
  let f = formatters.get(meta.timezone)
  if (!f) {
    f = new Intl.DateTimeFormat('ru-RU', { timeZone: meta.timezone, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' })
    formatters.set(meta.timezone, f)
  }
  return f.format(meta.madeAt)
}

/** The view of templates/print/footer.text: page and pages are null in a spreadsheet. */
export function footerView(meta: PrintMeta, page: number | null, pages: number | null) {
  return {
    schoolName: meta.schoolName, madeAt: madeAtText(meta), madeBy: meta.madeBy, code: displayCode(meta.code),
    page, pages,
  }
}
