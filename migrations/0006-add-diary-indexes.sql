-- Indexes for the diary at scale, found with test/bench/journal.bench.ts: at 1,000,000 marks
-- (≈1,000 a student a year) the diary's period averages read one heap page per mark of the
-- student and hashed every lesson of the school in the period; enrolments and final marks
-- were read by sequential scans that grow with every school year.

-- The averages need (lesson_id, value, weight) of all the student's marks: covered, an
-- index-only scan. Same key and predicate as before, so the per-lesson lookups keep using it.
drop index marks_student;
create index marks_student on marks (student_id, lesson_id) include (value, weight) where removed_at is null;

-- ...and each mark's lesson date and subject: an index-only probe per mark instead of a hash
-- of the whole school's lessons of the period.
create index lessons_id_date_subject on lessons (id) include (date, subject_id);

-- The student's enrolments (enrolments_current covers only the open one) and final marks
-- (final_marks_one leads with the period).
create index enrolments_student on enrolments (student_id, started_on);
create index final_marks_student on final_marks (student_id, period_id) where removed_at is null;
