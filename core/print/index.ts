/**
 * Printouts: print markup templates → PDF and XLSX, each registered under a verification code.
 * See markup.ts for the markup, registry.ts for the record.
 */
export { parseMarkup, printDoc, MarkupError, type PrintDoc, type Block, type Row, type Cell } from './markup.ts'
export { displayCode, madeAtText, type PrintMeta } from './meta.ts'
export { toPdf } from './pdf.ts'
export { toXlsx } from './xlsx.ts'
export {
  canonicalJson, madeByLabel, newCode, normalizeCode, producePrintout, sha256, systemLabel,
  type Printout, type PrintoutInput, type PrintFormat,
} from './registry.ts'
