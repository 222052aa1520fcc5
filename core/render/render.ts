/**
 * Everything a person reads is a handlebars template under templates/, Russian first.
 * Templates are compiled once and fed validated view models; escaping is handlebars' default.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Handlebars from 'handlebars'

export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates')

const hb = Handlebars.create()
hb.registerHelper('date', (value: Date | string, timeZone: string) =>
  new Intl.DateTimeFormat('ru-RU', { timeZone, day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(value)))
hb.registerHelper('dateTime', (value: Date | string, timeZone: string) =>
  new Intl.DateTimeFormat('ru-RU', { timeZone, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(value)))

const cache = new Map<string, Handlebars.TemplateDelegate>()

/** Renders templates/<name>.hbs, e.g. render('print/credential-slips.html', view). */
export function render(name: string, view: object): string {
  let tpl = cache.get(name)
  if (!tpl) {
    if (!/^[a-z0-9/-]+(\.[a-z]+)?$/.test(name) || name.includes('..')) throw new Error(`bad template name ${name}`)
    tpl = hb.compile(readFileSync(path.join(TEMPLATES_DIR, `${name}.hbs`), 'utf8'), { strict: true })
    cache.set(name, tpl)
  }
  return tpl(view)
}
