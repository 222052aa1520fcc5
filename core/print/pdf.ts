/**
 * Print markup → PDF (A4, black on white, DejaVu Sans Condensed for Cyrillic). The layout is
 * our own, small and predictable: blocks flow down the page, tables break between rows and
 * repeat their header rows, a document marked fit="page" is set in smaller type until it fits
 * one page. The footer of every page (system, made at, by whom, the verification code, page N
 * of M) is drawn last, when the page count is known.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import PDFDocument from 'pdfkit'
import { render } from '../render/render.ts'
import type { Block, PrintDoc, Row, Run } from './markup.ts'
import { footerView, type PrintMeta } from './meta.ts'

const require = createRequire(import.meta.url)
const FONT_DIR = 'dejavu-fonts-ttf/ttf/'
// read once per process; pdfkit subsets them into each document
const FONTS = {
  regular: readFileSync(require.resolve(FONT_DIR + 'DejaVuSansCondensed.ttf')),
  bold: readFileSync(require.resolve(FONT_DIR + 'DejaVuSansCondensed-Bold.ttf')),
}

const MARGIN = 28 // ≈ 10 mm
const FOOTER_SPACE = 22
const FOOTER_SIZE = 6.5
const CELL_PAD = 1.8
/** fit="page": the scales tried, largest first; below the last the page simply continues */
const FIT_SCALES = [1, 0.93, 0.86, 0.8, 0.74, 0.68, 0.63, 0.58, 0.54]

type Pdf = PDFKit.PDFDocument

/**
 * Shaping a word with fontkit is the costly part of setting text (about a millisecond per new
 * word); pdfkit caches it per document only. The runs depend on the font file and the word
 * alone (glyph ids and advances, not the document's subset), so one cache per font serves
 * every document of the process: a class of 30 diaries shapes «Алгебра» once. This reaches
 * into pdfkit's EmbeddedFont.layoutCache (pdfkit 0.20); without it pdfkit still works, slower.
 */
const LAYOUT_CACHE_LIMIT = 50_000
const layoutCaches = { regular: { runs: Object.create(null) as Record<string, unknown>, size: 0 }, bold: { runs: Object.create(null) as Record<string, unknown>, size: 0 } }

function shareLayoutCache(pdf: Pdf, name: 'regular' | 'bold'): void {
  pdf.font(name)
  const font = (pdf as unknown as { _font?: { layoutCache?: Record<string, unknown> } })._font
  if (!font || typeof font.layoutCache !== 'object') return // a pdfkit without the cache: correct, only slower
  const shared = layoutCaches[name]
  if (shared.size > LAYOUT_CACHE_LIMIT) {
    shared.runs = Object.create(null) as Record<string, unknown>
    shared.size = 0
  }
  // count new words as they arrive, so the cache cannot grow without bound
  font.layoutCache = new Proxy(shared.runs, {
    set(target, key, value) {
      if (!(key in target)) shared.size++
      return Reflect.set(target, key, value)
    },
  })
}

function newPdf(meta: PrintMeta, title: string): Pdf {
  const pdf = new PDFDocument({
    autoFirstPage: false,
    bufferPages: true,
    info: {
      Title: title, Author: meta.madeBy, Creator: 'Звонок', Producer: 'Звонок', Subject: `Код проверки ${meta.code}`,
      Keywords: meta.code, CreationDate: meta.madeAt,
    },
  })
  pdf.registerFont('regular', FONTS.regular)
  pdf.registerFont('bold', FONTS.bold)
  shareLayoutCache(pdf, 'bold')
  shareLayoutCache(pdf, 'regular')
  return pdf
}

interface Frame {
  readonly pdf: Pdf
  readonly draw: boolean
  readonly scale: number
  readonly base: number
  readonly orientation: 'portrait' | 'landscape'
  x: number
  width: number
  top: number
  bottom: number
  y: number
  pages: number
}

function pageSize(orientation: 'portrait' | 'landscape') {
  return orientation === 'landscape' ? { w: 841.89, h: 595.28 } : { w: 595.28, h: 841.89 }
}

function newPage(f: Frame): void {
  const { w, h } = pageSize(f.orientation)
  if (f.draw) f.pdf.addPage({ size: 'A4', layout: f.orientation, margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: 0 } })
  f.pages++
  f.x = MARGIN
  f.width = w - 2 * MARGIN
  f.top = MARGIN
  f.bottom = h - MARGIN - FOOTER_SPACE
  f.y = f.top
}

const textSize = (f: Frame, b: Extract<Block, { kind: 'h1' | 'h2' | 'p' }>) =>
  f.base * f.scale * (b.kind === 'h1' ? 1.45 : b.kind === 'h2' ? 1.15 : b.small ? 0.85 : 1)

function runsHeight(f: Frame, runs: readonly Run[], size: number, width: number): number {
  const text = runs.map((r) => r.text).join('')
  if (!text) return 0
  // measured in bold when any of it is bold: bold is wider, so the estimate never falls short
  f.pdf.font(runs.some((r) => r.bold) ? 'bold' : 'regular').fontSize(size)
  return f.pdf.heightOfString(text, { width, lineGap: 0 })
}

function textBlock(f: Frame, b: Extract<Block, { kind: 'h1' | 'h2' | 'p' }>): void {
  const size = textSize(f, b)
  const runs = b.kind === 'p' ? b.runs : b.runs.map((r) => ({ ...r, bold: true }))
  const height = runsHeight(f, runs, size, f.width)
  const gap = size * (b.kind === 'p' ? 0.3 : 0.45)
  if (f.y + height > f.bottom && f.y > f.top) newPage(f)
  if (f.draw && runs.length) {
    runs.forEach((r, i) => {
      f.pdf.font(r.bold ? 'bold' : 'regular').fontSize(size)
      const opts = { width: f.width, align: b.align, continued: i < runs.length - 1, lineGap: 0 }
      if (i === 0) f.pdf.text(r.text, f.x, f.y, opts)
      else f.pdf.text(r.text, opts)
    })
  }
  f.y += height + gap
}

interface Measured {
  readonly row: Row
  readonly height: number
  readonly spans: readonly { x: number; w: number; size: number }[]
}

/** A cell's words are never split: a word wider than its column sets the cell in smaller type. */
const MIN_CELL_SHRINK = 0.72

function cellSize(f: Frame, text: string, bold: boolean, size: number, width: number): number {
  f.pdf.font(bold ? 'bold' : 'regular').fontSize(size)
  const widest = Math.max(0, ...text.split(/\s+/).map((w) => f.pdf.widthOfString(w)))
  return widest > width ? size * Math.max(MIN_CELL_SHRINK, width / widest) : size
}

function measureRow(f: Frame, row: Row, cols: readonly number[], size: number): Measured {
  const spans: { x: number; w: number; size: number }[] = []
  let x = f.x, i = 0, height = size + 2 * CELL_PAD * f.scale
  for (const c of row.cells) {
    const w = cols.slice(i, i + c.colspan).reduce((a, b) => a + b, 0)
    const inner = w - 2 * CELL_PAD * f.scale
    const own = c.text && !c.vertical ? cellSize(f, c.text, c.bold, size, inner) : size
    spans.push({ x, w, size: own })
    if (c.text) {
      f.pdf.font(c.bold ? 'bold' : 'regular').fontSize(own)
      // a vertical cell is as tall as its text is long (one line, read bottom to top)
      const need = c.vertical ? f.pdf.widthOfString(c.text) : f.pdf.heightOfString(c.text, { width: inner, lineGap: 0 })
      height = Math.max(height, need + 2 * CELL_PAD * f.scale)
    }
    x += w
    i += c.colspan
  }
  return { row, height, spans }
}

function drawRow(f: Frame, m: Measured): void {
  if (f.draw) {
    const pad = CELL_PAD * f.scale
    f.pdf.lineWidth(0.5).strokeColor('black').fillColor('black')
    m.row.cells.forEach((c, i) => {
      const s = m.spans[i]!
      f.pdf.rect(s.x, f.y, s.w, m.height).stroke()
      if (!c.text) return
      f.pdf.font(c.bold ? 'bold' : 'regular').fontSize(s.size)
      if (c.vertical) {
        // turned a quarter anticlockwise about the cell's bottom-left corner, centred across the column
        const x = s.x + (s.w - s.size) / 2, y = f.y + m.height - pad
        f.pdf.save().rotate(-90, { origin: [x, y] })
        f.pdf.text(c.text, x, y, { lineBreak: false, lineGap: 0 })
        f.pdf.restore()
      } else {
        f.pdf.text(c.text, s.x + pad, f.y + pad, { width: s.w - 2 * pad, align: c.align, lineGap: 0 })
      }
    })
  }
  f.y += m.height
}

function tableBlock(f: Frame, b: Extract<Block, { kind: 'table' }>): void {
  const size = (b.fontSize ?? f.base) * f.scale
  const sum = b.widths.reduce((a, w) => a + w, 0)
  const cols = b.widths.map((w) => (w / sum) * f.width)
  const heads = b.rows.filter((r) => r.head).map((r) => measureRow(f, r, cols, size))
  const headHeight = heads.reduce((a, m) => a + m.height, 0)
  const body = b.rows.filter((r) => !r.head)
  // the header stays with the first row
  const first = body[0] ? measureRow(f, body[0], cols, size).height : 0
  if (f.y + headHeight + first > f.bottom && f.y > f.top) newPage(f)
  for (const h of heads) drawRow(f, h)
  for (const r of body) {
    const m = measureRow(f, r, cols, size)
    if (f.y + m.height > f.bottom && f.y > f.top + headHeight) {
      newPage(f)
      for (const h of heads) drawRow(f, h)
    }
    drawRow(f, m)
  }
  f.y += size * 0.6
}

/** Lays one document out from a fresh page; returns how many pages it took. */
function layout(pdf: Pdf, d: PrintDoc, scale: number, draw: boolean): number {
  const f: Frame = { pdf, draw, scale, base: d.fontSize, orientation: d.orientation, x: 0, width: 0, top: 0, bottom: 0, y: 0, pages: 0 }
  newPage(f)
  for (const b of d.blocks) {
    switch (b.kind) {
      case 'section':
        if (f.y > f.top) newPage(f)
        break
      case 'br':
        f.y += f.base * f.scale * 0.6
        break
      case 'table':
        tableBlock(f, b)
        break
      default:
        textBlock(f, b)
    }
  }
  return f.pages
}

/** The scale a document is set at: 1, or for fit="page" the largest that fits one page. */
function chooseScale(measure: Pdf, d: PrintDoc): number {
  if (!d.fit || layout(measure, d, 1, false) === 1) return 1
  // smaller type never takes more pages: bisect for the largest scale that fits
  let lo = 1, hi = FIT_SCALES.length - 1 // FIT_SCALES[lo - 1] does not fit; FIT_SCALES[hi] is the fallback
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (layout(measure, d, FIT_SCALES[mid]!, false) === 1) hi = mid
    else lo = mid + 1
  }
  return FIT_SCALES[hi]!
}

/**
 * One PDF of one or several documents (a class's weekly diaries: each starts on a new page).
 * Returns the bytes and the page count.
 */
export async function toPdf(docs: PrintDoc | readonly PrintDoc[], meta: PrintMeta): Promise<{ pdf: Buffer; pages: number }> {
  const list: readonly PrintDoc[] = Array.isArray(docs) ? docs : [docs as PrintDoc]
  if (!list.length) throw new Error('toPdf: no documents')
  const pdf = newPdf(meta, list.length === 1 ? list[0]!.title : `${list[0]!.title} и ещё ${list.length - 1}`)
  const chunks: Buffer[] = []
  pdf.on('data', (c: Buffer) => chunks.push(c))
  const ended = new Promise<void>((resolve, reject) => {
    pdf.on('end', resolve)
    pdf.on('error', reject)
  })
  for (const d of list) layout(pdf, d, chooseScale(pdf, d), true)
  const range = pdf.bufferedPageRange()
  const pages = range.count
  for (let i = 0; i < pages; i++) {
    pdf.switchToPage(range.start + i)
    const { w, h } = pageSize(pdf.page.layout === 'landscape' ? 'landscape' : 'portrait')
    const line = render('print/footer.text', footerView(meta, i + 1, pages)).replace(/\s+/g, ' ').trim()
    pdf.font('regular').fontSize(FOOTER_SIZE).fillColor('black')
    pdf.moveTo(MARGIN, h - MARGIN - FOOTER_SPACE + 6).lineTo(w - MARGIN, h - MARGIN - FOOTER_SPACE + 6).lineWidth(0.3).stroke()
    pdf.text(line, MARGIN, h - MARGIN - FOOTER_SPACE + 9, { width: w - 2 * MARGIN, align: 'left', lineGap: 0 })
  }
  pdf.end()
  await ended
  return { pdf: Buffer.concat(chunks), pages }
}
