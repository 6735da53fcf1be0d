'use strict';
/**
 * todo_iso as one expression again: migration 8 gave it a FROM clause, which keeps PostgreSQL from
 * inlining the function into the queries that call it (four times for every task answered by the task
 * functions), so each call ran as a query of its own. The years written are migration 8's: 0000 to
 * 9999 in four digits (PostgreSQL's 1 BC is ISO year 0000), others signed in six, as JavaScript's
 * Date.prototype.toISOString writes them.
 */
const INLINED = String.raw`
CREATE OR REPLACE FUNCTION todo_iso(ts timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN ts IS NULL THEN NULL
    WHEN extract(year FROM ts AT TIME ZONE 'UTC') BETWEEN 1 AND 9999
      THEN to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    WHEN extract(year FROM ts AT TIME ZONE 'UTC') = -1
      THEN '0000' || to_char(ts AT TIME ZONE 'UTC', '-MM-DD"T"HH24:MI:SS.MS"Z"')
    WHEN extract(year FROM ts AT TIME ZONE 'UTC') > 9999
      THEN '+' || lpad(extract(year FROM ts AT TIME ZONE 'UTC')::int::text, 6, '0') ||
        to_char(ts AT TIME ZONE 'UTC', '-MM-DD"T"HH24:MI:SS.MS"Z"')
    ELSE '-' || lpad((-(extract(year FROM ts AT TIME ZONE 'UTC')::int + 1))::text, 6, '0') ||
      to_char(ts AT TIME ZONE 'UTC', '-MM-DD"T"HH24:MI:SS.MS"Z"')
  END
$$;
`;

// as migrations/20261207000008-iso-year-zero.js made it
const { ISO_YEAR: BEFORE } = require('./20261207000008-iso-year-zero');

module.exports = {
  INLINED,
  async up(queryInterface) {
    await queryInterface.sequelize.query(INLINED);
  },
  async down(queryInterface) {
    await queryInterface.sequelize.query(BEFORE);
  },
};
