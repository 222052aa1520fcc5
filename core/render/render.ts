/**
 * Everything a person reads is a handlebars template under templates/, Russian first.
 * Templates are compiled once and fed validated view models; escaping is handlebars' default.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Handlebars from 'handlebars'

export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates')

const hb = Handlebars.create()
// formatters are cached per zone and kind: each holds native memory the GC does not see
const formatters = new Map<string, Intl.DateTimeFormat>()
function formatter(kind: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${kind}|${opts.timeZone}`
  let f = formatters.get(key)
  if (!f) formatters.set(key, (f = new Intl.DateTimeFormat('ru-RU', opts)))
  return f
}
hb.registerHelper('date', (value: Date | string, timeZone: string) =>
  formatter('date', { timeZone, day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(value)))
hb.registerHelper('dateTime', (value: Date | string, timeZone: string) =>
  formatter('dateTime', { timeZone, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(value)))

/** Russian plural: plural(n, 'отметка', 'отметки', 'отметок') → the form for n. */
export function plural(n: number, one: string, few: string, many: string): string {
  const m10 = n % 10, m100 = n % 100
  if (m10 === 1 && m100 !== 11) return one
  if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return few
  return many
}
hb.registerHelper('plural', (n: number, one: string, few: string, many: string) => plural(n, one, few, many))
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b)
/** 'YYYY-MM-DD' → '24.11' (a calendar date needs no time zone) */
hb.registerHelper('dayMonth', (d: string) => `${d.slice(8, 10)}.${d.slice(5, 7)}`)
/** 'YYYY-MM-DD' → 'понедельник' */
hb.registerHelper('weekdayName', (d: string) =>
  formatter('weekday', { weekday: 'long', timeZone: 'UTC' }).format(new Date(`${d}T12:00:00Z`)))

// templates/partials/<name>.hbs are partials ({{> name}} or {{#> name}}…{{/name}}), e.g. the email layout
const partialsDir = path.join(TEMPLATES_DIR, 'partials')
for (const file of safeReaddir(partialsDir)) {
  if (file.endsWith('.hbs')) hb.registerPartial(file.slice(0, -4), readFileSync(path.join(partialsDir, file), 'utf8'))
}
function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

const cache = new Map<string, Handlebars.TemplateDelegate>()

/** Renders templates/<name>.hbs, e.g. render('print/credential-slips.html', view). */
export function render(name: string, view: object): string {
  let tpl = cache.get(name)
  if (!tpl) {
    if (!/^[a-z0-9/-]+(\.[a-z]+)?$/.test(name) || name.includes('..')) throw new Error(`bad template name ${name}`)
    // plain-text outputs (email text, subjects, SMS) are not HTML: no entity escaping there
    const plain = /\.(text|subject)$/.test(name)
    tpl = hb.compile(readFileSync(path.join(TEMPLATES_DIR, `${name}.hbs`), 'utf8'), { strict: true, noEscape: plain })
    cache.set(name, tpl)
  }
  return tpl(view)
}
