import { z } from 'zod'

const name = z.string().trim().min(1).max(100)
export const uuid = z.uuid()

export const personKind = z.enum(['student', 'guardian', 'staff'])
export const guardianRelation = z.enum([
  'mother', 'father', 'grandmother', 'grandfather', 'stepmother', 'stepfather',
  'sister', 'brother', 'aunt', 'uncle', 'guardian', 'trustee', 'other',
])

export const personCard = z.object({
  id: uuid,
  schoolId: uuid,
  kind: personKind,
  lastName: z.string(),
  firstName: z.string(),
  middleName: z.string().nullable(),
  gender: z.enum(['male', 'female']).nullable(),
})
export type PersonCard = z.infer<typeof personCard>

export const personContacts = z.object({
  phone: z.string().nullable(),
  email: z.string().nullable(),
})

export const personView = personCard.extend({
  /** present only for those who may read contacts */
  contacts: personContacts.optional(),
  classIds: z.array(uuid),
  guardians: z.array(z.object({ personId: uuid, relation: guardianRelation })).optional(),
  wards: z.array(z.object({ personId: uuid, relation: guardianRelation })).optional(),
})
export type PersonView = z.infer<typeof personView>

export const createPersonBody = z.strictObject({
  kind: personKind,
  lastName: name,
  firstName: name,
  middleName: name.optional(),
  gender: z.enum(['male', 'female']).optional(),
  phone: z.string().regex(/^\+[0-9]{10,15}$/, 'E.164, e.g. +79161234567').optional(),
  email: z.email().max(254).optional(),
  classId: uuid.optional().describe('for a student: the class to enrol in from today'),
})

export const sensitiveBody = z.strictObject({
  birthDate: z.iso.date().optional(),
  snils: z.string().regex(/^\d{3}-\d{3}-\d{3} \d{2}$/, 'format 123-456-789 01').optional(),
  document: z
    .strictObject({
      type: z.enum(['birth_certificate', 'passport', 'foreign_passport', 'other']),
      series: z.string().max(20).optional(),
      number: z.string().min(1).max(30),
      issuedOn: z.iso.date().optional(),
      issuedBy: z.string().max(300).optional(),
    })
    .optional(),
  address: z.string().max(500).optional(),
  healthNotes: z.string().max(2000).optional(),
})
export const sensitiveView = z.object({
  personId: uuid,
  birthDate: z.string().nullable(),
  snils: z.string().nullable(),
  document: z.record(z.string(), z.unknown()).nullable(),
  address: z.string().nullable(),
  healthNotes: z.string().nullable(),
})

export const consentBody = z.strictObject({
  givenByPersonId: uuid.describe('the person who signed: the student (18+) or a guardian'),
  purpose: z.string().trim().min(1).max(500).default('Организация образовательного процесса'),
  documentRef: z.string().trim().max(200).optional(),
  givenAt: z.iso.datetime({ offset: true }),
})
export const consentView = z.object({
  id: uuid,
  subjectPersonId: uuid,
  givenByPersonId: uuid,
  purpose: z.string(),
  documentRef: z.string().nullable(),
  givenAt: z.string(),
  revokedAt: z.string().nullable(),
})

export const guardianshipBody = z.strictObject({
  guardianId: uuid,
  studentId: uuid,
  relation: guardianRelation,
})

/** One guardian–student link, as a path: /schools/{schoolId}/guardianships/{guardianId}/{studentId}. */
export const guardianshipParams = z.strictObject({ schoolId: uuid, guardianId: uuid, studentId: uuid })

export const schoolView = z.object({
  id: uuid,
  name: z.string(),
  shortName: z.string().nullable(),
  timezone: z.string(),
  municipality: z.string().nullable(),
})

export const issueCredentialsBody = z.strictObject({
  personIds: z.array(uuid).min(1).max(500),
})
export const credentialSlip = z.object({
  personId: uuid,
  fullName: z.string(),
  login: z.string(),
  password: z.string(),
  telegramCode: z.string(),
  telegramCodeExpiresAt: z.string(),
  reissued: z.boolean(),
})
export type CredentialSlip = z.infer<typeof credentialSlip>
