/**
 * Whom a family may write about a child: the class teacher and the teachers of the child's
 * class (a subgroup's teacher only for the subgroup's members). Names and subjects only:
 * messaging is the way to reach a teacher without anyone's phone number changing hands.
 */
import { can } from '../auth/policy.ts'
import type { Db } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import { personResource, type RequestContext } from '../people/service.ts'
import type { ContactView } from './schema.ts'

export async function contactsFor(db: Db, ctx: RequestContext, studentId: string): Promise<ContactView[]> {
  const r = await personResource(db, studentId)
  if (!r || r.kind !== 'student' || !can(ctx.actor, 'student.listContacts', r)) throw errors.notFound('student', studentId)
  return loadContacts(db, studentId)
}

/** The contacts without a policy check (the caller has checked it): class teacher first, then by subject. */
export async function loadContacts(db: Db, studentId: string): Promise<ContactView[]> {
  return db<ContactView[]>`
    with cls as (select class_id from enrolments where student_id = ${studentId} and ended_on is null),
    staff as (
      select c.class_teacher_id as person_id, true as class_teacher, null::text as subject
      from classes c where c.id in (select class_id from cls) and c.class_teacher_id is not null
      union all
      select ta.teacher_id, false, s.name
      from teaching_assignments ta join subjects s on s.id = ta.subject_id
      where ta.class_id in (select class_id from cls)
        and (ta.subgroup_id is null or exists (
          select 1 from subgroup_members m
          where m.subgroup_id = ta.subgroup_id and m.student_id = ${studentId} and m.ended_on is null)))
    select p.id, p.last_name, p.first_name, p.middle_name, bool_or(st.class_teacher) as class_teacher,
      coalesce(array_agg(distinct st.subject) filter (where st.subject is not null), '{}') as subjects
    from staff st join persons p on p.id = st.person_id
    group by p.id
    order by bool_or(st.class_teacher) desc, min(st.subject), p.last_name, p.first_name`
}
