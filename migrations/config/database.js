'use strict';
// sequelize-cli connection: DATABASE_URL from the environment (or .env). Only used by the CLI.
const fs = require('node:fs');
const path = require('node:path');

const envFile = path.resolve(__dirname, '..', '..', '.env');
if (fs.existsSync(envFile)) process.loadEnvFile(envFile);
if (!process.env.DATABASE_URL) {
  throw new Error('Set DATABASE_URL to run sequelize-cli (the embedded database is started by `npm start` only)');
}
const config = { use_env_variable: 'DATABASE_URL', dialect: 'postgres', logging: false };
module.exports = { development: config, test: config, production: config };
