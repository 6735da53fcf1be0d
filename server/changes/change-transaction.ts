/**
 * The transaction of one change: a Sequelize Transaction (the models take it as `transaction`, as in
 * sequelize.transaction()), two round trips shorter. sequelize.transaction() sends BEGIN and COMMIT
 * each alone; here BEGIN goes in the same message as the change's first statement, and COMMIT in the
 * same message as its last (the mutation record). A round trip costs the server a write and a read
 * of the database's socket and a pass through Sequelize's query path, and holds the list's row lock
 * meanwhile; a change made five, it now makes three.
 *
 * Folding needs the simple query protocol (statements as text, values escaped into it): a first
 * statement sent with bind parameters goes after its own BEGIN, as before (correct, not folded).
 */
import { QueryTypes, Transaction, type Sequelize } from 'sequelize';
import { isDatabaseUnavailable } from '../core/errors';

/** The node-postgres client under a Sequelize connection, as far as this file uses it. */
interface PgClient {
  query(...args: unknown[]): unknown;
}

const BEGIN = 'START TRANSACTION;';

export class ChangeTransaction {
  private done = false;

  private constructor(
    private readonly sequelize: Sequelize,
    /** What the models are given: Sequelize reads its connection, id and state. */
    readonly t: Transaction,
    private readonly client: PgClient,
  ) {}

  /** Takes a connection of the pool; its BEGIN is sent with the first statement. */
  static async open(sequelize: Sequelize): Promise<ChangeTransaction> {
    const t = new Transaction(sequelize, {});
    const client = (await sequelize.connectionManager.getConnection({ type: 'write' })) as PgClient;
    // as Transaction.prepareEnvironment() does: the connection names its transaction (Sequelize logs it)
    Object.assign(client, { uuid: (t as unknown as { id: string }).id });
    Object.assign(t, { connection: client });
    beginWithFirstStatement(client);
    return new ChangeTransaction(sequelize, t, client);
  }

  /**
   * Runs `last` (text with its values escaped in, or nothing) and COMMIT, in one message. A failure
   * of `last` leaves the transaction to roll back (abandon()). A lost connection leaves it unknown:
   * the connection is dropped, and the caller finds out from the mutation record.
   */
  async commit(last?: string): Promise<void> {
    const sql = `${last ? `${last};` : ''}COMMIT;`;
    await this.run(() => this.sequelize.query(sql, { transaction: this.t, type: QueryTypes.RAW }));
    this.finish('commit');
  }

  /** After a failure: rolls back what ran, if anything did, and gives the connection back (or drops it). */
  async abandon(): Promise<void> {
    if (this.done) return;
    if (!this.begun()) {
      this.finish('rollback');
      return;
    }
    try {
      await this.run(() => this.sequelize.query('ROLLBACK;', { transaction: this.t, type: QueryTypes.RAW }));
      this.finish('rollback');
    } catch {
      await this.drop(); // PostgreSQL rolls back the transaction of a closed connection
    }
  }

  /** Runs a statement that ends the transaction; a connection lost meanwhile is dropped, never reused. */
  private async run(statement: () => Promise<unknown>): Promise<void> {
    try {
      await statement();
    } catch (err) {
      if (isDatabaseUnavailable(err)) await this.drop();
      throw err;
    }
  }

  /** Whether BEGIN was sent (the first statement unwrapped the client's query). */
  private begun(): boolean {
    return !Object.prototype.hasOwnProperty.call(this.client, 'query');
  }

  private finish(state: 'commit' | 'rollback'): void {
    this.done = true;
    Object.assign(this.t, { finished: state });
    delete (this.client as Partial<PgClient>).query; // never sent a statement: unwrap
    this.sequelize.connectionManager.releaseConnection(this.client);
  }

  private async drop(): Promise<void> {
    if (this.done) return;
    this.done = true;
    Object.assign(this.t, { finished: 'rollback' });
    await this.sequelize.connectionManager.destroyConnection(this.client as never).catch(() => undefined);
  }
}

/**
 * Until the connection's first statement, BEGIN is owed: a statement sent as text (no bind
 * parameters) carries it in the same message; one with parameters is queued after its own BEGIN
 * (node-postgres sends queued statements one after the other, on the same connection).
 */
function beginWithFirstStatement(client: PgClient): void {
  const own = Object.getPrototypeOf(client) as PgClient;
  client.query = (text: unknown, ...rest: unknown[]) => {
    delete (client as Partial<PgClient>).query;
    if (typeof text === 'string' && rest.length === 1 && typeof rest[0] === 'function') {
      return own.query.call(client, BEGIN + text, rest[0]);
    }
    own.query.call(client, BEGIN, () => undefined); // BEGIN fails only with its connection, and so does what follows
    return own.query.call(client, text, ...rest);
  };
}
