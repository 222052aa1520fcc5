import type { ImportResult, RosterCounts, TimetableCounts } from './types.ts'

/** The summary a person reads after an import, Russian first with English beside. */
export function formatSummary(r: ImportResult<RosterCounts> | ImportResult<TimetableCounts>): string {
  const lines: string[] = []
  const what = r.kind === 'roster' ? 'Список классов / roster' : 'Расписание / timetable'
  lines.push(`${what}: «${r.school.name}», учебный год ${r.year.name}, ${r.kind === 'roster' ? 'зачисление' : 'действует с'} ${r.date}`)
  lines.push(`  строк в файле: ${r.rows}, ${r.dryRun ? 'годных к записи' : 'записано'}: ${r.imported}, с ошибками: ${r.errors.length}` +
    ` / rows: ${r.rows}, ${r.dryRun ? 'would import' : 'imported'}: ${r.imported}, with errors: ${r.errors.length}`)
  if (r.kind === 'roster') {
    const c = r.counts as RosterCounts
    lines.push(`  ученики: создано ${c.studentsCreated}, уже были в классе (пропущены) ${c.studentsExisting}` +
      ` / students: ${c.studentsCreated} created, ${c.studentsExisting} already enrolled (skipped)`)
    lines.push(`  представители: создано ${c.guardiansCreated}, уже были в школе ${c.guardiansExisting}; новых связей с учениками ${c.links}` +
      ` / guardians: ${c.guardiansCreated} created, ${c.guardiansExisting} already known; ${c.links} new links`)
    if (c.classesCreated.length) lines.push(`  классы созданы: ${c.classesCreated.join(', ')} / classes created`)
    lines.push(`  книга движения: записей о зачислении ${c.admissions}, приказ ${r.orderNumber ? `№ ${r.orderNumber}` : 'не указан (--order)'}` +
      ` / movement book: ${c.admissions} admissions, order ${r.orderNumber ?? 'not given'}`)
    lines.push(`  согласия на обработку ПДн: ${c.consents}, даты рождения сохранены: ${c.birthDates} / consents recorded: ${c.consents}, birth dates stored: ${c.birthDates}`)
  } else {
    const c = r.counts as TimetableCounts
    lines.push(`  уроки в расписании: создано ${c.slotsCreated}, уже были (пропущены) ${c.slotsExisting} / slots: ${c.slotsCreated} created, ${c.slotsExisting} already there (skipped)`)
    lines.push(`  нагрузка: новых назначений ${c.assignmentsCreated}, подгрупп создано ${c.subgroupsCreated} / assignments: ${c.assignmentsCreated} created, subgroups: ${c.subgroupsCreated}`)
    if (c.subjectsCreated.length) lines.push(`  предметы созданы: ${c.subjectsCreated.join(', ')} / subjects created`)
    if (c.subgroupsCreated) lines.push('  подгруппы созданы пустыми: классный руководитель распределяет в них учеников / new subgroups are empty')
  }
  if (r.dryRun) lines.push('  пробный запуск: ничего не записано / dry run: nothing written')
  else if (!r.written && r.errors.length) lines.push('  ничего не импортировано: исправьте строки выше или запустите с --partial / nothing imported')
  return lines.join('\n') + '\n'
}
