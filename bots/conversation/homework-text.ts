/**
 * A teacher's homework in one message: «7А алгебра §12 №3–5, стр. 45». The class token comes
 * first (grade 1–11 and a letter, Cyrillic or a Latin look-alike: 7a, 7A, 7 А, 7-а → 7А), then
 * the words that may name the subject, then the assignment, kept as written. Pages («стр. 45»,
 * «с. 45–47», «страница 12») and exercises («№3–5», «№ 3, 5», «упр. 12», «задачи 1-4») are
 * picked out as well. Which of the leading words name the subject is decided against the
 * teacher's own subjects (matchSubject): «7А русский выучить правило» → Русский язык, «выучить правило».
 */

export interface ParsedHomework {
  /** '7А': the grade and the Cyrillic capital letter */
  readonly classLabel: string
  readonly grade: number
  /** the leading words that may name the subject (the subject is some prefix of them) */
  readonly subjectWords: readonly string[]
  /** the assignment as written, after all of subjectWords */
  readonly text: string
  readonly pages?: string | undefined
  readonly exercises?: string | undefined
  /** everything after the class token, and where each of subjectWords starts and ends in it */
  readonly body: string
  readonly wordStarts: readonly number[]
  readonly wordEnds: readonly number[]
}

/** Latin letters read as Cyrillic class letters: capitals by their look, small ones also by sound (b → Б). */
const LATIN: Readonly<Record<string, string>> = {
  A: 'А', B: 'В', C: 'С', E: 'Е', H: 'Н', K: 'К', M: 'М', O: 'О', P: 'Р', T: 'Т', X: 'Х', Y: 'У',
  a: 'А', b: 'Б', c: 'С', d: 'Д', e: 'Е', g: 'Г', k: 'К', m: 'М', o: 'О', p: 'Р', v: 'В', x: 'Х', y: 'У',
}

/** A class letter as printed: a Latin look-alike read as Cyrillic, upper case, Ё as Е; null when it is no Cyrillic letter. */
export function classLetter(raw: string): string | null {
  const letter = LATIN[raw] ?? raw.toUpperCase().replace('Ё', 'Е')
  return /^[А-Я]$/.test(letter) ? letter : null
}

const CLASS_TOKEN = /^\s*(\d{1,2})\s*[-–]?\s*([А-ЯЁа-яёA-Za-z])(?![\p{L}\d])[\s.,:;—–-]*/u
const DASH = /\s*[-–—]\s*/g
const NUMBERS = String.raw`\d+[а-яё]?(?:\s*[-–—]\s*\d+[а-яё]?)?(?:\s*,\s*\d+[а-яё]?(?:\s*[-–—]\s*\d+[а-яё]?)?)*`
const PAGES = new RegExp(String.raw`(?<![\p{L}])(?:стр(?:аниц[аыи]?)?\.?|с\.)\s*(${NUMBERS})`, 'giu')
const EXERCISES = new RegExp(String.raw`(?:№|(?<![\p{L}])(?:упр(?:ажнени[еяй])?|задач[аи]?|зад|номер[а]?))\.?\s*(${NUMBERS})`, 'giu')
/** words that begin the assignment, never the subject */
const MARKERS = new Set([
  'стр', 'страница', 'страницы', 'с', 'упр', 'упражнение', 'упражнения', 'п', 'пар', 'параграф', 'задачи', 'задача', 'зад',
  'номер', 'номера', 'читать', 'прочитать', 'выучить', 'решить', 'написать', 'повторить', 'сделать', 'выполнить',
])
/** words skipped before the subject: «7А по алгебре», «7А дз алгебра» */
const FILLERS = new Set(['по', 'дз', 'д/з', 'домашка', 'домашнее', 'задание'])
const MAX_SUBJECT_WORDS = 4

export function normalizeWord(w: string): string {
  return w.toLowerCase().replace(/ё/g, 'е').replace(/[.()«»"]/g, '')
}

function list(re: RegExp, body: string): string | undefined {
  const found = [...body.matchAll(re)].map((m) => m[1]!.replace(DASH, '–').replace(/\s*,\s*/g, ', '))
  return found.length ? found.join(', ') : undefined
}

/** Pages and exercises named in an assignment's text. */
export function extractRefs(text: string): { pages?: string; exercises?: string } {
  const pages = list(PAGES, text)
  const exercises = list(EXERCISES, text)
  return { ...(pages ? { pages } : {}), ...(exercises ? { exercises } : {}) }
}

export function parseHomeworkText(input: string): ParsedHomework | null {
  const m = CLASS_TOKEN.exec(input)
  if (!m) return null
  const grade = Number(m[1])
  if (grade < 1 || grade > 11) return null
  const letter = classLetter(m[2]!)
  if (!letter) return null
  const body = input.slice(m[0].length).trim()

  // the leading words: letters (inner hyphens, a trailing dot for abbreviations «рус. яз.»)
  const subjectWords: string[] = []
  const wordStarts: number[] = []
  const wordEnds: number[] = []
  const word = /\s*([\p{L}]+(?:[-/][\p{L}]+)*(?:\.|(?=[\s,:;—–-]|$)))/uy
  let at = 0
  while (subjectWords.length < MAX_SUBJECT_WORDS) {
    word.lastIndex = at
    const w = word.exec(body)
    if (!w) break
    const norm = normalizeWord(w[1]!)
    if (MARKERS.has(norm)) break
    const end = word.lastIndex
    if (!(FILLERS.has(norm) && subjectWords.length === 0)) {
      subjectWords.push(w[1]!.replace(/\.$/, ''))
      wordStarts.push(end - w[1]!.length)
      wordEnds.push(end)
    }
    at = end
    // «алгебра:», «алгебра —», «алгебра,» close the subject
    if (/^\s*[,:;—–]|^\s+-\s/.test(body.slice(at))) break
  }
  return {
    classLabel: `${grade}${letter}`, grade, subjectWords, body, wordStarts, wordEnds,
    text: assignmentAfter(body, at), ...extractRefs(body),
  }
}

function assignmentAfter(body: string, from: number): string {
  return body.slice(from).replace(/^[\s,:;—–-]+/, '').trim()
}

/** The assignment when the subject is named by the first `n` of the subject words (the rest belongs to the text). */
export function textAfterWords(p: ParsedHomework, n: number): string {
  if (n >= p.subjectWords.length) return p.text
  return assignmentAfter(p.body, n === 0 ? p.wordStarts[0]! : p.wordEnds[n - 1]!)
}

// ---------------------------------------------------------------- the subject

/** Short names and school usage → how subjects are usually called (tried after the direct match). */
const ALIASES: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/^алг/, ['математика']],
  [/^геом/, ['математика']],
  [/^мат/, ['алгебра', 'математика']],
  [/^рус/, ['русский язык']],
  [/^(лит|литра|лит-ра)$/, ['литература', 'литературное чтение']],
  [/^чтен/, ['литературное чтение']],
  [/^(англ|нем|франц|ин|иняз|ин-яз)/, ['иностранный язык', 'английский язык']],
  [/^(физра|физ-ра|физкульт)/, ['физическая культура']],
  [/^обж$/, ['основы безопасности']],
  [/^изо$/, ['изобразительное искусство']],
  [/^окр/, ['окружающий мир']],
  [/^(инф|информ)/, ['информатика']],
  [/^общество/, ['обществознание']],
  [/^труд/, ['технология', 'труд']],
]

const words = (s: string) => normalizeWord(s).split(/[^\p{L}-]+/u).filter(Boolean)

function commonPrefix(a: string, b: string): number {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return i
}

/** How well the typed words name a subject (0: not at all); a longer shared stem scores more. */
function score(typed: readonly string[], name: string): number {
  const target = words(name)
  if (!typed.length || !target.length) return 0
  let total = 0
  let j = 0
  for (const [i, w] of typed.entries()) {
    let best = 0
    for (; j < target.length; j++) {
      const t = target[j]!
      const common = commonPrefix(w, t)
      // the word is a prefix of the subject's word (алгебр, рус, яз), or shares its stem (алгебре, русскому)
      const ok = t.startsWith(w) ? (i === 0 ? w.length >= 3 : w.length >= 2)
        : w.length >= 5 && common >= Math.max(4, Math.min(w.length, t.length) - 3)
      if (ok) {
        best = common
        j++
        break
      }
      if (i === 0) return 0 // the first typed word names the subject's first word
    }
    if (!best) return 0
    total += best
  }
  return total
}

export type SubjectMatch<S> =
  | { readonly kind: 'one'; readonly subject: S; readonly words: number }
  | { readonly kind: 'several'; readonly subjects: readonly S[] }
  | { readonly kind: 'none' }

/**
 * The subject among `subjects` the leading words name, trying the longest phrase first
 * («рус яз» before «рус»), then the usual short names (алгебра → Математика where the class has no algebra).
 */
export function matchSubject<S extends { readonly subject: string }>(p: ParsedHomework, subjects: readonly S[]): SubjectMatch<S> {
  const typed = p.subjectWords.map(normalizeWord)
  for (let n = typed.length; n >= 1; n--) {
    const phrase = typed.slice(0, n)
    const scored = subjects.map((s) => ({ s, score: score(phrase, s.subject) })).filter((x) => x.score > 0)
    if (!scored.length) continue
    const top = Math.max(...scored.map((x) => x.score))
    const best = scored.filter((x) => x.score === top).map((x) => x.s)
    if (best.length === 1) return { kind: 'one', subject: best[0]!, words: n }
    return { kind: 'several', subjects: best }
  }
  // the usual short names, by the first word
  const first = typed[0]
  if (first) {
    for (const [re, names] of ALIASES) {
      if (!re.test(first)) continue
      for (const name of names) {
        const found = subjects.filter((s) => normalizeWord(s.subject).startsWith(name))
        if (found.length === 1) return { kind: 'one', subject: found[0]!, words: aliasWords(typed) }
        if (found.length > 1) return { kind: 'several', subjects: found }
      }
    }
  }
  return { kind: 'none' }
}

/** «рус яз …», «ин яз …», «англ яз …»: the second word is part of the short name. */
function aliasWords(typed: readonly string[]): number {
  return typed[1] && /^(яз|язык)/.test(typed[1]) ? 2 : 1
}
