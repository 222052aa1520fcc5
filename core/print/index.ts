/**
 * Printouts: print markup templates → PDF and XLSX, each registered under a verification code.
 * See markup.ts for the markup, registry.ts for the record.
 */
export { parseMarkup, printDoc, MarkupError, type PrintDoc, type Block, type Row, type Cell } from './markup.ts'
export { displayCode, madeAtText, type PrintMeta } from './meta.ts'
export { canonicalJson, sha256Hex } from './canonical.ts'
export { toPdf } from './pdf.ts'
export { toXlsx } from './xlsx.ts'
export {
  madeByLabel, newCode, normalizeCode, producePrintout, systemLabel,
  type Printout, type PrintoutInput, type PrintFormat,
} from './registry.ts'
