// ESLint: typescript-eslint's type-aware rules, and the project's layering as import rules.
// Formatting is Prettier's (.prettierrc); eslint-config-prettier, last, turns off the rules it owns.
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const DOMAINS = ['auth', 'lists', 'tasks', 'comments', 'sync', 'presence'];
const TRANSPORTS = ['http', 'realtime'];
/** The API documents (OpenAPI, AsyncAPI) and their pages: built from shared/; app.ts hands their router to http/. */
const DOCS = 'docs';
/** The sync engine: how a change is made (one transaction through the models) and sent (in seq order, to every node). */
const CHANGES = 'changes';
const WIRING = ['server/app.ts', 'server/models.ts', 'server/index.ts', 'server/cluster.ts', 'server/maintenance.ts'];
const dirs = (...names) => names.map((name) => `./server/${name}`);
const wiring = WIRING.map((file) => `./${file}`);

/**
 * Who may import whom (a zone forbids `target` to import `from`; type-only imports count too):
 * shared/ (the wire contract) < sdk/ (the client SDK) < web/ (the web app), and nothing imports web/;
 * shared/ < server/core < changes < auth < lists < tasks < comments < sync < presence, with dev/ beside server/ (the server imports
 * nothing of dev/; dev/ takes from server/ its infrastructure, core, only; test/ and bench/ import both); http/ and realtime/ are handed the domains' routes and socket
 * domains by app.ts, so of the domains they know auth only; docs/ (the API documents) knows shared/ and core
 * only, and app.ts hands its router to http/ like a domain's.
 */
const LAYERS = [
  {
    target: './shared',
    from: ['./server', './sdk', './web', './dev', './test', './bench'],
    message: 'shared/ is the wire contract (types, event names, schemas): it imports nothing outside shared/.',
  },
  {
    target: './sdk',
    from: ['./server', './web', './dev', './test', './bench'],
    message: 'sdk/ is the client SDK, for browsers and Node: of this repo it imports shared/ (the contract) only.',
  },
  {
    target: ['./server', './dev'],
    from: './sdk',
    message: 'the server and its tooling do not use the client SDK (sdk/): the web app and the tests do.',
  },
  {
    target: './dev',
    from: ['./test', './bench'],
    message:
      'dev/ is operations code and the kit (dev/kit/) that test/ and bench/ use: no imports from test/ or bench/.',
  },
  {
    target: './dev',
    from: './server',
    except: ['./core'],
    message:
      'dev/ is operations code kept out of the server: of server/ it may use core (where the project is, a free port, the embedded PostgreSQL) only.',
  },
  {
    target: './server',
    from: ['./test', './bench', './dev'],
    message: 'server/ imports nothing from test/, bench/ or dev/ (`npm start` runs server/; dev/ is tooling).',
  },
  {
    target: ['./server', './shared', './sdk', './dev', './test', './bench'],
    from: './web',
    message: 'web/ is the web app, bundled for browsers: nothing imports it (the server serves its build).',
  },
  {
    target: './bench',
    from: './test',
    message: 'bench/ takes its helpers from dev/, not test/.',
  },
  {
    target: './server/core',
    from: [...dirs(CHANGES, ...DOMAINS, ...TRANSPORTS, DOCS), ...wiring],
    message: 'server/core is infrastructure: it knows no sync engine, domain, transport, docs or wiring.',
  },
  {
    target: `./server/${CHANGES}`,
    from: [...dirs(...DOMAINS, ...TRANSPORTS, DOCS), ...wiring],
    message: `server/${CHANGES} (the sync engine) knows core only: no domain, transport, docs or wiring.`,
  },
  {
    target: `./server/${DOCS}`,
    from: [...dirs(CHANGES, ...DOMAINS, ...TRANSPORTS), ...wiring],
    message: `server/${DOCS} builds the API documents from shared/ (and core): no domain, transport or wiring.`,
  },
  ...DOMAINS.map((domain, i) => ({
    target: `./server/${domain}`,
    from: [...dirs(...DOMAINS.slice(i + 1), ...TRANSPORTS, DOCS), ...wiring],
    message: `server/${domain} imports only core and the domains below it (${DOMAINS.slice(0, i).join(', ') || 'none'}), no transport or wiring.`,
  })),
  ...TRANSPORTS.map((transport) => ({
    target: `./server/${transport}`,
    from: [
      ...dirs(...DOMAINS.filter((d) => d !== 'auth'), ...TRANSPORTS.filter((t) => t !== transport), DOCS),
      ...wiring,
    ],
    message: `server/${transport} is handed the domains' routes and socket domains by app.ts: of the domains it imports auth only.`,
  })),
];

/** strictTypeChecked, less what fights this code's idioms (the server's and the web app's alike). */
const TYPESCRIPT_RULES = {
  // numbers in messages (`${ms} ms`) are meant; any, objects, nullish and booleans are still refused
  '@typescript-eslint/restrict-template-expressions': [
    'error',
    {
      allowNumber: true,
      allowAny: false,
      allowBoolean: false,
      allowNullish: false,
      allowRegExp: false,
      allowNever: false,
    },
  ],
  // `(err) => logger.warn(...)`, `() => resolve()`: a shorthand arrow's void result is no confusion
  '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
  // `map.get(key)!` after the key was set, a row the caller just locked: invariants the types cannot
  // express; the `!` marks them (no-unnecessary-type-assertion still flags the ones that are not needed)
  '@typescript-eslint/no-non-null-assertion': 'off',
  'import-x/no-cycle': 'error',
};

export default defineConfig(
  {
    ignores: ['dist/', 'node_modules/', '.data/', '.scratch/', 'bench/results/', 'coverage/'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  comments.recommended,
  {
    rules: {
      // a disable says why: `// eslint-disable-next-line rule -- reason`
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: ['eslint-enable'] }],
      '@eslint-community/eslint-comments/no-unused-disable': 'off', // linterOptions reports those
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      // no-cycle follows imports only into files it can parse: .ts through typescript-eslint's parser
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      ...TYPESCRIPT_RULES,
      // like tsc's noUnusedParameters: a leading _ marks a parameter kept for its position (Express's 4-argument error handler)
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: LAYERS }],
    },
  },
  {
    // the web app (web/): browser code with its own tsconfig (DOM lib, Preact's JSX); it imports only
    // sdk/ (the client SDK) and shared/ (the contract), and nothing imports it
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { window: 'readonly', document: 'readonly', location: 'readonly', history: 'readonly' },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'web/tsconfig.json' })],
    },
    rules: {
      ...TYPESCRIPT_RULES,
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: [
            {
              target: './web',
              from: ['./server', './dev', './test', './bench'],
              message: 'web/ (the web app) imports only sdk/ (the client SDK) and shared/ (the contract).',
            },
          ],
        },
      ],
    },
  },
  {
    // every file a room a newcomer can read: no function over 120 lines anywhere (a mocha describe's
    // callback is a function too: a long describe is split into several), and no file over 400 lines
    // outside test/ (a test file may hold many short tests). Every line counts, blank lines and comments
    // too: what one reads through is what is measured (and `wc -l` agrees with the rule).
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.cjs', '**/*.mjs'],
    rules: {
      'max-lines-per-function': ['error', { max: 120 }],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.cjs', '**/*.mjs'],
    ignores: ['test/**'],
    rules: {
      'max-lines': ['error', { max: 400 }],
    },
  },
  {
    // CommonJS: migrations, their sequelize-cli config, .sequelizerc
    files: ['**/*.js', '**/*.cjs', '.sequelizerc'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { process: 'readonly', __dirname: 'readonly', console: 'readonly' },
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
  prettier,
);
