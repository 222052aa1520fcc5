/**
 * Deterministic generation of realistic Russian people for the demo school:
 * students, their parents/guardians and teachers.
 *
 * Everything is driven by an injected PRNG (see `createRng`), so the same seed
 * always yields the same people. No external dependencies.
 */

// ---------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------

/**
 * mulberry32: tiny, fast, deterministic 32-bit PRNG.
 * Returns a function producing floats in [0, 1).
 */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;

function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick() from an empty list');
  return item;
}

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

export type Gender = 'male' | 'female';

/** Age bracket used to choose era-appropriate first names. */
export type Generation = 'child' | 'adult' | 'senior';

export interface PersonName {
  lastName: string;
  firstName: string;
  middleName: string;
  gender: Gender;
}

export interface Family {
  children: PersonName[];
  mother?: PersonName;
  father?: PersonName;
  grandmother?: PersonName;
}

// ---------------------------------------------------------------------------
// Data: first names and patronymics
// ---------------------------------------------------------------------------

/*
 * Era tags say in which generation a name is common:
 *   c = schoolchildren (born ~2008-2019)
 *   a = parents / teachers (born ~1970-1995)
 *   s = grandparents (born ~1945-1965)
 *   e = great-grandparents (only used as a source of grandparents' patronymics)
 *
 * Every male first name carries explicit patronymic forms, so any man generated
 * here can be a father and his children's patronymic is always grammatical.
 */
type MaleEntry = readonly [name: string, patronymicMale: string, patronymicFemale: string, eras: string];
type FemaleEntry = readonly [name: string, eras: string];

const MALE_NAMES: readonly MaleEntry[] = [
  ['Александр', 'Александрович', 'Александровна', 'case'],
  ['Алексей', 'Алексеевич', 'Алексеевна', 'case'],
  ['Анатолий', 'Анатольевич', 'Анатольевна', 'se'],
  ['Андрей', 'Андреевич', 'Андреевна', 'cas'],
  ['Антон', 'Антонович', 'Антоновна', 'a'],
  ['Аркадий', 'Аркадьевич', 'Аркадьевна', 'se'],
  ['Арсений', 'Арсеньевич', 'Арсеньевна', 'c'],
  ['Артём', 'Артёмович', 'Артёмовна', 'ca'],
  ['Богдан', 'Богданович', 'Богдановна', 'c'],
  ['Борис', 'Борисович', 'Борисовна', 'se'],
  ['Вадим', 'Вадимович', 'Вадимовна', 'a'],
  ['Валентин', 'Валентинович', 'Валентиновна', 's'],
  ['Валерий', 'Валерьевич', 'Валерьевна', 's'],
  ['Василий', 'Васильевич', 'Васильевна', 'se'],
  ['Виктор', 'Викторович', 'Викторовна', 'as'],
  ['Виталий', 'Витальевич', 'Витальевна', 'a'],
  ['Владимир', 'Владимирович', 'Владимировна', 'case'],
  ['Владислав', 'Владиславович', 'Владиславовна', 'a'],
  ['Всеволод', 'Всеволодович', 'Всеволодовна', 'c'],
  ['Вячеслав', 'Вячеславович', 'Вячеславовна', 'as'],
  ['Геннадий', 'Геннадьевич', 'Геннадьевна', 's'],
  ['Георгий', 'Георгиевич', 'Георгиевна', 'ce'],
  ['Глеб', 'Глебович', 'Глебовна', 'c'],
  ['Григорий', 'Григорьевич', 'Григорьевна', 'e'],
  ['Даниил', 'Даниилович', 'Данииловна', 'c'],
  ['Денис', 'Денисович', 'Денисовна', 'a'],
  ['Дмитрий', 'Дмитриевич', 'Дмитриевна', 'ca'],
  ['Евгений', 'Евгеньевич', 'Евгеньевна', 'as'],
  ['Егор', 'Егорович', 'Егоровна', 'ca'],
  ['Захар', 'Захарович', 'Захаровна', 'c'],
  ['Иван', 'Иванович', 'Ивановна', 'case'],
  ['Игорь', 'Игоревич', 'Игоревна', 'as'],
  ['Илья', 'Ильич', 'Ильинична', 'cae'],
  ['Кирилл', 'Кириллович', 'Кирилловна', 'ca'],
  ['Константин', 'Константинович', 'Константиновна', 'ca'],
  ['Кузьма', 'Кузьмич', 'Кузьминична', 'e'],
  ['Лев', 'Львович', 'Львовна', 'c'],
  ['Леонид', 'Леонидович', 'Леонидовна', 'se'],
  ['Макар', 'Макарович', 'Макаровна', 'c'],
  ['Максим', 'Максимович', 'Максимовна', 'ca'],
  ['Марк', 'Маркович', 'Марковна', 'c'],
  ['Матвей', 'Матвеевич', 'Матвеевна', 'c'],
  ['Мирон', 'Миронович', 'Мироновна', 'c'],
  ['Михаил', 'Михайлович', 'Михайловна', 'case'],
  ['Никита', 'Никитич', 'Никитична', 'ca'],
  ['Николай', 'Николаевич', 'Николаевна', 'ase'],
  ['Олег', 'Олегович', 'Олеговна', 'as'],
  ['Павел', 'Павлович', 'Павловна', 'ase'],
  ['Пётр', 'Петрович', 'Петровна', 'se'],
  ['Платон', 'Платонович', 'Платоновна', 'c'],
  ['Роман', 'Романович', 'Романовна', 'ca'],
  ['Руслан', 'Русланович', 'Руслановна', 'a'],
  ['Савелий', 'Савельевич', 'Савельевна', 'c'],
  ['Семён', 'Семёнович', 'Семёновна', 'e'],
  ['Сергей', 'Сергеевич', 'Сергеевна', 'as'],
  ['Станислав', 'Станиславович', 'Станиславовна', 'as'],
  ['Степан', 'Степанович', 'Степановна', 'ce'],
  ['Тимофей', 'Тимофеевич', 'Тимофеевна', 'c'],
  ['Тимур', 'Тимурович', 'Тимуровна', 'ca'],
  ['Фёдор', 'Фёдорович', 'Фёдоровна', 'ce'],
  ['Фома', 'Фомич', 'Фоминична', 'e'],
  ['Эдуард', 'Эдуардович', 'Эдуардовна', 's'],
  ['Юрий', 'Юрьевич', 'Юрьевна', 'as'],
  ['Ярослав', 'Ярославович', 'Ярославовна', 'c'],
];

const FEMALE_NAMES: readonly FemaleEntry[] = [
  ['Алёна', 'ca'],
  ['Александра', 'ca'],
  ['Алина', 'ca'],
  ['Алиса', 'c'],
  ['Анастасия', 'ca'],
  ['Анна', 'ca'],
  ['Антонина', 's'],
  ['Арина', 'c'],
  ['Валентина', 's'],
  ['Валерия', 'c'],
  ['Варвара', 'c'],
  ['Василиса', 'c'],
  ['Вера', 'cs'],
  ['Вероника', 'c'],
  ['Виктория', 'ca'],
  ['Галина', 's'],
  ['Дарья', 'ca'],
  ['Диана', 'ca'],
  ['Ева', 'c'],
  ['Евгения', 'a'],
  ['Екатерина', 'ca'],
  ['Елена', 'as'],
  ['Елизавета', 'c'],
  ['Зинаида', 's'],
  ['Злата', 'c'],
  ['Инна', 'a'],
  ['Ирина', 'as'],
  ['Кира', 'c'],
  ['Кристина', 'a'],
  ['Ксения', 'ca'],
  ['Лариса', 's'],
  ['Лидия', 's'],
  ['Любовь', 's'],
  ['Людмила', 's'],
  ['Маргарита', 'c'],
  ['Марина', 'a'],
  ['Мария', 'ca'],
  ['Милана', 'c'],
  ['Мирослава', 'c'],
  ['Надежда', 'as'],
  ['Наталья', 'as'],
  ['Нина', 's'],
  ['Оксана', 'a'],
  ['Ольга', 'as'],
  ['Полина', 'ca'],
  ['Раиса', 's'],
  ['Светлана', 'as'],
  ['София', 'c'],
  ['Таисия', 'c'],
  ['Тамара', 's'],
  ['Татьяна', 'as'],
  ['Ульяна', 'c'],
  ['Юлия', 'a'],
  ['Яна', 'a'],
];

const ERA_TAG: Record<Generation, string> = { child: 'c', adult: 'a', senior: 's' };
/** Era of a person's father, i.e. where their patronymic comes from. */
const FATHER_ERA_TAG: Record<Generation, string> = { child: 'a', adult: 's', senior: 'e' };

function maleNamesOfEra(tag: string): readonly MaleEntry[] {
  return MALE_NAMES.filter((entry) => entry[3].includes(tag));
}

const MALE_BY_ERA: Record<string, readonly MaleEntry[]> = {
  c: maleNamesOfEra('c'),
  a: maleNamesOfEra('a'),
  s: maleNamesOfEra('s'),
  e: maleNamesOfEra('e'),
};

const FEMALE_BY_ERA: Record<string, readonly string[]> = {
  c: FEMALE_NAMES.filter((e) => e[1].includes('c')).map((e) => e[0]),
  a: FEMALE_NAMES.filter((e) => e[1].includes('a')).map((e) => e[0]),
  s: FEMALE_NAMES.filter((e) => e[1].includes('s')).map((e) => e[0]),
};

const PATRONYMICS = new Map<string, { male: string; female: string }>(
  MALE_NAMES.map(([name, male, female]) => [name, { male, female }]),
);

/**
 * Patronymic derived from a father's first name. Throws for names outside the
 * built-in table (all male names produced by this module are in it).
 */
export function patronymicOf(fatherFirstName: string, gender: Gender): string {
  const forms = PATRONYMICS.get(fatherFirstName);
  if (!forms) throw new Error(`No patronymic forms known for "${fatherFirstName}"`);
  return gender === 'male' ? forms.male : forms.female;
}

// ---------------------------------------------------------------------------
// Data: surnames (male form)
// ---------------------------------------------------------------------------

const SURNAMES: readonly string[] = [
  // -ov / -ev / -yov
  'Иванов', 'Смирнов', 'Кузнецов', 'Попов', 'Васильев', 'Петров', 'Соколов', 'Михайлов',
  'Новиков', 'Фёдоров', 'Морозов', 'Волков', 'Алексеев', 'Лебедев', 'Семёнов', 'Егоров',
  'Павлов', 'Козлов', 'Степанов', 'Николаев', 'Орлов', 'Андреев', 'Макаров', 'Захаров',
  'Зайцев', 'Соловьёв', 'Борисов', 'Яковлев', 'Григорьев', 'Романов', 'Воробьёв', 'Сергеев',
  'Фролов', 'Александров', 'Дмитриев', 'Королёв', 'Гусев', 'Киселёв', 'Максимов', 'Поляков',
  'Виноградов', 'Ковалёв', 'Белов', 'Медведев', 'Антонов', 'Тарасов', 'Жуков', 'Баранов',
  'Филиппов', 'Комаров', 'Давыдов', 'Беляев', 'Герасимов', 'Богданов', 'Осипов', 'Сидоров',
  'Матвеев', 'Титов', 'Марков', 'Миронов', 'Крылов', 'Куликов', 'Карпов', 'Власов',
  'Мельников', 'Денисов', 'Гаврилов', 'Тихонов', 'Казаков', 'Афанасьев', 'Данилов', 'Пономарёв',
  'Журавлёв', 'Голубев', 'Муравьёв', 'Щербаков',
  // -in / -yn
  'Никитин', 'Кузьмин', 'Ильин', 'Сорокин', 'Калинин', 'Лапин', 'Фомин', 'Зимин',
  'Голицын', 'Синицын', 'Птицын',
  // adjectival: -skiy / -tskiy / -oy / -yy / -iy
  'Соколовский', 'Вишневский', 'Покровский', 'Успенский', 'Яновский', 'Ковальский',
  'Высоцкий', 'Белецкий', 'Толстой', 'Донской', 'Луговой', 'Боровой', 'Нагорный', 'Гладкий',
  // indeclinable / same form for both genders
  'Белых', 'Черных', 'Седых', 'Долгих', 'Шевченко', 'Бондаренко', 'Ткаченко', 'Коваленко',
  'Мельник', 'Ковальчук', 'Савчук', 'Кравец', 'Гончар',
];

/**
 * Gender-adjusted form of a surname given in its male form.
 *   -ov/-ev/-yov/-in/-yn  → +a        (Ivanov → Ivanova, Golitsyn → Golitsyna)
 *   -iy/-yy/-oy           → -aya      (Sokolovskiy → Sokolovskaya, Tolstoy → Tolstaya)
 *   anything else         → unchanged (Belykh, Shevchenko, Melnik)
 */
export function surnameFor(maleSurname: string, gender: Gender): string {
  if (gender === 'male') return maleSurname;
  if (/(ов|ев|ёв|ин|ын)$/.test(maleSurname)) return `${maleSurname}а`;
  if (/(ий|ый|ой)$/.test(maleSurname)) return `${maleSurname.slice(0, -2)}ая`;
  return maleSurname;
}

// ---------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------

function randomGender(rng: Rng): Gender {
  return rng() < 0.5 ? 'male' : 'female';
}

function randomFirstName(rng: Rng, gender: Gender, generation: Generation): string {
  const tag = ERA_TAG[generation];
  if (gender === 'male') return pick(rng, MALE_BY_ERA[tag] ?? MALE_NAMES)[0];
  return pick(rng, FEMALE_BY_ERA[tag] ?? FEMALE_NAMES.map((e) => e[0]));
}

function randomFatherName(rng: Rng, generation: Generation): string {
  return pick(rng, MALE_BY_ERA[FATHER_ERA_TAG[generation]] ?? MALE_NAMES)[0];
}

interface PersonOptions {
  surname?: string; // male form
  fatherFirstName?: string;
  avoidFirstNames?: readonly string[];
}

function makePerson(rng: Rng, gender: Gender, generation: Generation, opts: PersonOptions = {}): PersonName {
  let firstName = randomFirstName(rng, gender, generation);
  // Re-roll a bounded number of times to avoid e.g. two siblings with the same name.
  for (let i = 0; i < 20 && opts.avoidFirstNames?.includes(firstName); i++) {
    firstName = randomFirstName(rng, gender, generation);
  }
  const fatherFirstName = opts.fatherFirstName ?? randomFatherName(rng, generation);
  const surname = opts.surname ?? pick(rng, SURNAMES);
  return {
    lastName: surnameFor(surname, gender),
    firstName,
    middleName: patronymicOf(fatherFirstName, gender),
    gender,
  };
}

/**
 * A random person. Gender is 50/50 unless given. `generation` picks
 * era-appropriate first names (default 'adult', suitable for teachers).
 */
export function randomPerson(rng: () => number, gender?: Gender, generation: Generation = 'adult'): PersonName {
  return makePerson(rng, gender ?? randomGender(rng), generation);
}

/**
 * A random student's family.
 *   ~85% both parents, ~12% mother only, ~3% grandmother as guardian.
 *   ~80% one child, ~20% two siblings.
 * Children carry the family surname (father's, gender-adjusted) and, when a
 * father exists, a patronymic derived from his first name. Siblings always
 * share surname and patronymic.
 */
export function randomFamily(rng: () => number): Family {
  const familySurname = pick(rng, SURNAMES);
  const guardianRoll = rng();
  const childCount = rng() < 0.8 ? 1 : 2;

  // The children's father; present in the family only in the "both parents" case.
  const fatherFirstName = randomFirstName(rng, 'male', 'adult');

  const children: PersonName[] = [];
  for (let i = 0; i < childCount; i++) {
    children.push(
      makePerson(rng, randomGender(rng), 'child', {
        surname: familySurname,
        fatherFirstName,
        avoidFirstNames: children.map((c) => c.firstName),
      }),
    );
  }

  if (guardianRoll < 0.85) {
    const father = makePerson(rng, 'male', 'adult', { surname: familySurname });
    father.firstName = fatherFirstName;
    // Most mothers take the husband's surname; some keep their own.
    const motherSurname = rng() < 0.85 ? familySurname : pick(rng, SURNAMES);
    const mother = makePerson(rng, 'female', 'adult', { surname: motherSurname });
    return { children, mother, father };
  }

  if (guardianRoll < 0.97) {
    // Single mother: usually shares the children's surname, sometimes not
    // (kept her maiden name or remarried).
    const motherSurname = rng() < 0.75 ? familySurname : pick(rng, SURNAMES);
    const mother = makePerson(rng, 'female', 'adult', { surname: motherSurname });
    return { children, mother };
  }

  // Grandmother as guardian: paternal (same surname) or maternal (different).
  const grandmotherSurname = rng() < 0.5 ? familySurname : pick(rng, SURNAMES);
  const grandmother = makePerson(rng, 'female', 'senior', { surname: grandmotherSurname });
  return { children, grandmother };
}

// ---------------------------------------------------------------------------
// Phones, subjects
// ---------------------------------------------------------------------------

/** Russian mobile number in E.164: +79XXXXXXXXX. */
export function randomPhone(rng: () => number): string {
  let digits = '';
  for (let i = 0; i < 9; i++) digits += String(Math.floor(rng() * 10));
  return `+79${digits}`;
}

export const SUBJECT_TEACHER_SPECIALITIES: string[] = [
  'Математика',
  'Русский язык',
  'Литература',
  'История',
  'Обществознание',
  'География',
  'Биология',
  'Физика',
  'Химия',
  'Информатика',
  'Английский язык',
  'Физическая культура',
  'Музыка',
  'Изобразительное искусство',
  'Технология',
  'ОБЗР',
];
