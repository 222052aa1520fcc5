/**
 * Print markup → XLSX: each <section> a worksheet, headings and paragraphs one row each,
 * tables as bordered cells with real numbers where the template gave `n`, and the printout's
 * footer (system, made at, by whom, the code) under the content of every sheet.
 */
import ExcelJS from 'exceljs'
import { render } from '../render/render.ts'
import type { Block, PrintDoc } from './markup.ts'
import { footerView, type PrintMeta } from './meta.ts'

const THIN = { style: 'thin' as const }
const BORDER = { top: THIN, left: THIN, bottom: THIN, right: THIN }

/** Excel's sheet names: 31 characters, none of : \ / ? * [ ] */
function sheetName(name: string, taken: Set<string>): string {
  const base = (name.replace(/[:\\/?*[\]]/g, ' ').replace(/\s+/g, ' ').trim() || 'Лист').slice(0, 28)
  let n = base, i = 2
  while (taken.has(n.toLowerCase())) n = `${base} ${i++}`
  taken.add(n.toLowerCase())
  return n
}

export async function toXlsx(doc: PrintDoc, meta: PrintMeta): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = 'Звонок'
  wb.created = meta.madeAt
  wb.title = doc.title
  wb.subject = meta.code
  const taken = new Set<string>()
  const footer = render('print/footer.text', footerView(meta, null, null)).replace(/\s+/g, ' ').trim()

  let ws: ExcelJS.Worksheet | null = null
  let r = 1
  const finish = () => {
    if (!ws) return
    ws.getCell(r + 1, 1).value = footer
    ws.getCell(r + 1, 1).font = { size: 8 }
  }
  const sheet = (name: string) => {
    finish()
    ws = wb.addWorksheet(sheetName(name, taken), {
      pageSetup: { paperSize: 9, orientation: doc.orientation, fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
    })
    r = 1
    return ws
  }

  const blocks: readonly Block[] = doc.blocks
  for (const b of blocks) {
    if (b.kind === 'section') {
      sheet(b.name)
      continue
    }
    const s = ws ?? sheet(doc.title)
    switch (b.kind) {
      case 'br':
        r++
        break
      case 'h1': case 'h2': case 'p': {
        const c = s.getCell(r, 1)
        c.value = b.runs.map((x) => x.text).join('')
        c.font = { bold: b.kind !== 'p' || b.runs.every((x) => x.bold), size: b.kind === 'h1' ? 14 : b.kind === 'h2' ? 12 : b.small ? 9 : 10 }
        r++
        break
      }
      case 'table': {
        const min = Math.min(...b.widths)
        b.widths.forEach((w, i) => {
          const col = s.getColumn(i + 1)
          col.width = Math.max(col.width ?? 0, Math.min(60, Math.round((w / min) * 6)))
        })
        for (const row of b.rows) {
          let c = 1
          for (const cell of row.cells) {
            const x = s.getCell(r, c)
            x.value = cell.n ?? cell.text
            x.font = { bold: cell.bold, size: 10 }
            x.border = BORDER
            x.alignment = { wrapText: true, vertical: 'top', horizontal: cell.align }
            if (cell.colspan > 1) s.mergeCells(r, c, r, c + cell.colspan - 1)
            c += cell.colspan
          }
          r++
        }
        r++
        break
      }
    }
  }
  if (!ws) sheet(doc.title)
  finish()
  return Buffer.from(await wb.xlsx.writeBuffer())
}
