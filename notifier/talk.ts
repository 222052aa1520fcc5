/**
 * What a thread's message or an announcement says, looked up at send time: who wrote (a
 * teacher with the subjects they teach the child, a guardian with the child and class), the
 * text as stored. No phones, e-mails or usernames: the bot relays, people reply to the bot.
 */
import type { Db } from '../core/db/connect.ts'
import type { DeliveryEvent } from './compose.ts'

export interface TalkMessage {
  /** 'staff': a teacher wrote to a family; 'guardian': a family wrote to a teacher */
  readonly from: 'guardian' | 'staff'
  readonly toStaff: boolean
  /** «Петрова Мария Ивановна» (staff) or «Родителева Мария (мама)» (guardian) */
  readonly author: string
  /** «математика», «классный руководитель» — for a teacher; null for a guardian */
  readonly role: string | null
  /** the child: «Анна» for the family, «Анна Ученикова, 7А» for staff */
  readonly child: string
  readonly body: string
  readonly truncated: boolean
}

export interface TalkAnnouncement {
  /** «7А» or null for the whole school */
  readonly className: string | null
  readonly author: string
  readonly role: string
  readonly body: string
  readonly truncated: boolean
}

export interface TalkView {
  readonly messages: TalkMessage[]
  readonly announcements: TalkAnnouncement[]
}

/** Telegram allows 4096 characters; the header and the reply hint need room. */
const MAX_BODY = 3500
const clip = (s: string) => (s.length > MAX_BODY ? { body: s.slice(0, MAX_BODY) + '…', truncated: true } : { body: s, truncated: false })

const RELATION: Record<string, string> = {
  mother: 'мама', father: 'папа', grandmother: 'бабушка', grandfather: 'дедушка', guardian: 'опекун', trustee: 'попечитель',
  sister: 'сестра', brother: 'брат', aunt: 'тётя', uncle: 'дядя',
}

export const isTalk = (e: Pick<DeliveryEvent, 'kind'>) => e.kind.startsWith('message.') || e.kind.startsWith('announcement.')

export async function talkView(db: Db, events: readonly DeliveryEvent[]): Promise<TalkView> {
  const ids = (kind: string, key: string) => events.filter((e) => e.kind.startsWith(kind)).map((e) => String(e.payload[key]))
  const messageIds = ids('message.', 'messageId')
  const announcementIds = ids('announcement.', 'announcementId')
  const [messages, announcements] = await Promise.all([
    messageIds.length ? db<(Omit<TalkMessage, 'child' | 'author' | 'role' | 'truncated' | 'toStaff'> & {
      lastName: string; firstName: string; middleName: string | null; relation: string | null; classTeacher: boolean
      subjects: string[]; childFirst: string; childLast: string; className: string | null; messageId: string
    })[]>`
      select m.id as message_id, case when m.author_id = t.staff_id then 'staff' else 'guardian' end as "from", m.body,
        a.last_name, a.first_name, a.middle_name, g.relation::text as relation,
        st.first_name as child_first, st.last_name as child_last, c.grade || c.letter as class_name,
        coalesce(c.class_teacher_id = t.staff_id, false) as class_teacher,
        coalesce((select array_agg(distinct lower(s.name)) from teaching_assignments ta join subjects s on s.id = ta.subject_id
                  where ta.class_id = c.id and ta.teacher_id = t.staff_id), '{}') as subjects
      from thread_messages m
      join message_threads t on t.id = m.thread_id
      join persons a on a.id = m.author_id
      join persons st on st.id = t.student_id
      left join guardianships g on g.guardian_id = t.guardian_id and g.student_id = t.student_id
      left join enrolments e on e.student_id = t.student_id and e.ended_on is null
      left join classes c on c.id = e.class_id
      where m.id = any(${messageIds}::uuid[])
      order by m.created_at` : [],
    announcementIds.length ? db<{
      body: string; className: string | null; lastName: string; firstName: string; middleName: string | null; classTeacher: boolean
    }[]>`
      select a.body, c.grade || c.letter as class_name, p.last_name, p.first_name, p.middle_name,
        coalesce(c.class_teacher_id = a.author_id, false) as class_teacher
      from announcements a join persons p on p.id = a.author_id left join classes c on c.id = a.class_id
      where a.id = any(${announcementIds}::uuid[])
      order by a.created_at` : [],
  ])
  return {
    messages: messages.map((m) => {
      const staff = m.from === 'staff'
      const role = [...(m.classTeacher ? ['классный руководитель'] : []), ...m.subjects].join(', ')
      const relation = m.relation ? RELATION[m.relation] : undefined
      return {
        from: m.from, toStaff: !staff, ...clip(m.body),
        author: staff
          ? [m.lastName, m.firstName, m.middleName].filter(Boolean).join(' ')
          : `${m.lastName} ${m.firstName}${relation ? ` (${relation})` : ''}`,
        role: staff ? role || null : null,
        // families read the child's first name only; staff see the last name and class
        child: staff ? m.childFirst : `${m.childFirst} ${m.childLast}${m.className ? `, ${m.className}` : ''}`,
      }
    }),
    announcements: announcements.map((a) => ({
      className: a.className, ...clip(a.body),
      author: [a.lastName, a.firstName, a.middleName].filter(Boolean).join(' '),
      role: a.classTeacher ? `классный руководитель ${a.className}` : 'администрация школы',
    })),
  }
}
