'use strict';
/**
 * Years 0000 to 9999, as the contract promises for `dueAt`. PostgreSQL has no year 0: ISO 8601's
 * year 0 is its 1 BC (the server writes it so, see sqlTime in server/tasks/task.service.ts), which
 * todo_iso wrote as year 0001. It now writes the ISO year, as JavaScript's Date.prototype.toISOString
 * does: 0000 to 9999 in four digits, others signed in six.
 */
const ISO_YEAR = String.raw`
CREATE OR REPLACE FUNCTION todo_iso(ts timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN ts IS NULL THEN NULL
    WHEN y BETWEEN 0 AND 9999 THEN lpad(y::text, 4, '0')
    WHEN y > 9999 THEN '+' || lpad(y::text, 6, '0')
    ELSE '-' || lpad((-y)::text, 6, '0')
  END || to_char(u, '-MM-DD"T"HH24:MI:SS.MS"Z"')
  FROM (SELECT ts AT TIME ZONE 'UTC' AS u) t,
       LATERAL (SELECT extract(year FROM u)::int + CASE WHEN extract(year FROM u) < 0 THEN 1 ELSE 0 END AS y) a
$$;
`;

// as migrations/20261130000007-task-functions.js made it
const BEFORE = String.raw`
CREATE OR REPLACE FUNCTION todo_iso(ts timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN ts IS NULL THEN NULL
    WHEN extract(year FROM ts AT TIME ZONE 'UTC') <= 9999 THEN to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    ELSE '+' || lpad(extract(year FROM ts AT TIME ZONE 'UTC')::int::text, 6, '0') || to_char(ts AT TIME ZONE 'UTC', '-MM-DD"T"HH24:MI:SS.MS"Z"')
  END
$$;
`;

module.exports = {
  /** The function this migration makes: migration 9's down makes it again. */
  ISO_YEAR,
  async up(queryInterface) {
    await queryInterface.sequelize.query(ISO_YEAR);
  },
  async down(queryInterface) {
    await queryInterface.sequelize.query(BEFORE);
  },
};
