'use strict';
/**
 * Log out revokes one token: `revoked_tokens` holds the id of each token logged out (its `jti`, or a
 * hash of a token signed without one) until the token would have expired; the periodic clean-up
 * (server/core/db/maintenance.ts) deletes it then, by `expires_at`.
 *
 * And emails are stored in one form (shared/email.ts): the accounts registered before, whose email
 * has an Unicode domain or a local part not in NFC, are rewritten to it, so that their owners can
 * still log in with what they type. Where two accounts meet in one form (NFC and NFD "rené"), the
 * older keeps it and the other is left as it was (it can then be reached by no login: the server
 * normalizes what it is sent).
 */
const { domainToASCII } = require('node:url');

/** The stored form of an email: lower case, NFC, the domain in ASCII (punycode); undefined if it has none. */
function normalized(email) {
  const lower = email.toLowerCase().normalize('NFC');
  const at = lower.lastIndexOf('@');
  if (at < 1) return undefined;
  const domain = lower.slice(at + 1);
  // an ASCII domain stays as it is
  const ascii = [...domain].every((c) => c.charCodeAt(0) < 128) ? domain : domainToASCII(domain);
  return ascii ? `${lower.slice(0, at)}@${ascii}` : undefined;
}

module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('revoked_tokens', {
      token_id: { type: Sequelize.STRING(64), primaryKey: true },
      user_id: { type: Sequelize.UUID, allowNull: false, references: { model: 'users', key: 'id' }, onDelete: 'CASCADE' },
      expires_at: { type: Sequelize.DATE, allowNull: false },
    });
    await queryInterface.addIndex('revoked_tokens', ['expires_at']);
    await queryInterface.addIndex('revoked_tokens', ['user_id']);

    const [users] = await queryInterface.sequelize.query(
      `SELECT id, email FROM users WHERE email ~ '[^\\x01-\\x7f]' ORDER BY created_at, id`,
    );
    for (const { id, email } of users) {
      const form = normalized(email);
      if (!form || form === email) continue;
      await queryInterface.sequelize.query(
        'UPDATE users SET email = $1 WHERE id = $2 AND NOT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1))',
        { bind: [form, id] },
      );
    }
  },
  async down(queryInterface) {
    await queryInterface.dropTable('revoked_tokens');
  },
};
