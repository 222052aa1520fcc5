export { BackupRefused, makeBackup, restoreBackup, type BackupResult, type MakeBackupOptions, type RestoreResult } from './backup.ts'
export { DAILY_BACKUP_TASK, dailyBackupTask, dueDayKey, runDailyBackup, type DailyOutcome } from './daily.ts'
export { BackupFileError, verifyBackupFile, type Manifest } from './files.ts'
