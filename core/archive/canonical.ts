export { canonicalJson, sha256Hex } from '../print/canonical.ts'

/** 'YYYY-MM-DD' plus whole years; 29 February becomes 28 February in a common year. */
export function addYears(date: string, years: number): string {
  const y = Number(date.slice(0, 4)) + years
  const month = date.slice(5, 7)
  let day = date.slice(8, 10)
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  if (month === '02' && day === '29' && !leap) day = '28'
  return `${String(y).padStart(4, '0')}-${month}-${day}`
}
