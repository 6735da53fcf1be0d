import { setUpTestDatabase, tearDownTestDatabase } from './database';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000);
    await setUpTestDatabase();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await tearDownTestDatabase();
  },
};
