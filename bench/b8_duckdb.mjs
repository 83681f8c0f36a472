// B8's baseline: a simplified version of the rules as one DuckDB query over
// the same files yanxiu reads (what an analyst might write instead).
//
//   node b8_duckdb.mjs PARTICIPANTS EVENTS csv|jsonl THREADS
//
// Simplified: study clipped to the training window and summed per lesson; a
// lesson counts when it was studied and has a completed quiz at or after its
// first study; hours are the lessons' seconds / 2700 in tenths.  Not checked:
// overlapping sessions (counted twice), duplicates, rejections, categories'
// sectors, verification.  Prints the seconds from the query's start to its
// last row, and the rows' checksums.
import { DuckDBInstance } from '@duckdb/node-api';

const [participants, events, format, threads] = process.argv.slice(2);
const read = (path) =>
  format === 'csv'
    ? `read_csv('${path}', header = true, all_varchar = true)`
    : `read_json('${path}', format = 'newline_delimited', columns = {kind: 'VARCHAR', participant: 'VARCHAR',
        lesson: 'VARCHAR', start: 'VARCHAR', "end": 'VARCHAR', "at": 'VARCHAR', completed: 'VARCHAR',
        score: 'VARCHAR', id: 'VARCHAR'})`;
const readParticipants = (path) =>
  format === 'csv'
    ? `read_csv('${path}', header = true, all_varchar = true)`
    : `read_json('${path}', format = 'newline_delimited', columns = {id: 'VARCHAR', unit: 'VARCHAR',
        category: 'VARCHAR', verified: 'VARCHAR', sector: 'VARCHAR'})`;

const sql = `
WITH ev AS (SELECT * FROM ${read(events)}),
study AS (
  SELECT participant, lesson,
         greatest(try_cast("start" AS TIMESTAMPTZ), TIMESTAMPTZ '2023-01-09 00:00:00+08') AS s,
         least(try_cast("end" AS TIMESTAMPTZ), TIMESTAMPTZ '2023-02-11 00:00:00+08') AS e
  FROM ev WHERE kind = 'study'),
lesson_time AS (
  SELECT participant, lesson, sum(greatest(epoch(e) - epoch(s), 0)) AS seconds, min(s) AS first_study
  FROM study WHERE s IS NOT NULL AND e IS NOT NULL GROUP BY ALL),
quiz AS (
  SELECT participant, lesson, max(try_cast("at" AS TIMESTAMPTZ)) AS last_quiz
  FROM ev WHERE kind = 'quiz' AND coalesce(completed, 'true') IN ('true', '1') GROUP BY ALL),
credited AS (
  SELECT l.participant, l.lesson, l.seconds FROM lesson_time l JOIN quiz q USING (participant, lesson)
  WHERE l.seconds > 0 AND q.last_quiz >= l.first_study),
per_person AS (
  SELECT participant, count(*) AS lessons, floor(sum(seconds) / 270.0) / 10 AS hours FROM credited GROUP BY ALL),
people AS (SELECT * FROM ${readParticipants(participants)})
SELECT p.id, p.unit, p.category, coalesce(c.lessons, 0) AS lessons, coalesce(c.hours, 0) AS hours,
       coalesce(c.lessons, 0) >= CASE p.category WHEN 'mh_fulltime' THEN 15 WHEN 'mh_parttime' THEN 15
                                                 WHEN 'homeroom' THEN 10 WHEN 'counselor' THEN 10 ELSE 1000000 END
         AS complete
FROM people p LEFT JOIN per_person c ON c.participant = p.id`;

const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const connection = await instance.connect();
const t0 = process.hrtime.bigint();
const reader = await connection.runAndReadAll(sql);
const rows = reader.getRows();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
let complete = 0;
let lessons = 0;
for (const r of rows) {
  if (r[5]) complete += 1;
  lessons += Number(r[3]);
}
console.log(`duckdb ${format}: ${rows.length} participants, ${complete} complete, ${lessons} lessons credited`);
console.log(`RESULT duckdb_${format}_s ${seconds}`);
