import { describe, expect, it } from 'vitest'
import { extractRefs, matchSubject, parseHomeworkText, textAfterWords } from '../../bots/conversation/homework-text.ts'

const pick = (text: string) => {
  const p = parseHomeworkText(text)
  return p && { classLabel: p.classLabel, subjectWords: p.subjectWords, text: p.text, pages: p.pages, exercises: p.exercises }
}

describe('parseHomeworkText', () => {
  it('reads the issue’s example', () => {
    expect(pick('7А алгебра §12 №3–5, стр. 45')).toEqual({
      classLabel: '7А', subjectWords: ['алгебра'], text: '§12 №3–5, стр. 45', pages: '45', exercises: '3–5',
    })
  })

  it.each([
    ['7а русский упр. 125', '7А', ['русский'], 'упр. 125', undefined, '125'],
    ['10Б физика п. 23, задачи 1-4', '10Б', ['физика'], 'п. 23, задачи 1-4', undefined, '1–4'],
    ['7A алгебра №5', '7А', ['алгебра'], '№5', undefined, '5'],
    ['7 А геометрия с. 45–47', '7А', ['геометрия'], 'с. 45–47', '45–47', undefined],
    ['7-а литература страница 12, выучить стих', '7А', ['литература'], 'страница 12, выучить стих', '12', undefined],
    ['11в химия № 3, 5', '11В', ['химия'], '№ 3, 5', undefined, '3, 5'],
    ['5b русский язык упр 7', '5Б', ['русский', 'язык'], 'упр 7', undefined, '7'],
    ['8Е рус. яз. упр. 3', '8Е', ['рус', 'яз'], 'упр. 3', undefined, '3'],
    ['6к история: прочитать §5', '6К', ['история'], 'прочитать §5', undefined, undefined],
    ['9Г английский язык — стр. 10-11, упр. 4, 5', '9Г', ['английский', 'язык'], 'стр. 10-11, упр. 4, 5', '10–11', '4, 5'],
    ['7А по алгебре №1', '7А', ['алгебре'], '№1', undefined, '1'],
    ['7А §12', '7А', [], '§12', undefined, undefined],
    ['2Б окружающий мир стр.45 №2', '2Б', ['окружающий', 'мир'], 'стр.45 №2', '45', '2'],
  ])('%s', (input, classLabel, subjectWords, text, pages, exercises) => {
    expect(pick(input)).toEqual({ classLabel, subjectWords, text, pages, exercises })
  })

  it('keeps at most four leading words as the subject candidates', () => {
    const p = parseHomeworkText('7А русский выучить правило на стр. 12')!
    // «выучить» starts the assignment
    expect(p.subjectWords).toEqual(['русский'])
    expect(p.text).toBe('выучить правило на стр. 12')
    const q = parseHomeworkText('7А русский язык правило наизусть сочинение')!
    expect(q.subjectWords).toEqual(['русский', 'язык', 'правило', 'наизусть'])
    expect(textAfterWords(q, 2)).toBe('правило наизусть сочинение')
    expect(textAfterWords(q, 0)).toBe('русский язык правило наизусть сочинение')
  })

  it('does not claim texts without a class token', () => {
    for (const t of ['алгебра §12', 'дз на завтра', '12.03', '7 апреля контрольная', '12А алгебра', '0А алгебра', '7Аалгебра', '7Z алгебра', 'привет', ''])
      expect(parseHomeworkText(t), t).toBeNull()
  })

  it('reads grade 1 too (the refusal is the resolver’s)', () => {
    expect(pick('1А чтение стр. 5')?.classLabel).toBe('1А')
  })
})

describe('extractRefs', () => {
  it('finds several pages and exercises, and needs a dot after «с»', () => {
    expect(extractRefs('стр. 45, 46 и №1—3, №7')).toEqual({ pages: '45, 46', exercises: '1–3, 7' })
    expect(extractRefs('работа с 3 по 5')).toEqual({})
    expect(extractRefs('номер 12а')).toEqual({ exercises: '12а' })
  })
})

describe('matchSubject', () => {
  const subjects = [
    { id: 'm', subject: 'Математика' }, { id: 'r', subject: 'Русский язык' }, { id: 'l', subject: 'Литература' },
    { id: 'f', subject: 'Физика' }, { id: 'p', subject: 'Физическая культура' },
  ]
  const match = (text: string, list = subjects) => {
    const p = parseHomeworkText(text)!
    const m = matchSubject(p, list)
    return m.kind === 'one' ? { id: m.subject.id, text: textAfterWords(p, m.words) } : m.kind === 'several' ? m.subjects.map((s) => s.id) : null
  }

  it.each([
    ['7А матем №1', 'm', '№1'],
    ['7А математике №1', 'm', '№1'],
    ['7А алгебра §12 №3–5, стр. 45', 'm', '§12 №3–5, стр. 45'],
    ['7А геометрия №3', 'm', '№3'],
    ['7А русск упр. 5', 'r', 'упр. 5'],
    ['7А рус яз упр. 5', 'r', 'упр. 5'],
    ['7А Рус. Яз. упр. 5', 'r', 'упр. 5'],
    ['7А русскому правило наизусть', 'r', 'правило наизусть'],
    ['7А лит-ра читать главу 3', 'l', 'читать главу 3'],
    ['7А физике п. 23', 'f', 'п. 23'],
    ['7А физра принести форму', 'p', 'принести форму'],
  ])('%s', (text, id, rest) => {
    expect(match(text)).toEqual({ id, text: rest })
  })

  it('treats ё as е and ignores case', () => {
    expect(match('7А ЁЖИК стр. 1', [{ id: 'e', subject: 'Ежиковедение' }])).toEqual({ id: 'e', text: 'стр. 1' })
  })

  it('prefers algebra over mathematics when the class has both, and reports a tie', () => {
    const list = [{ id: 'a', subject: 'Алгебра' }, { id: 'g', subject: 'Геометрия' }]
    expect(match('7А алгебра №1', list)).toEqual({ id: 'a', text: '№1' })
    expect(match('7А математика №1', list)).toEqual({ id: 'a', text: '№1' })
    expect(match('7А рус №1', [{ id: 'r', subject: 'Русский язык' }, { id: 'x', subject: 'Русская литература' }])).toEqual(['r', 'x'])
  })

  it('finds nothing for a subject not in the list', () => {
    expect(match('7А химия №1')).toBeNull()
    expect(match('7А яз №1')).toBeNull()
  })
})
