/**
 * The print markup: what a `templates/print/*.hbs` renders to. A small XML subset that says what
 * a document holds (headings, paragraphs, tables), not how a page is drawn, so one template
 * feeds both the PDF and the XLSX writers. Handlebars escapes the text; htmlparser2 reads it back.
 *
 *   <doc title orientation="portrait|landscape" font-size fit="page">
 *     <section name>  <h1> <h2> <p class="small"> (with <b>) <br/>
 *     <table widths="4,1,1" font-size> <tr head|total> <th>/<td colspan align n vertical> </table>
 */
import { Parser } from 'htmlparser2'
import { render } from '../render/render.ts'

export interface Run {
  readonly text: string
  readonly bold: boolean
}

export type Align = 'left' | 'center' | 'right'

export interface Cell {
  readonly text: string
  readonly bold: boolean
  readonly colspan: number
  readonly align: Align
  /** the cell's number for a spreadsheet (the text is what the page shows, e.g. «4,5») */
  readonly n: number | null
  /** set bottom to top on the page (narrow subject columns of a summary sheet) */
  readonly vertical: boolean
}

export interface Row {
  /** repeated at the top of every page the table continues on */
  readonly head: boolean
  readonly total: boolean
  readonly cells: readonly Cell[]
}

export type Block =
  | { readonly kind: 'h1' | 'h2' | 'p'; readonly runs: readonly Run[]; readonly small: boolean; readonly align: Align }
  | { readonly kind: 'table'; readonly widths: readonly number[]; readonly fontSize: number | null; readonly rows: readonly Row[] }
  | { readonly kind: 'br' }
  | { readonly kind: 'section'; readonly name: string }

export interface PrintDoc {
  readonly title: string
  readonly orientation: 'portrait' | 'landscape'
  readonly fontSize: number
  /** shrink the type until the document fits one page */
  readonly fit: boolean
  readonly blocks: readonly Block[]
}

export class MarkupError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MarkupError'
  }
}

/** Renders templates/print/<name>.hbs with the model and reads the markup. */
export function printDoc(name: string, model: object): PrintDoc {
  return parseMarkup(render(`print/${name}`, model), name)
}

const collapse = (s: string) => s.replace(/\s+/g, ' ')

/** Reads print markup; anything outside the subset is an error (a template bug, found in tests). */
export function parseMarkup(markup: string, source = 'markup'): PrintDoc {
  let doc: { title: string; orientation: 'portrait' | 'landscape'; fontSize: number; fit: boolean } | null = null
  const blocks: Block[] = []
  let runs: Run[] | null = null
  let textBlock: { kind: 'h1' | 'h2' | 'p'; small: boolean; align: Align } | null = null
  let bold = 0
  let table: { widths: number[]; fontSize: number | null; rows: Row[] } | null = null
  let row: { head: boolean; total: boolean; cells: Cell[] } | null = null
  let cell: { parts: string[]; bold: boolean; colspan: number; align: Align; n: number | null; vertical: boolean } | null = null
  const fail = (what: string): never => {
    throw new MarkupError(`${source}: ${what}`)
  }
  const num = (v: string | undefined, what: string): number | null => {
    if (v === undefined || v === '') return null
    const n = Number(v)
    if (!Number.isFinite(n)) fail(`${what} "${v}" is not a number`)
    return n
  }
  const align = (v: string | undefined): Align => {
    if (v === undefined) return 'left'
    if (v === 'left' || v === 'center' || v === 'right') return v
    return fail(`align "${v}"`)
  }

  const parser = new Parser({
    onopentag(name, attrs) {
      if (name !== 'doc' && !doc) fail(`<${name}> outside <doc>`)
      switch (name) {
        case 'doc':
          if (doc) fail('nested <doc>')
          doc = {
            title: attrs.title ?? '',
            orientation: attrs.orientation === 'landscape' ? 'landscape' : 'portrait',
            fontSize: num(attrs['font-size'], 'font-size') ?? 9,
            fit: attrs.fit === 'page',
          }
          return
        case 'section':
          blocks.push({ kind: 'section', name: attrs.name ?? '' })
          return
        case 'h1': case 'h2': case 'p':
          if (runs || table) fail(`<${name}> inside a paragraph or table`)
          runs = []
          textBlock = { kind: name, small: (attrs.class ?? '').split(/\s+/).includes('small'), align: align(attrs.align) }
          return
        case 'b':
          bold++
          return
        case 'br':
          if (cell) cell.parts.push('\n')
          else if (runs) runs.push({ text: '\n', bold: bold > 0 })
          else blocks.push({ kind: 'br' })
          return
        case 'table':
          if (table || runs) fail('<table> inside a table or paragraph')
          table = {
            widths: (attrs.widths ?? '').split(',').filter(Boolean).map((w) => num(w.trim(), 'width') ?? 1),
            fontSize: num(attrs['font-size'], 'font-size'),
            rows: [],
          }
          return
        case 'tr':
          if (!table) fail('<tr> outside <table>')
          row = { head: 'head' in attrs, total: 'total' in attrs, cells: [] }
          return
        case 'th': case 'td':
          if (!row) fail(`<${name}> outside <tr>`)
          cell = {
            parts: [], bold: name === 'th' || row!.head || row!.total,
            colspan: Math.max(1, Math.trunc(num(attrs.colspan, 'colspan') ?? 1)),
            align: align(attrs.align ?? (name === 'th' ? 'center' : undefined)), n: num(attrs.n, 'n'),
            vertical: 'vertical' in attrs,
          }
          return
        default:
          fail(`unknown element <${name}>`)
      }
    },
    ontext(raw) {
      if (cell) cell.parts.push(raw)
      else if (runs) runs.push({ text: raw, bold: bold > 0 })
      else if (raw.trim()) fail(`text outside a paragraph, heading or cell: "${raw.trim().slice(0, 40)}"`)
    },
    onclosetag(name) {
      switch (name) {
        case 'h1': case 'h2': case 'p': {
          const merged: Run[] = []
          for (const r of runs ?? []) {
            const text = r.text === '\n' ? '\n' : collapse(r.text)
            const last = merged[merged.length - 1]
            if (last && last.bold === r.bold) merged[merged.length - 1] = { text: last.text + text, bold: r.bold }
            else merged.push({ text, bold: r.bold })
          }
          // trim the paragraph's ends and the spaces around forced line breaks
          const cleaned = merged.map((r) => ({ ...r, text: r.text.replace(/ *\n */g, '\n') })).filter((r) => r.text !== '')
          if (cleaned[0]) cleaned[0] = { ...cleaned[0], text: cleaned[0].text.trimStart() }
          const lastRun = cleaned[cleaned.length - 1]
          if (lastRun) cleaned[cleaned.length - 1] = { ...lastRun, text: lastRun.text.trimEnd() }
          blocks.push({ kind: textBlock!.kind, small: textBlock!.small, align: textBlock!.align, runs: cleaned.filter((r) => r.text !== '') })
          runs = null
          textBlock = null
          return
        }
        case 'b':
          bold = Math.max(0, bold - 1)
          return
        case 'th': case 'td': {
          const text = cell!.parts.join('').split('\n').map((l) => collapse(l).trim()).join('\n').trim()
          row!.cells.push({ text, bold: cell!.bold, colspan: cell!.colspan, align: cell!.align, n: cell!.n, vertical: cell!.vertical })
          cell = null
          return
        }
        case 'tr':
          table!.rows.push(row!)
          row = null
          return
        case 'table': {
          const t = table!
          const columns = Math.max(t.widths.length, ...t.rows.map((r) => r.cells.reduce((n, c) => n + c.colspan, 0)))
          const widths = Array.from({ length: columns }, (_, i) => t.widths[i] ?? 1)
          blocks.push({ kind: 'table', widths, fontSize: t.fontSize, rows: t.rows })
          table = null
          return
        }
      }
    },
  }, { xmlMode: true, decodeEntities: true, recognizeSelfClosing: true })
  parser.write(markup)
  parser.end()
  if (!doc) fail('no <doc>')
  const d = doc as unknown as { title: string; orientation: 'portrait' | 'landscape'; fontSize: number; fit: boolean }
  return { ...d, blocks }
}
