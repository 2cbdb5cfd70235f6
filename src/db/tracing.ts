/**
 * A span per database query, for SQLite and PostgreSQL alike: the dialect is wrapped so that
 * each connection's `executeQuery` runs inside a CLIENT span named by the operation and
 * table (`SELECT api_keys`), with db.system.name, db.operation.name, db.collection.name and
 * the rows returned. Neither the SQL text nor a parameter value is recorded: values are
 * bound as parameters, but DDL and the odd literal are not, and a span must not carry data.
 *
 * Wrapping the driver (rather than a kysely plugin) times the query itself and sees its
 * failure. A span is made only under a live parent (a traced request or job): the polling
 * and batched writes outside them would each start a trace of their own.
 */
import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from "kysely";
import {
  context,
  liveParent,
  SpanKind,
  SpanStatusCode,
  trace,
  tracer,
  tracingEnabled,
} from "../core/tracing.js";

export type DbSystem = "sqlite" | "postgresql";

const OPERATION = /^\s*(?:\/\*[\s\S]*?\*\/\s*)?([A-Za-z]+)/;
const TABLE = /\b(?:from|into|update|table(?:\s+if\s+(?:not\s+)?exists)?)\s+"?([A-Za-z_][\w$]*)"?/i;

/** The operation (first keyword) and the first table a statement names, read from its text. */
export function describeQuery(sqlText: string): { operation: string; table: string | undefined } {
  const operation = OPERATION.exec(sqlText)?.[1]?.toUpperCase() ?? "QUERY";
  return { operation, table: TABLE.exec(sqlText)?.[1] };
}

/** `dialect` with a span per query when tracing is on; `dialect` itself (no cost) when it is off. */
export function tracedDialect<D extends Dialect>(dialect: D, system: DbSystem): D | Dialect {
  if (!tracingEnabled()) return dialect;
  return {
    createAdapter: (): DialectAdapter => dialect.createAdapter(),
    createQueryCompiler: (): QueryCompiler => dialect.createQueryCompiler(),
    createIntrospector: (db: Kysely<unknown>): DatabaseIntrospector => dialect.createIntrospector(db),
    createDriver: (): Driver => new TracedDriver(dialect.createDriver(), system),
  };
}

class TracedDriver implements Driver {
  /** The driver's own connection behind each traced one: the driver is handed back its own. */
  private readonly inner = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(
    private readonly driver: Driver,
    private readonly system: DbSystem,
  ) {}

  private own(connection: DatabaseConnection): DatabaseConnection {
    return this.inner.get(connection) ?? connection;
  }

  init(): Promise<void> {
    return this.driver.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.driver.acquireConnection();
    const traced = new TracedConnection(connection, this.system);
    this.inner.set(traced, connection);
    return traced;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.driver.beginTransaction(this.own(connection), settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.commitTransaction(this.own(connection));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.rollbackTransaction(this.own(connection));
  }

  savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    return this.driver.savepoint!(this.own(connection), name, compile);
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    return this.driver.rollbackToSavepoint!(this.own(connection), name, compile);
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    return this.driver.releaseSavepoint!(this.own(connection), name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(this.own(connection));
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }
}

class TracedConnection implements DatabaseConnection {
  constructor(
    private readonly connection: DatabaseConnection,
    private readonly system: DbSystem,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const parent = liveParent();
    if (!parent) return this.connection.executeQuery<R>(compiled);
    const { operation, table } = describeQuery(compiled.sql);
    const span = tracer().startSpan(table ? `${operation} ${table}` : operation, {
      kind: SpanKind.CLIENT,
      attributes: {
        "db.system.name": this.system,
        "db.operation.name": operation,
        ...(table ? { "db.collection.name": table } : {}),
      },
    });
    try {
      const result = await context.with(trace.setSpan(context.active(), span), () =>
        this.connection.executeQuery<R>(compiled),
      );
      span.setAttribute("db.response.returned_rows", result.rows.length);
      return result;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute("error.type", typeof code === "string" ? code : "Error");
      throw err;
    } finally {
      span.end();
    }
  }

  streamQuery<R>(compiled: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.connection.streamQuery<R>(compiled, chunkSize);
  }
}
