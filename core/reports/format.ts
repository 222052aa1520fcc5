/**
 * Numbers as a printed report shows them (a decimal comma), with the value a spreadsheet cell
 * keeps: the templates print `text` and put `n` in the cell's n attribute.
 */
export interface PrintNumber { text: string; n: number }

export function printNumber(x: number | null, digits = 0): PrintNumber | null {
  if (x === null) return null
  return { text: x.toFixed(digits).replace('.', ','), n: x }
}

/** A count: zero is printed as a blank in a busy table, still 0 in the spreadsheet. */
export function printCount(x: number): PrintNumber {
  return { text: x === 0 ? '' : String(x), n: x }
}

/** A file name for content-disposition: letters, digits and a few marks kept, the rest a space. */
export function fileName(title: string, ext: 'pdf' | 'xlsx'): string {
  const base = title.replace(/[^\p{L}\p{N} .,()«»№_-]+/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, 150)
  return `${base || 'report'}.${ext}`
}
